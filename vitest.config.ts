import { defineConfig } from "vitest/config";

/**
 * Two groups, one after the other:
 *  - "suite": every file, in parallel (each gets its own table in one shared DynamoDB Local; most
 *    of the time a file waits on DynamoDB Local or a browser, so two workers on two cores keep
 *    the machine busy rather than overloading it);
 *  - "load": the one-minute load test, alone afterwards, with its own DynamoDB Local:
 *    200 posts in flight saturate the machine, and sharing it would measure the other files.
 */
export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: { name: "suite", include: ["test/**/*.test.ts"], exclude: ["test/load.test.ts"], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: "load", include: ["test/load.test.ts"], maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});

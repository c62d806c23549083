import { defineConfig } from "vitest/config";

/**
 * Three projects:
 *  - "unit": test/unit/, pure logic that needs no engine (no DynamoDB Local, no Java), so
 *    `npm run test:unit` answers in seconds;
 *  - "suite": every other file, in parallel (each gets its own table in one shared DynamoDB
 *    Local; most of the time a file waits on DynamoDB Local or a browser, so two workers on two
 *    cores keep the machine busy rather than overloading it);
 *  - "load": the half-minute load test, alone afterwards, with its own DynamoDB Local: 200 posts in
 *    flight saturate the machine, and sharing it would measure the other files.
 * Only the connected projects start DynamoDB Local (test/support/global-setup.ts).
 */
export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: "suite",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**", "test/load.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "load", include: ["test/load.test.ts"], globalSetup: ["test/support/global-setup.ts"], maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});

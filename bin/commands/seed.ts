import { STAGES } from "../../shared/core/schema.ts";
import { seedDemo } from "../../shared/demo/seed.ts";
import type { Command } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { seconds } from "../format.ts";

function wholeNumber(raw: string | undefined, option: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new UsageError(`${option} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

export const seed: Command = {
  name: "seed",
  summary:
    "Fill the stack with realistic demo customers from many countries and scripts, with consent, attribution and a year of purchases. Re-runnable: the same --seed adds nothing twice.",
  options: {
    demo: { type: "boolean", description: "demo data, the only kind there is (required)" },
    count: { type: "string", value: "N", description: "how many customers (default 300)" },
    seed: { type: "string", value: "S", description: "random seed; the same seed gives the same people and orders (default 42)" },
  },
  async run(ctx) {
    if (ctx.values.demo !== true) throw new UsageError("seed only makes demo data: pass --demo");
    const count = wholeNumber(ctx.values.count as string | undefined, "--count", 300, 1, 100_000);
    const seedValue = wholeNumber(ctx.values.seed as string | undefined, "--seed", 42, 0, 0xffffffff);
    const deps = await ctx.deps();
    const tty = ctx.stderr.isTTY === true;
    let lastLine = Date.now();
    const summary = await seedDemo(deps, {
      count,
      seed: seedValue,
      onProgress(done, total) {
        if (tty) {
          ctx.stderr.write(`\r seeded ${done}/${total}`);
        } else if (done === total || Date.now() - lastLine > 5000 || done % Math.max(1, Math.ceil(total / 10)) === 0) {
          lastLine = Date.now();
          ctx.err(`seeded ${done}/${total}`);
        }
      },
    });
    if (tty) ctx.stderr.write("\r\x1b[K");
    const stages = STAGES.filter((s) => summary.stages[s])
      .map((s) => `${s} ${summary.stages[s]}`)
      .join(", ");
    const again = summary.customers - summary.created;
    ctx.err(
      `Seeded ${summary.customers} demo customers (${summary.created} new${again ? `, ${again} already there` : ""}) and ` +
        `${summary.purchases} purchases${summary.duplicatePurchases ? ` (${summary.duplicatePurchases} already there)` : ""} ` +
        `in ${seconds(summary.elapsedMs)}; stages: ${stages}.`,
    );
  },
};

import { existsSync } from "node:fs";
import { CsvFileError, type CsvRecord, readCsv } from "../../shared/import-export/csv-read.ts";
import { PerkFileError, perksFromCsv } from "../../shared/referrals/perk-csv.ts";
import { importPerks, perkSummary } from "../../shared/referrals/perks.ts";
import type { Command } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";

const count = new Intl.NumberFormat("en-US");

/** `rapport perks import FILE.csv`: fills the pool the ambassador reward hands codes out of. */
const perksImport: Command = {
  name: "perks import",
  positionals: ["FILE.csv"],
  summary: "Add one-time perk codes (a column `code`, optional `description`, `expiresAt`) to the pool ambassadors are rewarded from.",
  notes: [
    "Codes already in the pool, or already handed out, are skipped: importing the same file twice adds nothing.",
    "Prints how many were imported and how many are available now.",
  ],
  async run(ctx) {
    const file = ctx.args[0];
    if (!file) throw new UsageError("name the CSV file: rapport perks import FILE.csv", "perks import");
    if (!existsSync(file)) throw new CliFailure(`no such file: ${file}`);
    const records: CsvRecord[] = [];
    let parsed: ReturnType<typeof perksFromCsv>;
    try {
      for await (const record of readCsv(file)) records.push(record);
      parsed = perksFromCsv(records);
    } catch (err) {
      if (err instanceof CsvFileError || err instanceof PerkFileError) throw new CliFailure(`${file}: ${err.message}`);
      throw err;
    }
    for (const problem of parsed.problems) ctx.err(`line ${problem.line}: ${problem.message} (skipped)`);
    const deps = await ctx.deps();
    const { imported, duplicates } = await importPerks(deps, parsed.perks, deps.clock.now().toISOString());
    const { available, used } = await perkSummary(deps);
    ctx.out(
      `imported ${count.format(imported)} perk codes (${count.format(duplicates)} already known, ${count.format(parsed.problems.length)} invalid); ${count.format(available)} available, ${count.format(used)} handed out`,
    );
  },
};

/** `rapport perks`: the pool at a glance. */
const perksStatus: Command = {
  name: "perks status",
  summary: "How many perk codes are available and how many were handed out to ambassadors.",
  async run(ctx) {
    const { available, used } = await perkSummary(await ctx.deps());
    ctx.out(`${count.format(available)} available, ${count.format(used)} handed out`);
  },
};

export const perkCommands: Command[] = [perksImport, perksStatus];

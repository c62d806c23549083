import { existsSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { type ColumnPlan, FORMAT_NAMES, type ImportField, ImportUsageError, parseMapOptions, type SourceFormat } from "../../shared/import-export/columns.ts";
import { CsvFileError } from "../../shared/import-export/csv-read.ts";
import { defaultErrorsFile } from "../../shared/import-export/report.ts";
import { ImportStopped, type ImportSummary, importCsv } from "../../shared/import-export/run.ts";
import type { Command, CommandContext } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";
import { displayWidth, seconds } from "../format.ts";

const count = new Intl.NumberFormat("en-US");

/** "1m05s", "42 s": an ETA at a glance. */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

export interface Progress {
  /** Reports `done` of `total` (total unknown: count and rate only). */
  update(done: number, total?: number): void;
  /** Clears the in-place line. */
  finish(): void;
}

/**
 * A progress display on stderr: on a terminal one line redrawn in place (bar, count, rate, ETA) at
 * most ten times a second; otherwise (a log, a pipe, CI) a plain line every `everyMs`. The rate is
 * over the last ten seconds, so the ETA follows a run that speeds up or slows down.
 */
export function progressLine(ctx: Pick<CommandContext, "stderr" | "err">, noun: string, everyMs = 5000): Progress {
  const tty = ctx.stderr.isTTY === true;
  const started = performance.now();
  let lastDraw = started;
  let drawn = false;
  const samples: [number, number][] = [[started, 0]];
  return {
    update(done, total) {
      const now = performance.now();
      const finished = total !== undefined && done >= total;
      if (now - lastDraw < (tty ? 100 : everyMs) && !(finished && tty)) return;
      lastDraw = now;
      samples.push([now, done]);
      while (samples.length > 2 && now - samples[0]![0] > 10_000) samples.shift();
      const [t0, d0] = samples[0]!;
      const rate = now > t0 ? ((done - d0) * 1000) / (now - t0) : 0;
      const parts = [
        total !== undefined ? `${count.format(done)}/${count.format(total)} ${noun}` : `${count.format(done)} ${noun}`,
        `${count.format(Math.round(rate))} ${noun}/s`,
      ];
      if (total !== undefined && rate > 0 && !finished) parts.push(`ETA ${duration(((total - done) / rate) * 1000)}`);
      if (tty) {
        const pct = total ? done / total : 0;
        const width = 24;
        const filled = Math.round(pct * width);
        const bar = total !== undefined ? `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${String(Math.floor(pct * 100)).padStart(3)}% ` : "";
        ctx.stderr.write(`\r\x1b[K${bar}${parts.join(" · ")}`);
        drawn = true;
      } else {
        ctx.err(`${total ? `${Math.floor((done / total) * 100)}% ` : ""}${parts.join(", ")}`);
      }
    },
    finish() {
      if (tty && drawn) ctx.stderr.write("\r\x1b[K");
    },
  };
}

function wholeNumber(raw: string | undefined, option: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new UsageError(`${option} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** How a derived column is used, in the mapping printout. */
const DERIVED: Partial<Record<ImportField, string>> = {
  name: "firstName, when the row has no first or last name",
  address: "street, city, region, postalCode, country (split at double spaces, as Mailchimp writes them)",
  lifecycleStage: "tag lifecycle:<value>",
  createdAt: "kept on the import's timeline entry",
  consentAt: "consent evidence",
  consentSource: "consent evidence",
  optinTime: "consent evidence: opted in",
  optinIp: "consent evidence",
  confirmTime: "consent evidence: confirmed",
  confirmIp: "consent evidence",
  status: "consent only where it says subscribed",
  optOutTime: "a list of opted-out people: no consent is imported from this file",
};

/** The mapping, as the person at the terminal checks it before the rows go in. */
function describePlan(file: string, plan: ColumnPlan[], rows: number, format: SourceFormat): string[] {
  const lines = [`${basename(file)}: ${FORMAT_NAMES[format]}, ${plan.length} columns, ${count.format(rows)} rows.`];
  const mapped = plan.filter((c) => c.field);
  const width = Math.max(...mapped.map((c) => displayWidth(c.header)));
  for (const c of mapped) {
    const field = c.field!;
    const target = DERIVED[field] ?? field;
    const fallback =
      c.rank > 1 &&
      mapped.some((o) => o !== c && (o.field === field || (o.field === "address" && ["street", "city", "region", "postalCode", "country"].includes(field))));
    lines.push(
      `  ${c.header}${" ".repeat(width - displayWidth(c.header))}  → ${target}${fallback ? " (when the columns before give none)" : ""}${c.how === "--map" ? "  [--map]" : ""}`,
    );
  }
  const known = plan.filter((c) => !c.field && c.how !== "unknown");
  if (known.length) lines.push(`  Ignored: ${known.map((c) => (c.why ? `${c.header} (${c.why})` : c.header)).join("; ")}`);
  const unknown = plan.filter((c) => c.how === "unknown");
  if (unknown.length) lines.push(`  Not recognised, ignored: ${unknown.map((c) => c.header || "(no name)").join(", ")} (--map "Column=field" imports one)`);
  return lines;
}

function describeSummary(s: ImportSummary): string {
  const rate = s.elapsedMs > 0 ? Math.round((s.rows * 1000) / s.elapsedMs) : 0;
  if (s.dryRun) {
    return `Dry run of ${basename(s.file)}: ${count.format(s.rows)} rows, ${count.format(s.rows - s.failed)} would be imported, ${count.format(s.failed)} failed, in ${seconds(s.elapsedMs)}; nothing was written.`;
  }
  return (
    `Imported ${basename(s.file)}: ${count.format(s.rows)} rows, ${count.format(s.created)} created, ${count.format(s.merged)} merged, ` +
    `${count.format(s.unchanged)} unchanged, ${count.format(s.failed)} failed, in ${seconds(s.elapsedMs)} (${count.format(rate)} rows/s).`
  );
}

export const importCommand: Command = {
  name: "import",
  positionals: ["FILE.csv"],
  summary:
    "Import contacts from a CSV file: HubSpot, Mailchimp and Google Contacts exports work as they are. Each row goes through the lead rules (one customer per email, non-empty fields merged, nothing wiped); re-running a file adds nothing twice.",
  options: {
    map: {
      type: "string",
      multiple: true,
      value: '"COLUMN=FIELD"',
      description: "put a column into a field (or `ignore` it), overriding the built-in mapping; repeatable",
    },
    source: { type: "string", value: "NAME", description: "first-touch source of new contacts (default import:<file name>); a source column wins" },
    errors: {
      type: "string",
      value: "FILE",
      description: "where to write the rows and values that could not be imported (default: contacts.csv → contacts.errors.csv)",
    },
    "dry-run": { type: "boolean", description: "read, map and validate only: print the mapping and write the error report, change nothing" },
    concurrency: { type: "string", value: "N", description: "rows written at once (default 32)" },
  },
  notes: [
    "Columns are recognised by name (case and punctuation do not matter): Rapport's field names, HubSpot",
    "(First Name, Email, Phone Number, Company Name, State/Region, Country/Region, Lifecycle Stage → tag",
    "lifecycle:<stage>, Create Date), Mailchimp (Email Address, Address, TAGS, OPTIN_TIME, CONFIRM_TIME,",
    "TIMEZONE, CC, REGION), Google Contacts (E-mail 1 - Value, Phone 1 - Value, Organization Name, Address 1 - *,",
    "Labels → tags) and Shopify. The mapping is printed before anything is written.",
    "",
    "Consent: marketing consent is imported only where the file says the person opted in: a consent column",
    "saying yes (Rapport's export, Shopify's Accepts Email Marketing) or a Mailchimp subscribed export row with",
    "OPTIN_TIME or CONFIRM_TIME. It is recorded as given at the time of the import with source",
    "import:<file name>, the export's times and IPs kept as evidence on the contact's timeline. It is never",
    "inferred, never recorded for a suppressed address or over a later withdrawal in Rapport, and a file never",
    "withdraws consent. Unsubscribed and cleaned Mailchimp exports import contacts without consent.",
    "",
    "Birthdays without a year (Mailchimp MM/DD, Google --MM-DD) are left out and listed in the error report:",
    "Rapport stores full dates and does not make up a year. A bad email skips its row; any other bad value is",
    "left out of its row. Either way the import goes on and the error report lists each one.",
    "",
    "Re-runnable: a row already imported from a file of the same name is skipped, and a row that changes",
    "nothing writes nothing. An import is not customer activity: it does not move last activity or the stage.",
    "Exit codes: 0 when the file was read (even with failed rows), 1 when it cannot be read, 2 for usage errors.",
  ],
  async run(ctx) {
    const file = ctx.args[0]!;
    const dryRun = ctx.values["dry-run"] === true;
    const concurrency = wholeNumber(ctx.values.concurrency as string | undefined, "--concurrency", 32, 1, 256);
    let map;
    try {
      map = parseMapOptions((ctx.values.map as string[] | undefined) ?? []);
    } catch (err) {
      if (err instanceof ImportUsageError) throw new UsageError(err.message);
      throw err;
    }
    const errorsFile = (ctx.values.errors as string | undefined) ?? defaultErrorsFile(file);
    if (resolve(errorsFile) === resolve(file)) throw new UsageError("--errors must not be the file being imported");
    if (!existsSync(dirname(resolve(errorsFile)))) throw new UsageError(`--errors ${errorsFile}: no such directory`);
    try {
      if (!statSync(file).isFile()) throw new CliFailure(`${file}: not a file`);
    } catch (err) {
      if (err instanceof CliFailure) throw err;
      throw new CliFailure((err as NodeJS.ErrnoException).code === "ENOENT" ? `${file}: no such file` : `${file}: ${(err as Error).message}`);
    }
    const deps = dryRun ? undefined : await ctx.deps();
    const progress = progressLine(ctx, "rows");
    let summary: ImportSummary;
    try {
      summary = await importCsv(deps, {
        file,
        map,
        errorsFile,
        dryRun,
        concurrency,
        ...(ctx.values.source ? { source: ctx.values.source as string } : {}),
        onPlan: (plan, info) => {
          for (const line of describePlan(file, plan, info.rows, info.format)) ctx.err(line);
        },
        onProgress: (done, total) => progress.update(done, total),
      });
    } catch (err) {
      progress.finish();
      if (err instanceof ImportUsageError) throw new UsageError(err.message);
      if (err instanceof CsvFileError) throw new CliFailure(err.message);
      if (err instanceof ImportStopped) {
        ctx.err(describeSummary(err.summary));
        throw new CliFailure(`stopped: ${err.message}. Run the same command again to continue: rows already imported are skipped.`);
      }
      throw err;
    }
    progress.finish();
    ctx.err(describeSummary(summary));
    if (summary.requeued) ctx.err(`DynamoDB throttled: rows were retried ${count.format(summary.requeued)} times after the SDK's own retries.`);
    if (summary.errorsFile) {
      const parts = [
        ...(summary.failed ? [`${count.format(summary.failed)} ${summary.failed === 1 ? "row" : "rows"} not imported`] : []),
        ...(summary.skippedValues ? [`${count.format(summary.skippedValues)} ${summary.skippedValues === 1 ? "value" : "values"} left out`] : []),
      ];
      ctx.err(`${parts.join(", ")}: see ${summary.errorsFile}`);
    }
  },
};

import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { EXPORT_FORMATS, type ExportFormat, exportCustomers } from "../../shared/import-export/export.ts";
import type { Command } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";
import { seconds } from "../format.ts";
import { progressLine } from "./import.ts";

/** The reader went away (`rapport export | head`): stop quietly, as Unix tools do. */
class OutputClosed extends Error {
  override name = "OutputClosed";
}

/** Writes with backpressure: waits for `drain` when the stream's buffer is full. */
function writerTo(stream: Writable): { write(text: string): Promise<void>; close(): Promise<void> } {
  let failure: Error | undefined;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    failure = err.code === "EPIPE" ? new OutputClosed() : err;
  });
  return {
    async write(text) {
      if (failure) throw failure;
      if (!stream.write(text)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stream.off("drain", done);
            stream.off("error", done);
            stream.off("close", done);
            resolve();
          };
          stream.once("drain", done).once("error", done).once("close", done);
        });
      }
      if (failure) throw failure;
    },
    async close() {
      if (stream === process.stdout) return;
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (failure) throw failure;
    },
  };
}

export const exportCommand: Command = {
  name: "export",
  summary: "Write every customer (all stages) as CSV or JSON lines, to stdout or a file. The CSV imports back with `rapport import`.",
  options: {
    format: {
      type: "string",
      value: "csv|jsonl",
      description: "csv (default): our field names, tags joined by ;  — jsonl: one JSON object per customer, the full record",
    },
    out: { type: "string", value: "FILE", description: "write to this file instead of stdout" },
  },
  notes: [
    "CSV columns: id, email, the profile fields, tags, consentMarketing, consentAt, consentSource, source,",
    "utm_source, utm_medium, utm_campaign, stage, orders, lifetimeSpend, currency, createdAt, lastActivityAt.",
    "Text a spreadsheet would run as a formula (starting with = + - @) gets a leading ' (rapport import removes it).",
    "Erased customers are not exported. Progress goes to stderr, so `rapport export > customers.csv` works.",
  ],
  async run(ctx) {
    const format = ((ctx.values.format as string | undefined) ?? "csv").toLowerCase() as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be ${EXPORT_FORMATS.join(" or ")}, got "${ctx.values.format}"`);
    const outPath = ctx.values.out as string | undefined;
    const deps = await ctx.deps();
    let stream: Writable = process.stdout;
    if (outPath) {
      const file = createWriteStream(outPath);
      await new Promise<void>((resolve, reject) => {
        file.once("open", () => resolve());
        file.once("error", (err: NodeJS.ErrnoException) => reject(new CliFailure(`${outPath}: ${err.code === "ENOENT" ? "no such directory" : err.message}`)));
      });
      stream = file;
    }
    const output = writerTo(stream);
    const progress = progressLine(ctx, "customers");
    try {
      const result = await exportCustomers(deps, { format, write: (text) => output.write(text), onProgress: (n) => progress.update(n) });
      await output.close();
      progress.finish();
      ctx.err(`Exported ${result.customers} customers as ${format.toUpperCase()}${outPath ? ` to ${outPath}` : ""} in ${seconds(result.elapsedMs)}.`);
    } catch (err) {
      progress.finish();
      if (err instanceof OutputClosed) return;
      throw err;
    }
  },
};

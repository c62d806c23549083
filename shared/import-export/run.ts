import { basename } from "node:path";
import { isThrottledOrConflicting, sleep } from "../aws/retry.ts";
import type { Deps } from "../core/deps.ts";
import { type ColumnPlan, guessFormat, type ImportField, ImportUsageError, planColumns, type SourceFormat } from "./columns.ts";
import { convertRecord, type FileTraits, fileTraits, type ImportRow, type RowIssue } from "./convert.ts";
import { type CsvRecord, readCsv } from "./csv-read.ts";
import { defaultErrorsFile, ErrorReport } from "./report.ts";
import { CREATE_GROUP_ROWS, createRows, type ImportContext, importRow, isGroupable, PREFETCH_ROWS, prefetch, RowFailure, type RowState } from "./write.ts";

/**
 * `rapport import FILE.csv`: contacts from a spreadsheet or another CRM's export become Rapport
 * customers through the same rules as a form lead — validated with `LeadInput`, one customer per
 * normalized email (`upsertContact`), non-empty fields merged and nothing wiped — and every row
 * that changes something leaves one timeline entry saying so.
 *
 * Re-runnable: each row has a deterministic id (a hash of the file's name and the row's cells).
 * Its timeline entry is written in one transaction with a marker under that id (the external-
 * event marker that makes webhooks idempotent), conditional on the marker not existing, so a row
 * imported once is skipped on every later run, even by two imports running at the same time.
 * A row that would change nothing writes nothing.
 */

export interface ImportOptions {
  /** The CSV file. */
  file: string;
  /** `--map` overrides: column name → field, or null to ignore the column. */
  map?: Map<string, ImportField | null>;
  /** First-touch source for new contacts (default `import:<file name>`); a source column wins. */
  source?: string;
  /** The error report (default: the input's name with `.errors.csv`). */
  errorsFile?: string;
  /** Validate and report only; nothing is written to the table (no deps needed). */
  dryRun?: boolean;
  /** Rows in flight at once (default 32). */
  concurrency?: number;
  /** Called once the header is read, before any row is imported. */
  onPlan?: (plan: ColumnPlan[], info: { rows: number; format: SourceFormat }) => void;
  /** Called after each row with the rows done and the rows in the file. */
  onProgress?: (done: number, total: number) => void;
  /** First pause after throttling, doubled per attempt up to 30 s (default 500 ms). */
  throttleBackoffMs?: number;
  /** Times a throttled row is put back in the queue before it is reported as failed (default 10). */
  maxRequeues?: number;
}

export interface ImportSummary {
  file: string;
  format: SourceFormat;
  /** Data rows read (blank lines not counted). */
  rows: number;
  created: number;
  merged: number;
  /** Rows already imported, or that would change nothing. */
  unchanged: number;
  /** Rows not imported (see the error report). */
  failed: number;
  /** Values left out of imported rows (see the error report). */
  skippedValues: number;
  /** Rows, or groups of new rows, put back in the queue after throttling. */
  requeued: number;
  /** Path of the error report, when there was anything to report. */
  errorsFile?: string;
  dryRun: boolean;
  elapsedMs: number;
}

/** The import stopped part-way (the table went away, an unexpected error): what was done is kept. */
export class ImportStopped extends Error {
  override name = "ImportStopped";
  readonly summary: ImportSummary;
  constructor(message: string, summary: ImportSummary) {
    super(message);
    this.summary = summary;
  }
}

/** Data rows in a file (a first pass that also proves the whole file decodes before anything is written). */
async function countRows(file: string): Promise<number> {
  let records = 0;
  for await (const record of readCsv(file)) if (!isBlank(record)) records++;
  return Math.max(0, records - 1);
}

function isBlank(record: CsvRecord): boolean {
  return record.cells.length === 1 && record.cells[0]!.trim() === "" && !record.unterminated;
}

/**
 * Imports a CSV file (see the module comment for the rules). Streams the file: a first pass
 * counts rows (so progress has a total) and proves the text decodes, the second reads, validates
 * and reads what each batch of rows needs in two BatchGetItems. Rows whose address is new to the
 * table are created 25 to a transaction (`createRows`); the rest go to `concurrency` workers. Rows
 * with the same email are applied one after another (they would race for one customer);
 * throttling that outlasts the SDK's retries pauses every worker and puts the row back at the
 * front of the queue.
 *
 * Throws a CsvFileError when the file cannot be read, an ImportUsageError for a bad `--map` or
 * a file without an email column, and ImportStopped when an unexpected error stops the import
 * part-way (a re-run continues: rows already imported are skipped).
 *
 * @example const summary = await importCsv(deps, { file: "contacts.csv" });
 */
export async function importCsv(deps: Deps | undefined, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const dryRun = options.dryRun === true;
  if (!dryRun && !deps) throw new Error("importCsv needs deps unless dryRun is set");
  const fileName = basename(options.file);
  const total = await countRows(options.file);
  const summary: ImportSummary = {
    file: options.file,
    format: "csv",
    rows: 0,
    created: 0,
    merged: 0,
    unchanged: 0,
    failed: 0,
    skippedValues: 0,
    requeued: 0,
    dryRun,
    elapsedMs: 0,
  };
  const report = new ErrorReport(options.errorsFile ?? defaultErrorsFile(options.file));
  const failedRows = new Set<number>();
  const note = (issue: RowIssue) => {
    report.add(issue);
    if (issue.action === "row skipped") failedRows.add(issue.row);
    else summary.skippedValues++;
  };
  const ctx: ImportContext = {
    fileName,
    importSource: `import:${fileName}`,
    attributionSource: options.source ?? `import:${fileName}`,
    notes: note,
  };
  const concurrency = Math.max(1, options.concurrency ?? 32);
  const backoffMs = options.throttleBackoffMs ?? 500;
  const maxRequeues = options.maxRequeues ?? 10;

  let done = 0;
  const progress = () => options.onProgress?.(++done, total);

  // The work queue, shared by the reader (producer) and the workers.
  const pending: { row: ImportRow; state: RowState }[] = [];
  const waitingOnEmail = new Map<string, { row: ImportRow; state: RowState }[]>();
  const busy = new Set<string>();
  let inFlight = 0;
  let readerDone = false;
  let resumeAt = 0;
  let fatal: unknown;
  let wakers: (() => void)[] = [];
  const wake = () => {
    const w = wakers;
    wakers = [];
    for (const resolve of w) resolve();
  };
  const signal = () => new Promise<void>((resolve) => wakers.push(resolve));

  const take = () => {
    while (pending.length) {
      const next = pending.shift()!;
      const email = next.row.lead.email;
      if (!busy.has(email)) return next;
      const queue = waitingOnEmail.get(email) ?? [];
      queue.push(next);
      waitingOnEmail.set(email, queue);
    }
    return undefined;
  };

  const run = async (item: { row: ImportRow; state: RowState }) => {
    const email = item.row.lead.email;
    busy.add(email);
    inFlight++;
    let requeued = false;
    try {
      const outcome = await importRow(deps!, item.row, item.state, ctx);
      summary[outcome]++;
      progress();
    } catch (err) {
      if (isThrottledOrConflicting(err) && item.state.attempts < maxRequeues) {
        item.state.attempts++;
        // What was read before may no longer hold (part of the row may be written): read again.
        delete item.state.known;
        summary.requeued++;
        requeued = true;
        pending.unshift(item);
        const pause = Math.min(30_000, backoffMs * 2 ** (item.state.attempts - 1));
        resumeAt = Math.max(resumeAt, Date.now() + pause * (0.5 + Math.random() / 2));
      } else if (isThrottledOrConflicting(err) || err instanceof RowFailure || (err as Error).name === "ValidationException") {
        const message = isThrottledOrConflicting(err)
          ? `DynamoDB kept throttling after ${maxRequeues} retries: run the import again to retry this row`
          : (err as Error).message;
        note({ row: item.row.row, line: item.row.line, email, field: "", value: "", message, action: "row skipped" });
        progress();
      } else {
        fatal ??= err;
      }
    } finally {
      inFlight--;
      busy.delete(email);
      if (!requeued) {
        const waiting = waitingOnEmail.get(email);
        if (waiting?.length) pending.unshift(waiting.shift()!);
        if (waiting && waiting.length === 0) waitingOnEmail.delete(email);
      }
      wake();
    }
  };

  const worker = async () => {
    for (;;) {
      if (fatal) return;
      const pause = resumeAt - Date.now();
      if (pause > 0) {
        await sleep(pause);
        continue;
      }
      const item = take();
      if (item) {
        wake();
        await run(item);
        continue;
      }
      if (readerDone && inFlight === 0 && pending.length === 0 && waitingOnEmail.size === 0) return wake();
      await signal();
    }
  };

  const seen = new Set<string>();
  let batch: { row: ImportRow; state: RowState }[] = [];
  const enqueue = async () => {
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    try {
      await prefetch(deps!, items, seen);
    } catch (err) {
      // Throttled reads are only an optimisation lost: the workers read (and retry) row by row.
      if (!isThrottledOrConflicting(err)) throw err;
      for (const item of items) delete item.state.known;
    }
    const groupable = items.filter(isGroupable);
    // The group's addresses are busy until it is written: a later row with the same address
    // waits for it, as it would for a worker.
    for (const item of groupable) busy.add(item.row.lead.email);
    pending.push(...items.filter((item) => !isGroupable(item)));
    wake();
    await Promise.all(chunks(groupable, CREATE_GROUP_ROWS).map(createGroup));
    while (pending.length >= Math.max(concurrency * 4, PREFETCH_ROWS * 2) && !fatal) await signal();
  };

  /** Creates a group of new customers at once; rows it could not write go to the workers. */
  const createGroup = async (group: { row: ImportRow; state: RowState }[]) => {
    let left = group;
    try {
      const result = await createRows(deps!, group, ctx);
      left = result.left;
      if (result.throttled) {
        // Put back like a throttled row: counted once, and every worker pauses a moment.
        summary.requeued++;
        resumeAt = Math.max(resumeAt, Date.now() + backoffMs * (0.5 + Math.random() / 2));
      }
    } catch (err) {
      fatal ??= err;
    }
    for (const item of group) {
      const email = item.row.lead.email;
      busy.delete(email);
      if (left.includes(item)) continue;
      summary.created++;
      progress();
      const waiting = waitingOnEmail.get(email);
      if (waiting?.length) pending.unshift(waiting.shift()!);
      if (waiting && waiting.length === 0) waitingOnEmail.delete(email);
    }
    for (const item of left) delete item.state.known;
    // Ahead of any later row with the same address, as a row put back after throttling is.
    pending.unshift(...left);
    wake();
  };

  const read = async () => {
    let plan: ColumnPlan[] | undefined;
    let traits: FileTraits = { optOutList: false };
    let rowNumber = 0;
    try {
      for await (const record of readCsv(options.file)) {
        if (fatal) break;
        rowNumber++;
        if (isBlank(record)) continue;
        if (!plan) {
          plan = planColumns(record.cells, options.map);
          traits = fileTraits(plan);
          summary.format = guessFormat(record.cells);
          options.onPlan?.(plan, { rows: total, format: summary.format });
          continue;
        }
        summary.rows++;
        const converted = convertRecord(plan, traits, record, rowNumber, fileName);
        for (const issue of converted.issues) note(issue);
        if (!converted.row || dryRun) {
          progress();
          continue;
        }
        batch.push({ row: converted.row, state: { attempts: 0 } });
        if (batch.length >= PREFETCH_ROWS) await enqueue();
      }
      await enqueue();
      if (!plan) throw new ImportUsageError(`${options.file} is empty: it needs a header row and a row per contact`);
    } finally {
      readerDone = true;
      wake();
    }
  };

  const workers = dryRun ? [] : Array.from({ length: concurrency }, worker);
  try {
    // Workers finish the rows they have even when reading fails, so nothing is left half-done.
    const [reading] = await Promise.allSettled([read(), ...workers]);
    if (reading.status === "rejected") throw reading.reason;
  } finally {
    summary.failed = failedRows.size;
    summary.elapsedMs = performance.now() - started;
    const path = await report.close();
    if (path) summary.errorsFile = path;
  }
  if (fatal) {
    const e = fatal as Error;
    throw new ImportStopped(`${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}`, summary);
  }
  return summary;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

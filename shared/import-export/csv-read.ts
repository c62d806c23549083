import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Options } from "csv-parse";
import { CsvError, parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { cleanText } from "../core/text.ts";

/**
 * CSV as spreadsheets and CRMs write it (RFC 4180 plus what real exports do): quoted fields,
 * doubled quotes inside them, CRLF, LF or lone CR line ends (mixed in one file), line breaks
 * inside quoted fields, a byte order mark, UTF-8 or UTF-16 (old Google Contacts exports), and
 * comma, semicolon (Excel in locales with a decimal comma) or tab as the delimiter, recognised
 * from the header line.
 *
 * The parsing is csv-parse's. What stays here: decoding (a streaming decoder that refuses text
 * that is not valid in its encoding, naming the line, rather than importing mojibake; UTF-16 by
 * its byte order mark), choosing the delimiter from the header line (csv-parse takes a list of
 * delimiters only as "any of these", which would split `Ann, B.` in a semicolon file), and each
 * record's first physical line for the import's error report: csv-parse's `info.lines` is the
 * line a record ends on and counts a CRLF inside a quoted field as two, so the line is counted
 * here from each record's raw text. It streams: a file of any size is read a chunk at a time.
 */

export type Delimiter = "," | ";" | "\t";

export interface CsvRecord {
  cells: string[];
  /** The physical line (1-based) the record starts on. */
  line: number;
  /** The record ran to the end of the file inside a quoted field: a quote was never closed. */
  unterminated?: boolean;
}

/** The file could not be read as CSV text: missing, unreadable, or not valid in its encoding. */
export class CsvFileError extends Error {
  override name = "CsvFileError";
}

/**
 * How every CSV is read. Lenient where spreadsheets are: rows may have more or fewer cells than
 * the header, a quote inside an unquoted field is kept as a character, and a field with text
 * after its closing quote (`"q"w`) is kept as written rather than failing the file.
 */
function parseOptions(delimiter: Delimiter): Options {
  return { delimiter, record_delimiter: ["\r\n", "\r", "\n"], bom: true, relax_quotes: true, relax_column_count: true, raw: true };
}

const LINE_BREAK = /\r\n|\r|\n/g;

/** What csv-parse emits with `raw: true`: the cells and the text they were read from. */
interface RawRecord {
  record: string[];
  raw: string;
}

/** Turns csv-parse's `{ record, raw }` into records that know their first line. */
class LineCounter {
  private line = 1;

  /** The line the next record starts on. */
  get currentLine(): number {
    return this.line;
  }

  next({ record, raw }: RawRecord): CsvRecord {
    // A NUL read from a file is dropped here as it is from an HTTP body (a valid decode leaves no unpaired surrogate).
    const out = { cells: record.map(cleanText), line: this.line };
    this.line += raw.match(LINE_BREAK)?.length ?? 0;
    return out;
  }

  /** The record csv-parse gave up on at the end, a quoted field never closed: its one cell is the text from where it starts. */
  unterminated(err: unknown): CsvRecord | undefined {
    if (!(err instanceof CsvError) || err.code !== "CSV_QUOTE_NOT_CLOSED") return undefined;
    return { cells: typeof err.raw === "string" ? [err.raw] : [], line: this.line, unterminated: true };
  }
}

/** Parses a whole CSV text (tests, small inputs). */
export function parseCsv(text: string, delimiter?: Delimiter): CsvRecord[] {
  const counter = new LineCounter();
  const records: CsvRecord[] = [];
  try {
    // csv-parse's sync API returns all or nothing; `on_record` collects as it goes, so the records before an unclosed quote are kept.
    parseSync(text, {
      ...parseOptions(delimiter ?? sniffDelimiter(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)),
      // With `raw`, csv-parse hands on_record the `{ record, raw }` pair its types describe as the bare record.
      on_record: ((r: RawRecord) => {
        records.push(counter.next(r));
        return null;
      }) as unknown as Options["on_record"],
    });
  } catch (err) {
    const last = counter.unterminated(err);
    if (!last) throw err;
    records.push(last);
  }
  return records;
}

/**
 * The delimiter of a file, from its header line: whichever of comma, semicolon and tab occurs
 * most outside quotes (a comma when none does).
 */
export function sniffDelimiter(text: string): Delimiter {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && (ch === "," || ch === ";" || ch === "\t")) counts[ch]++;
  }
  const best = (Object.entries(counts) as [Delimiter, number][]).sort((a, b) => b[1] - a[1])[0]!;
  return best[1] > 0 ? best[0] : ",";
}

/** The text encoding named by a byte order mark; UTF-8 without one. */
function encodingOf(head: Buffer): "utf-8" | "utf-16le" | "utf-16be" {
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  return "utf-8";
}

export interface ReadCsvOptions {
  delimiter?: Delimiter;
  /** Bytes per read (default 256 KiB). */
  chunkBytes?: number;
  /** Called after each chunk with the bytes read so far. */
  onBytes?: (bytes: number) => void;
}

/**
 * Streams the records of a CSV file. The encoding comes from the byte order mark (UTF-8 without
 * one); text that is not valid in it stops the read with a CsvFileError naming the line, rather
 * than importing mojibake. File system errors become CsvFileErrors with a short message too.
 */
export async function* readCsv(path: string, options: ReadCsvOptions = {}): AsyncGenerator<CsvRecord> {
  const text = decodedText(path, options)[Symbol.asyncIterator]();
  // The delimiter is chosen once the header line is complete.
  let head = "";
  let done = false;
  while (!done && !/[\r\n]/.test(head) && head.length < 65_536) {
    const next = await text.next();
    if (next.done) done = true;
    else head += next.value;
  }
  const parser = parse(parseOptions(options.delimiter ?? sniffDelimiter(head)));
  const source = Readable.from(
    (async function* () {
      if (head) yield head;
      if (!done) yield* { [Symbol.asyncIterator]: () => text };
    })(),
    { objectMode: false },
  );
  const piping = pipeline(source, parser).catch((err: unknown) => err);
  const counter = new LineCounter();
  try {
    for await (const record of parser) yield counter.next(record);
  } catch (err) {
    const last = counter.unterminated(err);
    if (last) {
      yield last;
      return;
    }
    throw err instanceof CsvFileError ? err : new CsvFileError(`${path}: line ${counter.currentLine}: ${(err as Error).message}`);
  } finally {
    await text.return?.(undefined);
  }
  const failed = await piping;
  if (failed instanceof CsvFileError) throw failed;
}

/**
 * The file's text, chunk by chunk, decoded as its byte order mark says (UTF-8 without one, the
 * mark itself dropped). Counts line breaks as it goes, so bytes that are not valid text are
 * reported with the line they are on.
 */
async function* decodedText(path: string, options: ReadCsvOptions): AsyncGenerator<string> {
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 256 * 1024 });
  let decoder: TextDecoder | undefined;
  let bytes = 0;
  let line = 1;
  let endedOnCR = false;
  const count = (text: string) => {
    line += (text.match(LINE_BREAK)?.length ?? 0) - (endedOnCR && text.startsWith("\n") ? 1 : 0);
    if (text.length) endedOnCR = text.endsWith("\r");
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      decoder ??= new TextDecoder(encodingOf(chunk), { fatal: true });
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new CsvFileError(`${path}: line ${line} or the next is not ${decoder.encoding.toUpperCase()} text: save the file as "CSV UTF-8" and try again`);
      }
      count(text);
      yield text;
      options.onBytes?.(bytes);
    }
    let rest = "";
    try {
      rest = decoder?.decode() ?? "";
    } catch {
      throw new CsvFileError(`${path}: the file ends in the middle of a character: is it cut short?`);
    }
    if (rest) yield rest;
  } catch (err) {
    if (err instanceof CsvFileError) throw err;
    throw new CsvFileError(fileErrorMessage(path, err));
  } finally {
    stream.destroy();
  }
}

function fileErrorMessage(path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case "ENOENT":
      return `${path}: no such file`;
    case "EISDIR":
      return `${path}: is a directory, not a CSV file`;
    case "EACCES":
    case "EPERM":
      return `${path}: not allowed to read it`;
    default:
      return `${path}: ${e.message}`;
  }
}

export { csvLine, neutralizeCell, restoreCell } from "../core/csv.ts";

import { createReadStream } from "node:fs";

/**
 * CSV as spreadsheets and CRMs write it (RFC 4180 plus what real exports do): quoted fields,
 * doubled quotes inside them, CRLF, LF or lone CR line ends, line breaks inside quoted fields, a
 * byte order mark, UTF-8 or UTF-16 (old Google Contacts exports), and comma, semicolon (Excel in
 * locales with a decimal comma) or tab as the delimiter, recognised from the header line.
 *
 * Written here rather than taken from a package: the parser is one small state machine, the
 * import needs the physical line each record starts on (for its error report) and a streaming
 * decoder that refuses text that is not valid in its encoding, and the CLI stays free of another
 * dependency. It streams: a file of any size is read a chunk at a time.
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

const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * An incremental parser: feed it text in chunks of any size (a chunk may end anywhere, even
 * between the two quotes of an escaped quote or between CR and LF), get whole records back.
 * Lenient where Excel is: a quote inside an unquoted field is kept as a character, and text after
 * a closing quote is kept as part of the field.
 */
export class CsvParser {
  private readonly delimiter: number;
  private cells: string[] = [];
  private field = "";
  /** The current field has content (or an opening quote) already. */
  private started = false;
  private quoted = false;
  /** Inside a quoted field, the last chunk ended on a quote: escaped or closing, the next character decides. */
  private quoteAtEnd = false;
  private prevCR = false;
  private line = 1;
  private recordLine = 1;

  constructor(delimiter: Delimiter = ",") {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Parses the next piece of text and returns the records it completed. */
  push(text: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    const n = text.length;
    let i = 0;
    if (this.quoteAtEnd && n > 0) {
      this.quoteAtEnd = false;
      if (text.charCodeAt(0) === QUOTE) {
        this.field += '"';
        i = 1;
      } else {
        this.quoted = false;
      }
    }
    // Characters from runStart up to i are plain field content not yet copied into `field`.
    let runStart = i;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.quoted) {
        if (c === QUOTE) {
          this.field += text.slice(runStart, i);
          if (i + 1 === n) {
            this.quoteAtEnd = true;
          } else if (text.charCodeAt(i + 1) === QUOTE) {
            this.field += '"';
            i++;
          } else {
            this.quoted = false;
          }
          runStart = i + 1;
        } else if (c === CR || (c === LF && !this.prevCR)) {
          this.line++;
        }
      } else if (c === this.delimiter) {
        this.field += text.slice(runStart, i);
        this.endField();
        runStart = i + 1;
      } else if (c === CR || c === LF) {
        this.field += text.slice(runStart, i);
        runStart = i + 1;
        // The LF of a CRLF: the CR already ended the record.
        if (!(c === LF && this.prevCR)) {
          this.line++;
          records.push(this.endRecord());
        }
      } else if (c === QUOTE && !this.started) {
        this.quoted = true;
        this.started = true;
        runStart = i + 1;
      } else {
        this.started = true;
      }
      this.prevCR = c === CR;
    }
    if (runStart < n) this.field += text.slice(runStart, n);
    return records;
  }

  /** Ends the input: returns the last record when the text did not end with a line break. */
  end(): CsvRecord[] {
    this.quoteAtEnd = false;
    const unterminated = this.quoted;
    this.quoted = false;
    if (!unterminated && this.cells.length === 0 && !this.started && this.field === "") return [];
    const record = this.endRecord();
    if (unterminated) record.unterminated = true;
    return [record];
  }

  /** The physical line the parser is on (for messages about the text read so far). */
  get currentLine(): number {
    return this.line;
  }

  private endField(): void {
    this.cells.push(this.field);
    this.field = "";
    this.started = false;
  }

  private endRecord(): CsvRecord {
    this.endField();
    const record = { cells: this.cells, line: this.recordLine };
    this.cells = [];
    this.recordLine = this.line;
    return record;
  }
}

/** Parses a whole CSV text (tests, small inputs). */
export function parseCsv(text: string, delimiter?: Delimiter): CsvRecord[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parser = new CsvParser(delimiter ?? sniffDelimiter(body));
  return [...parser.push(body), ...parser.end()];
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
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 256 * 1024 });
  let decoder: TextDecoder | undefined;
  let parser: CsvParser | undefined;
  // Text before the parser exists: the delimiter is chosen once the header line is complete.
  let head = "";
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      decoder ??= new TextDecoder(encodingOf(chunk), { fatal: true });
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new CsvFileError(`${path}: line ${parser?.currentLine ?? 1} or the next is not ${decoder.encoding.toUpperCase()} text: save the file as "CSV UTF-8" and try again`);
      }
      if (!parser) {
        head += text;
        if (!/[\r\n]/.test(head) && head.length < 65_536) continue;
        parser = new CsvParser(options.delimiter ?? sniffDelimiter(head));
        text = head;
      }
      yield* parser.push(text);
      options.onBytes?.(bytes);
    }
    let rest = "";
    try {
      rest = decoder?.decode() ?? "";
    } catch {
      throw new CsvFileError(`${path}: the file ends in the middle of a character: is it cut short?`);
    }
    if (!parser) {
      rest = head + rest;
      parser = new CsvParser(options.delimiter ?? sniffDelimiter(rest));
    }
    yield* parser.push(rest);
    yield* parser.end();
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

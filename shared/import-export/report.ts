import { createWriteStream, existsSync, readFileSync, unlinkSync, type WriteStream } from "node:fs";
import type { RowIssue } from "./convert.ts";
import { CsvFileError, csvLine } from "./csv-read.ts";

/** The error report's default path: `contacts.csv` → `contacts.errors.csv`. */
export function defaultErrorsFile(file: string): string {
  return `${file.replace(/\.(csv|txt|tsv)$/i, "")}.errors.csv`;
}

const REPORT_HEADER = ["row", "line", "email", "field", "value", "message", "action"];

/** The error report, created on the first issue. An older report at the same path is removed when this run has nothing to report. */
export class ErrorReport {
  private stream?: WriteStream;
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }

  private failure?: Error;

  add(issue: RowIssue): void {
    if (!this.stream) {
      this.stream = createWriteStream(this.path);
      // Reported when the import ends (close), instead of crashing the process mid-import.
      this.stream.on("error", (err) => (this.failure ??= err));
      this.stream.write(csvLine(REPORT_HEADER));
    }
    this.stream.write(csvLine([String(issue.row), String(issue.line), issue.email, issue.field, issue.value, issue.message, issue.action]));
  }

  async close(): Promise<string | undefined> {
    if (this.stream) {
      const stream = this.stream;
      if (!this.failure) await new Promise<void>((resolve) => stream.end(() => resolve()));
      if (this.failure) throw new CsvFileError(`could not write the error report ${this.path}: ${this.failure.message}`);
      return this.path;
    }
    // Only a file this command wrote (it starts with the report's header) is removed.
    if (existsSync(this.path) && readFileSync(this.path, "utf8").startsWith(csvLine(REPORT_HEADER))) unlinkSync(this.path);
    return undefined;
  }
}

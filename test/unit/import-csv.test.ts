import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { guessFormat, planColumns } from "../../shared/import-export/columns.ts";
import { normalizeBirthday } from "../../shared/import-export/convert.ts";
import { csvLine, neutralizeCell, parseCsv, readCsv, restoreCell } from "../../shared/import-export/csv-read.ts";

const work = mkdtempSync(join(tmpdir(), "rapport-csv-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("header mapping and values", () => {
  it("recognises each export by its columns", () => {
    expect(guessFormat(["Email Address", "First Name", "LEID"])).toBe("mailchimp");
    expect(guessFormat(["First Name", "E-mail 1 - Value"])).toBe("google");
    expect(guessFormat(["Record ID", "Email"])).toBe("hubspot");
    expect(guessFormat(["Email", "Accepts Email Marketing"])).toBe("shopify");
    const shopify = planColumns(["First Name", "Email", "Accepts Email Marketing", "Default Address City", "Default Address Zip", "Total Spent"]);
    expect(shopify.map((c) => c.field)).toEqual(["firstName", "email", "consent", "city", "postalCode", null]);
    expect(planColumns(["E_MAIL", "first_name", "utm_source"]).map((c) => c.field)).toEqual(["email", "firstName", "utm_source"]);
  });

  it("takes birthdays the API accepts and refuses ones without a year or with an ambiguous order", () => {
    expect(normalizeBirthday("1988-07-21")).toEqual({ value: "1988-07-21" });
    expect(normalizeBirthday("1988/7/1")).toEqual({ value: "1988-07-01" });
    expect(normalizeBirthday("21.07.1988")).toEqual({ value: "1988-07-21" });
    expect(normalizeBirthday("1988-07-21T00:00:00Z")).toEqual({ value: "1988-07-21" });
    expect(normalizeBirthday("07/21")).toMatchObject({ problem: expect.stringContaining("no year") });
    expect(normalizeBirthday("--07-21")).toMatchObject({ problem: expect.stringContaining("no year") });
    expect(normalizeBirthday("07/08/1988")).toMatchObject({ problem: expect.stringContaining("ambiguous") });
  });

  it("neutralizes formula-like cells on export and restores them on import, leaving phone numbers alone", () => {
    for (const value of ["=1+2", "+SUM(A1)", "-cmd|x", "@handle"]) {
      expect(neutralizeCell(value)).toBe(`'${value}`);
      expect(restoreCell(neutralizeCell(value))).toBe(value);
    }
    for (const value of ["+47 22 33 44 55", "-12.5", "Ada", "'quoted'", "'=1+2", "''@handle", "'+47 22 33 44 55"])
      expect(restoreCell(neutralizeCell(value))).toBe(value);
    expect(neutralizeCell("+47 22 33 44 55")).toBe("+47 22 33 44 55");
  });
});

describe("CSV reading", () => {
  it("handles quotes, doubled quotes, CRLF, a lone CR, line breaks inside quotes, a BOM and a missing last line break", () => {
    const records = parseCsv('\ufeffa,b,c\r\n1,"x, ""y""\r\nz",3\r2,,"\n"\n"q"w,"",');
    expect(records).toEqual([
      { cells: ["a", "b", "c"], line: 1 },
      { cells: ["1", 'x, "y"\r\nz', "3"], line: 2 },
      { cells: ["2", "", "\n"], line: 4 },
      // Text after a closing quote is kept as written (csv-parse's relax_quotes), not a reason to fail the file.
      { cells: ['"q"w', "", ""], line: 6 },
    ]);
    expect(parseCsv('a,b\n"never closed,1\n2,3\n')).toEqual([
      { cells: ["a", "b"], line: 1 },
      { cells: ['"never closed,1\n2,3\n'], line: 2, unterminated: true },
    ]);
  });

  it("drops NUL characters from cells, as the HTTP API drops them from bodies", () => {
    expect(parseCsv("email,name\nada@example.com,A\u0000da\n").map((r) => r.cells)).toEqual([
      ["email", "name"],
      ["ada@example.com", "Ada"],
    ]);
  });

  it("recognises semicolon and tab delimiters from the header line", () => {
    expect(parseCsv("email;name\na@example.com;Ann, B.\n").map((r) => r.cells)).toEqual([
      ["email", "name"],
      ["a@example.com", "Ann, B."],
    ]);
    expect(parseCsv('"e;mail"\tname\nx\ty\n').map((r) => r.cells)).toEqual([
      ["e;mail", "name"],
      ["x", "y"],
    ]);
  });

  it("reads what csvLine writes back to the same cells, however the file is split into chunks", async () => {
    const dir = mkdtempSync(join(work, "roundtrip-"));
    const cell = fc.string({ unit: fc.constantFrom("a", "é", "字", ",", '"', "\r", "\n", " ", ";", "'", "=", "+", "\t") });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        async (rows, chunkBytes) => {
          const file = join(dir, `${++n}.csv`);
          writeFileSync(file, rows.map((r) => csvLine(r)).join(""));
          const records = [];
          for await (const record of readCsv(file, { delimiter: ",", chunkBytes })) records.push(record.cells.map(restoreCell));
          expect(records).toEqual(rows);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("each record knows the physical line it starts on, with CRLF, CR and LF mixed and line breaks inside quotes, whatever the chunk size", async () => {
    const dir = mkdtempSync(join(work, "lines-"));
    const file = join(dir, "lines.csv");
    writeFileSync(file, 'email,note\r\na@example.com,"two\r\nlines"\r\n\r\nb@example.com,x\rc@example.com,"\n\n"\nd@example.com,');
    for (const chunkBytes of [1, 2, 3, 7, 1024]) {
      const lines = [];
      for await (const record of readCsv(file, { chunkBytes })) lines.push([record.cells[0], record.line]);
      expect(lines, `chunks of ${chunkBytes}`).toEqual([
        ["email", 1],
        ["a@example.com", 2],
        ["", 4],
        ["b@example.com", 5],
        ["c@example.com", 6],
        ["d@example.com", 9],
      ]);
    }
  });

  it("a quote never closed ends the file as one unterminated record; the records before it are read", async () => {
    const dir = mkdtempSync(join(work, "open-quote-"));
    const file = join(dir, "open.csv");
    writeFileSync(file, 'email,name\na@example.com,Ann\nb@example.com,"Bo\nc@example.com,Cy\n');
    const records = [];
    for await (const record of readCsv(file, { chunkBytes: 5 })) records.push(record);
    expect(records.map((r) => [r.line, r.unterminated ?? false])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  it("reads UTF-16 files with a byte order mark (older Google Contacts exports)", async () => {
    const dir = mkdtempSync(join(work, "utf16-"));
    const file = join(dir, "google.csv");
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Name,E-mail 1 - Value\r\nZoë 李,zoe@example.com\r\n", "utf16le")]));
    const records = [];
    for await (const r of readCsv(file, { chunkBytes: 7 })) records.push(r.cells);
    expect(records).toEqual([
      ["Name", "E-mail 1 - Value"],
      ["Zoë 李", "zoe@example.com"],
    ]);
  });
});

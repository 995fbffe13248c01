// A small RFC 4180 CSV reader (quoted fields with commas, doubled quotes and newlines) for the tables evaluation
// reads: ProteinGym assays, its reference table and its published scores. Whole file in memory; these are small.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { UserError } from "../core/errors.js";

export interface CsvTable {
  file: string;
  header: string[];
  /** data rows, each as long as the header */
  rows: string[][];
  /** 1-based line number of each data row in the file (for error messages) */
  lines: number[];
}

/** Parse CSV text (a .gz file is decompressed by readCsv); `file` names the source in errors. Rows with a different field count are an error. */
export function parseCsv(text: string, file: string): CsvTable {
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [], field = "", quoted = false, line = 1, startLine = 1, i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === "")) records.push({ fields, line: startLine });
    fields = [];
    field = "";
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') (field += '"'), i++;
        else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") fields.push(field), (field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      startLine = line;
    } else field += c;
  }
  if (quoted) throw new UserError(`${file}: line ${startLine}: unterminated quoted field`);
  if (field !== "" || fields.length) endRecord();
  if (records.length === 0) throw new UserError(`${file}: empty CSV (no header line)`);
  const header = records[0]!.fields.map((h) => h.trim());
  const rows: string[][] = [], lines: number[] = [];
  for (const r of records.slice(1)) {
    if (r.fields.length !== header.length) {
      throw new UserError(`${file}: line ${r.line}: ${r.fields.length} fields, the header has ${header.length}`);
    }
    rows.push(r.fields);
    lines.push(r.line);
  }
  return { file, header, rows, lines };
}

export function readCsv(path: string): CsvTable {
  let text: string;
  try {
    const buf = readFileSync(path);
    text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString("utf8");
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseCsv(text, path);
}

/** Index of a column, or -1. */
export function column(t: CsvTable, name: string): number {
  return t.header.indexOf(name);
}

/** Quote a field for CSV output when needed. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

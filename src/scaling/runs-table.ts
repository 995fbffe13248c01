// Runs tables (CSV or JSONL: objective,N,D,C,loss + extra columns) and loss curves for fitting.
// Parsing is pure; the read* functions are the only file I/O in src/scaling/ (a sweep directory of
// run dirs with result.json / metrics.jsonl is accepted in place of a table file).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Objective } from "../core/objective.js";
import { UserError } from "../core/errors.js";
import { paramsForFlops, tokensForFlops, trainingFlops } from "./compute.js";

export interface RunRow {
  objective: Objective;
  /** non-embedding parameters */
  N: number;
  /** training tokens */
  D: number;
  /** training FLOPs (6·N·D when not given) */
  C: number;
  /** final validation loss, nats/token */
  loss: number;
  /** every other column, kept as read (numbers where they parse) */
  extra: Record<string, unknown>;
}

/** A bad row: names the file, the 1-based line and the column. A subclass because --skip-bad skips exactly these. */
export class RunsTableError extends UserError {
  constructor(readonly file: string, readonly line: number, readonly column: string, detail: string) {
    super(`${file}:${line}: column '${column}': ${detail}`);
  }
}

export interface SkippedRow {
  line: number;
  column: string;
  message: string;
}

export interface RunsTable {
  rows: RunRow[];
  skipped: SkippedRow[];
  /** accepted but suspicious rows (C far from 6·N·D, exact duplicates dropped), each naming file and line */
  warnings: string[];
}

/**
 * Plausible ranges: anything outside is a typo or a unit mix-up (1e308 would make every fit Infinity or NaN).
 * The largest protein LMs have ~1e11 parameters and ~1e12 tokens; losses are nats/token over a ~33-letter
 * vocabulary (ln 33 ≈ 3.5), so a loss above 100 is no language-model loss.
 */
export const PLAUSIBLE: Record<"N" | "D" | "C" | "loss", { min: number; max: number; unit: string }> = {
  N: { min: 1, max: 1e15, unit: "parameters" },
  D: { min: 1, max: 1e18, unit: "tokens" },
  C: { min: 1, max: 1e32, unit: "FLOPs" },
  loss: { min: 1e-6, max: 100, unit: "nats/token" },
};

/** |C / (6·N·D) − 1| above this is reported: the table's C is not the 6·N·D the fits assume. */
export const C_TOLERANCE = 0.1;

export interface ParseOptions {
  /** continue past bad rows, collecting them in `skipped` */
  skipBad?: boolean;
  /** objective for rows without an objective column */
  defaultObjective?: Objective;
}

const CORE = new Set(["objective", "N", "D", "C", "loss"]);

/** Split one CSV line, honouring double quotes ("a,b" and "" escapes). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { out.push(cur); cur = ""; }
    else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function isJsonl(text: string, fileName: string): boolean {
  if (/\.jsonl?$/i.test(fileName)) return true;
  if (/\.csv$/i.test(fileName)) return false;
  return text.trimStart().startsWith("{");
}

/** Parse a runs table from text; `fileName` is used for the format guess and in error messages. */
export function parseRunsTable(text: string, fileName: string, opts: ParseOptions = {}): RunsTable {
  const records: { line: number; fields: Record<string, unknown> }[] = [];
  const lines = text.split(/\r?\n/);
  if (isJsonl(text, fileName)) {
    lines.forEach((raw, i) => {
      if (!raw.trim()) return;
      let obj: unknown;
      try {
        obj = JSON.parse(raw);
      } catch (e) {
        records.push({ line: i + 1, fields: { __error: `not valid JSON (${(e as Error).message})` } });
        return;
      }
      if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
        records.push({ line: i + 1, fields: { __error: "a JSONL line must be an object" } });
        return;
      }
      records.push({ line: i + 1, fields: obj as Record<string, unknown> });
    });
  } else {
    let header: string[] | undefined;
    lines.forEach((raw, i) => {
      if (!raw.trim() || raw.trimStart().startsWith("#")) return;
      const cells = splitCsvLine(raw);
      if (!header) { header = cells; return; }
      const fields: Record<string, unknown> = {};
      if (cells.length !== header.length) {
        fields.__error = `expected ${header.length} cells, found ${cells.length}`;
      }
      header.forEach((h, j) => { fields[h] = cells[j] ?? ""; });
      records.push({ line: i + 1, fields });
    });
    if (!header) throw new RunsTableError(fileName, 1, "(header)", "empty table: expected a header line objective,N,D,C,loss");
  }

  const rows: RunRow[] = [];
  const skipped: SkippedRow[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, number>();
  for (const rec of records) {
    try {
      const row = toRow(rec.fields, fileName, rec.line, opts.defaultObjective);
      const given = ["N", "D", "C"].every((k) => rec.fields[k] !== undefined && rec.fields[k] !== "");
      const ratio = row.C / trainingFlops(row.N, row.D);
      if (given && Math.abs(ratio - 1) > C_TOLERANCE) {
        warnings.push(`${fileName}:${rec.line}: C = ${row.C.toExponential(3)} is ${ratio.toFixed(2)}× 6·N·D = ${trainingFlops(row.N, row.D).toExponential(3)} (tolerance ${C_TOLERANCE * 100}%); the row is grouped by its C — check its units`);
      }
      const key = [row.objective, row.N, row.D, row.C, row.loss].join("|");
      const first = seen.get(key);
      if (first !== undefined) {
        warnings.push(`${fileName}:${rec.line}: duplicate of line ${first} (same objective, N, D, C and loss); dropped`);
        continue;
      }
      seen.set(key, rec.line);
      rows.push(row);
    } catch (e) {
      if (!(e instanceof RunsTableError) || !opts.skipBad) throw e;
      skipped.push({ line: e.line, column: e.column, message: e.message });
    }
  }
  return { rows, skipped, warnings };
}

function numberCell(v: unknown, file: string, line: number, column: string): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const x = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  if (typeof v === "string" && !/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v)) {
    throw new RunsTableError(file, line, column, `'${v}' is not a number`);
  }
  if (!Number.isFinite(x)) throw new RunsTableError(file, line, column, `'${String(v)}' is not a finite number`);
  if (!(x > 0)) throw new RunsTableError(file, line, column, `must be positive, got ${x}`);
  const range = PLAUSIBLE[column as keyof typeof PLAUSIBLE];
  if (range && (x < range.min || x > range.max)) {
    throw new RunsTableError(file, line, column, `${x} is outside the plausible range ${range.min}..${range.max.toExponential(0)} ${range.unit}`);
  }
  return x;
}

function toRow(f: Record<string, unknown>, file: string, line: number, defaultObjective?: Objective): RunRow {
  if (typeof f.__error === "string") throw new RunsTableError(file, line, "(row)", f.__error);
  let objective = f.objective;
  if (objective === undefined || objective === "") objective = defaultObjective;
  if (typeof objective === "string") objective = objective.toLowerCase();
  if (objective === undefined) throw new RunsTableError(file, line, "objective", "missing (expected clm or mlm)");
  if (objective !== "clm" && objective !== "mlm") {
    throw new RunsTableError(file, line, "objective", `unknown objective '${String(objective)}' (expected clm or mlm)`);
  }
  let N = numberCell(f.N, file, line, "N");
  let D = numberCell(f.D, file, line, "D");
  let C = numberCell(f.C, file, line, "C");
  const loss = numberCell(f.loss, file, line, "loss");
  if (loss === undefined) throw new RunsTableError(file, line, "loss", "missing");
  const have = [N, D, C].filter((x) => x !== undefined).length;
  if (have < 2) {
    const missing = N === undefined ? "N" : D === undefined ? "D" : "C";
    throw new RunsTableError(file, line, missing, "missing (any two of N, D, C are needed; C = 6·N·D)");
  }
  if (C === undefined) C = trainingFlops(N!, D!);
  else if (N === undefined) N = paramsForFlops(C, D!);
  else if (D === undefined) D = tokensForFlops(C, N);
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (CORE.has(k)) continue;
    extra[k] = typeof v === "string" && v !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return { objective, N: N!, D: D!, C, loss, extra };
}

/** Read a runs table file, or gather result.json files from a sweep directory (one run per sub-directory). */
export function readRunsTable(path: string, opts: ParseOptions = {}): RunsTable {
  if (statSync(path).isDirectory()) {
    const lines: string[] = [];
    for (const dir of runDirs(path)) lines.push(readFileSync(join(dir, "result.json"), "utf8").replace(/\s*\n\s*/g, " "));
    if (lines.length === 0) throw new RunsTableError(path, 0, "(dir)", "no finished runs (no */result.json) in this directory");
    return parseRunsTable(lines.join("\n"), join(path, "*/result.json"), opts);
  }
  return parseRunsTable(readFileSync(path, "utf8"), path, opts);
}

function runDirs(root: string): string[] {
  if (existsSync(join(root, "result.json"))) return [root];
  const out: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) out.push(...runDirs(p));
  }
  return out;
}

/** One run's loss curve: points of (FLOPs so far, loss). */
export interface LossCurve {
  run: string;
  N?: number;
  points: { flops: number; loss: number }[];
}

/** Parse curves from JSONL/CSV lines with columns run, flops (or C), loss (or valLoss/trainLoss), optional N. */
export function parseCurves(text: string, fileName: string): LossCurve[] {
  const table = isJsonl(text, fileName) ? jsonlObjects(text, fileName) : csvObjects(text, fileName);
  const byRun = new Map<string, LossCurve>();
  for (const { line, f } of table) {
    const id = f.run ?? f.name;
    if (id === undefined || id === "") throw new RunsTableError(fileName, line, "run", "missing (loss curves need a run column naming each run; a runs table of final losses is not a set of curves)");
    const run = String(id);
    const flops = numberCell(f.flops ?? f.C, fileName, line, "flops");
    const loss = numberCell(f.loss ?? f.valLoss ?? f.trainLoss, fileName, line, "loss");
    if (flops === undefined) throw new RunsTableError(fileName, line, "flops", "missing");
    if (loss === undefined) throw new RunsTableError(fileName, line, "loss", "missing");
    const N = numberCell(f.N, fileName, line, "N");
    let c = byRun.get(run);
    if (!c) { c = { run, points: [] }; byRun.set(run, c); }
    if (N !== undefined) c.N = N;
    c.points.push({ flops, loss });
  }
  for (const c of byRun.values()) c.points.sort((p, q) => p.flops - q.flops);
  return [...byRun.values()];
}

function jsonlObjects(text: string, file: string): { line: number; f: Record<string, unknown> }[] {
  const out: { line: number; f: Record<string, unknown> }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      out.push({ line: i + 1, f: JSON.parse(raw) as Record<string, unknown> });
    } catch (e) {
      throw new RunsTableError(file, i + 1, "(row)", `not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}

function csvObjects(text: string, file: string): { line: number; f: Record<string, unknown> }[] {
  const out: { line: number; f: Record<string, unknown> }[] = [];
  let header: string[] | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim() || raw.trimStart().startsWith("#")) return;
    const cells = splitCsvLine(raw);
    if (!header) { header = cells; return; }
    if (cells.length !== header.length) throw new RunsTableError(file, i + 1, "(row)", `expected ${header.length} cells, found ${cells.length}`);
    const f: Record<string, unknown> = {};
    header.forEach((h, j) => { f[h] = cells[j]; });
    out.push({ line: i + 1, f });
  });
  return out;
}

/** Read curves from a file, or from a sweep directory (metrics.jsonl per run; N from result.json or config). */
export function readCurves(path: string): LossCurve[] {
  if (!statSync(path).isDirectory()) return parseCurves(readFileSync(path, "utf8"), path);
  const curves: LossCurve[] = [];
  const walk = (dir: string): void => {
    const metrics = join(dir, "metrics.jsonl");
    if (existsSync(metrics)) {
      const c: LossCurve = { run: dir, points: [] };
      const result = join(dir, "result.json");
      if (existsSync(result)) {
        const n = (JSON.parse(readFileSync(result, "utf8")) as { N?: number }).N;
        if (typeof n === "number") c.N = n;
      }
      // validation points when the run logged any, else training points (never a mix of the two)
      const val: LossCurve["points"] = [], train: LossCurve["points"] = [];
      readFileSync(metrics, "utf8").split(/\r?\n/).forEach((raw, i) => {
        if (!raw.trim()) return;
        let m: Record<string, unknown>;
        try { m = JSON.parse(raw) as Record<string, unknown>; }
        catch { throw new RunsTableError(metrics, i + 1, "(row)", "not valid JSON"); }
        if (typeof m.flops !== "number" || !(m.flops > 0)) return;
        if (typeof m.valLoss === "number" && Number.isFinite(m.valLoss)) val.push({ flops: m.flops, loss: m.valLoss });
        if (typeof m.trainLoss === "number" && Number.isFinite(m.trainLoss)) train.push({ flops: m.flops, loss: m.trainLoss });
      });
      c.points = (val.length >= 2 ? val : train).sort((p, q) => p.flops - q.flops);
      if (c.points.length) curves.push(c);
      return;
    }
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(path);
  return curves;
}

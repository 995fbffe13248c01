// plmscale fit: scaling laws from a runs table (IsoFLOP, parametric, envelope) or CLM→MLM transfer pairs.
import { readFileSync, writeFileSync } from "node:fs";
import { defineRun, flag, optNum, optStr, str, type CommandIO } from "../command.js";
import { asFailure, UserError } from "../../core/errors.js";
import { fitParametricParallel } from "../../scaling/bootstrap-pool.js";
import { fitEnvelope, type EnvelopeFit } from "../../scaling/envelope.js";
import { fitIsoflop, type IsoflopFit } from "../../scaling/isoflop.js";
import { parametricOptimum, type ParametricFit, type ParametricLaw } from "../../scaling/parametric.js";
import { optimalAllocation } from "../../scaling/presets.js";
import type { Preset } from "../../scaling/presets.js";
import { readCurves, readRunsTable, RunsTableError, type RunRow } from "../../scaling/runs-table.js";
import type { Objective } from "../../core/objective.js";
import type { TransferLaw, TransferPoint } from "../../scaling/transfer.js";
import { analyseTransfer, lawFromJson } from "../../scaling/transfer-analysis.js";
import { holdoutBudget, type HoldoutCheck } from "../../scaling/holdout.js";
import { holdoutOption } from "./sweep-fit.js";

type Method = "isoflop" | "parametric" | "envelope" | "transfer";
/** the fitted law's compute-optimal point at a budget (--at C) */
interface Optimum { C: number; N: number; D: number; L?: number }

export type FitResult =
  | { method: "isoflop"; lm: Objective; runs: number; skipped: number; fit: IsoflopFit; preset?: string; at?: Optimum; holdout?: HoldoutCheck }
  | { method: "parametric"; lm: Objective; runs: number; skipped: number; fit: ParametricFit; preset?: string; at?: Optimum }
  | { method: "envelope"; lm?: Objective; runs: number; skipped: number; fit: EnvelopeFit; preset?: string }
  | { method: "transfer"; lm: "mlm"; runs: number; skipped: number; law: ParametricLaw; lawSource: string; points: TransferPoint[]; fit?: TransferLaw; warnings: string[] };

function pickObjective(rows: RunRow[], wanted: string | undefined, path: string): { lm: Objective; rows: RunRow[] } {
  if (wanted !== undefined && wanted !== "clm" && wanted !== "mlm") throw new UserError(`--objective must be clm or mlm, got '${wanted}'`, 2);
  const present = [...new Set(rows.map((r) => r.objective))];
  if (wanted === undefined) {
    if (present.length > 1) throw new UserError("the table holds both clm and mlm runs: choose one with --objective", 2);
    if (present.length === 0) throw new UserError(`${path}: the runs table has no rows (a CSV or JSONL with columns objective,N,D,C,loss)`, 1);
    return { lm: present[0]!, rows };
  }
  const sel = rows.filter((r) => r.objective === wanted);
  if (sel.length === 0) throw new UserError(`no ${wanted} runs in the table (objectives present: ${present.join(", ") || "none"})`, 1);
  return { lm: wanted as Objective, rows: sel };
}

function readTable(path: string, skipBad: boolean, io: CommandIO) {
  try {
    const t = readRunsTable(path, { skipBad });
    if (t.skipped.length) {
      io.err(`skipped ${t.skipped.length} bad row(s):`);
      for (const s of t.skipped.slice(0, 5)) io.err(`  ${s.message}`);
      if (t.skipped.length > 5) io.err(`  … and ${t.skipped.length - 5} more`);
    }
    for (const w of t.warnings) io.err(`warning: ${w}`);
    return t;
  } catch (e) {
    if (e instanceof RunsTableError) throw new UserError(`${e.message}${skipBad ? "" : " (use --skip-bad to skip bad rows)"}`, e.exitCode);
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UserError(`no such file or directory: ${path}`, 1);
    throw e;
  }
}

function savePreset(file: string, lm: Objective | undefined, law: Preset["law"], source: string, sizes: number[] = []): string {
  if (!lm) throw new UserError("--save-preset needs the runs' objective (add N and objective to the curves)", 2);
  // the fitted model sizes travel with the law, so that plan refuses far extrapolation from it
  const fittedN: [number, number] | undefined = sizes.length ? [Math.min(...sizes), Math.max(...sizes)] : undefined;
  const preset: Preset = { name: file.replace(/^.*\//, "").replace(/\.json$/, ""), objective: lm, law, source, ...(fittedN ? { fittedN } : {}) };
  writeFileSync(file, JSON.stringify(preset, null, 2) + "\n");
  return file;
}

function wrap<T>(f: () => T): T {
  try { return f(); } catch (e) { throw asFailure(e); }
}

export default defineRun<FitResult>({
  async run(args, io) {
    const path = str(args, "runs");
    const method = str(args, "method", "isoflop") as Method;
    const skipBad = flag(args, "skip-bad");
    const level = optNum(args, "level") ?? 0.95;
    const seed = optNum(args, "seed") ?? 0;
    const resamples = optNum(args, "bootstrap") ?? 200;
    const presetFile = optStr(args, "save-preset");
    const wanted = optStr(args, "objective");
    const at = optNum(args, "at");
    if (at !== undefined && !(at > 0)) throw new UserError("--at must be a positive number of FLOPs", 2);
    const holdout = optStr(args, "holdout") === undefined ? undefined : holdoutOption(optStr(args, "holdout"));
    if (holdout !== undefined && method !== "isoflop") throw new UserError("--holdout works with --method isoflop", 2);

    if (method === "envelope") {
      let curves;
      try { curves = readCurves(path); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UserError(`no such file or directory: ${path}`, 1);
        throw e;
      }
      const fit = wrap(() => fitEnvelope(curves));
      const lm = wanted === "clm" || wanted === "mlm" ? wanted : undefined;
      const res: FitResult = { method, ...(lm ? { lm } : {}), runs: fit.runs, skipped: 0, fit };
      if (presetFile) {
        if (fit.a === undefined) throw new UserError("--save-preset: the envelope has no N_opt law (runs need N)", 1);
        res.preset = savePreset(presetFile, lm, { kN: fit.kN!, a: fit.a, kD: fit.kD!, b: fit.b!, kL: fit.kL, gamma: fit.gamma, cRef: fit.cRef }, `envelope fit of ${path}`);
      }
      return res;
    }

    const table = readTable(path, skipBad, io);
    if (method === "transfer") {
      const lawFile = optStr(args, "law");
      let given;
      if (lawFile) {
        let j: unknown;
        try { j = JSON.parse(readFileSync(lawFile, "utf8")); }
        catch (e) { throw new UserError(`--law ${lawFile}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not valid JSON (${(e as Error).message})`}`, 1); }
        given = { law: lawFromJson(j, `--law ${lawFile}`), source: lawFile };
      }
      const a = await analyseTransfer(table.rows, given);
      return { method, lm: "mlm", runs: table.rows.length, skipped: table.skipped.length, ...a };
    }

    const { lm, rows } = pickObjective(table.rows, wanted, path);
    if (method === "isoflop") {
      const fit = wrap(() => fitIsoflop(rows, { bootstrap: resamples, seed, level, strict: flag(args, "strict") }));
      const res: FitResult = { method, lm, runs: rows.length, skipped: table.skipped.length, fit };
      if (at !== undefined) res.at = { C: at, ...optimalAllocation(fit, at) };
      if (presetFile) res.preset = savePreset(presetFile, lm, { kN: fit.kN, a: fit.a, kD: fit.kD, b: fit.b, kL: fit.kL, gamma: fit.gamma, cRef: fit.cRef }, `IsoFLOP fit of ${path}`, rows.map((r) => r.N));
      if (holdout !== undefined && holdout !== "none" && holdout !== "auto") res.holdout = wrap(() => holdoutBudget(rows, holdout, { bootstrap: resamples, seed, level }));
      return res;
    }
    const workers = optNum(args, "workers");
    const fit = await fitParametricParallel(rows, {
      bootstrap: resamples, seed, level, ...(workers ? { workers } : {}), ...(flag(args, "all-starts") ? { topStarts: Infinity } : {}),
    }).catch((e: Error) => { throw new UserError(e.message, 1); });
    const res: FitResult = { method, lm, runs: rows.length, skipped: table.skipped.length, fit };
    if (at !== undefined) res.at = { C: at, ...parametricOptimum(fit, at) };
    if (presetFile && fit.degenerate.length) throw new UserError(`--save-preset: the parametric fit of ${path} is degenerate (${fit.degenerate.join("; ")}); its allocation is no law to plan with — fit with --method isoflop`, 1);
    if (presetFile) res.preset = savePreset(presetFile, lm, { kN: fit.kN, a: fit.a, kD: fit.kD, b: fit.b }, `parametric fit of ${path}`, rows.map((r) => r.N));
    return res;
  },
  human(r, io) {
    const e = (x: number, p = 3) => x.toExponential(p);
    const f = (x: number, p = 4) => x.toFixed(p);
    const ci = (c: { lo: number; hi: number } | null | undefined, fmt: (x: number) => string) => (c ? `  [${fmt(c.lo)}, ${fmt(c.hi)}]` : c === null ? "  [no interval]" : "");
    if (r.method === "isoflop") {
      const t = r.fit;
      io.out(`IsoFLOP fit of ${r.runs} ${r.lm.toUpperCase()} runs in ${t.minima.length} budgets${r.skipped ? ` (${r.skipped} bad rows skipped)` : ""}`);
      io.out("  budget C     runs  N_opt       D_opt       L_opt");
      for (const m of t.minima) io.out(`  ${e(m.C, 2).padEnd(11)}  ${String(m.runs).padStart(4)}  ${e(m.N, 3)}  ${e(m.D, 3)}  ${f(m.L)}${m.used ? "" : "  (not used)"}`);
      const lvl = t.bootstrap ? ` (${Math.round(t.bootstrap.level * 100)}% CI from ${t.bootstrap.succeeded} of ${t.bootstrap.resamples} resamples${t.bootstrap.failed ? `; ${t.bootstrap.failed} failed` : ""})` : "";
      io.out(`N_opt = ${e(t.kN)}·C^${f(t.a)}${ci(t.ci?.a, f)}${lvl}`);
      io.out(`D_opt = ${e(t.kD)}·C^${f(t.b)}${ci(t.ci?.b, f)}`);
      io.out(`L_opt = ${f(t.kL)}·(C/${e(t.cRef, 2)})^${f(t.gamma, 5)}${ci(t.ci?.gamma, (x) => f(x, 5))}`);
      for (const w of t.warnings) io.out(`warning: ${w}`);
      if (r.holdout) {
        io.out(`does the law extrapolate? ${r.holdout.verdict}`);
        for (const w of r.holdout.warnings) io.out(`warning: ${w}`);
      }
    } else if (r.method === "parametric") {
      const t = r.fit;
      io.out(`Parametric fit L(N,D) = E + A/N^α + B/D^β of ${r.runs} ${r.lm.toUpperCase()} runs (Huber δ=${t.delta}, ${t.starts} starts)`);
      io.out(`  E = ${f(t.E)}${ci(t.ci?.E, f)}`);
      io.out(`  A = ${e(t.A)}${ci(t.ci?.A, (x) => e(x))}   α = ${f(t.alpha)}${ci(t.ci?.alpha, f)}`);
      io.out(`  B = ${e(t.B)}${ci(t.ci?.B, (x) => e(x))}   β = ${f(t.beta)}${ci(t.ci?.beta, f)}`);
      io.out(`  objective (summed Huber) = ${e(t.objective)}`);
      if (t.degenerate?.length) {
        io.out(`degenerate fit: ${t.degenerate.join("; ")}`);
        io.out("implied allocation: not reported (a degenerate law's exponents follow from its collapse, not from the runs; try --method isoflop)");
      } else io.out(`implied allocation: N_opt = ${e(t.kN)}·C^${f(t.a)}${ci(t.ci?.a, f)}, D_opt = ${e(t.kD)}·C^${f(t.b)}${ci(t.ci?.b, f)}`);
      if (t.bootstrap) io.out(`intervals: ${Math.round(t.bootstrap.level * 100)}% percentile bootstrap, ${t.bootstrap.resamples} resamples${t.bootstrap.failed ? `, ${t.bootstrap.failed} failed` : ""}`);
      if (t.bootstrap?.flagged) io.out(`warning: ${t.bootstrap.flagged}`);
    } else if (r.method === "envelope") {
      const t = r.fit;
      io.out(`Envelope of ${t.runs} loss curves; ${t.frontierRuns.length} runs on the frontier`);
      io.out(`L = ${f(t.kL)}·(C/${e(t.cRef, 2)})^${f(t.gamma, 5)}`);
      if (t.a !== undefined) io.out(`N_opt = ${e(t.kN!)}·C^${f(t.a)}, D_opt = ${e(t.kD!)}·C^${f(t.b!)}`);
      for (const w of t.warnings) io.out(`warning: ${w}`);
    } else {
      io.out(`Transfer CLM → MLM: ${r.points.length} pairs; scratch law from ${r.lawSource}`);
      io.out("  N           D_F         loss scratch  loss transfer  D_t");
      for (const p of r.points) io.out(`  ${e(p.N)}  ${e(p.DF)}  ${f(p.lossScratch).padStart(12)}  ${f(p.lossTransfer).padStart(13)}  ${p.Dt !== undefined ? e(p.Dt) : `— ${p.note}`}`);
      if (r.fit) io.out(`D_t = ${e(r.fit.k)}·D_F^${f(r.fit.alpha)}·N^${f(r.fit.beta)}  (r² ${f(r.fit.r2, 3)}, ${r.fit.points} pairs)`);
      for (const w of r.warnings) io.out(`note: ${w}`);
    }
    if ("at" in r && r.at) io.out(`optimum at C = ${e(r.at.C)}: N = ${e(r.at.N)}, D = ${e(r.at.D)}${r.at.L !== undefined ? `, L = ${f(r.at.L)}` : ""}`);
    if ("preset" in r && r.preset) io.out(`saved preset: ${r.preset} (use with plmscale plan --preset ${r.preset})`);
  },
});

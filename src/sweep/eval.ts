// Evaluate every finished run of a sweep (results beside each run, RUN/eval/) and collect one row per run with
// its compute and headline downstream metrics into SWEEP/eval.json — the downstream-vs-compute table the
// report plots. Runs already evaluated resume per item; unfinished runs are listed as skipped.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { evaluateRun, type EvaluationResult } from "../eval/run.js";
import type { EvalOptions } from "../eval/tasks.js";
import { pointPaths, readDesign, sweepStatus } from "./layout.js";
import { readJson, writeJsonAtomic } from "../core/files.js";

import { SWEEP_EVAL_FILE } from "./layout.js";
export { SWEEP_EVAL_FILE };

export interface SweepEvalRow {
  id: string;
  objective: string;
  /** planned budget C = 6·N·D */
  C: number;
  N: number;
  D: number;
  loss: number | null;
  perplexity: number | null;
  /** perplexity per identity bin to the training set */
  perplexityByIdentity: Record<string, number> | null;
  dmsSpearman: number | null;
  dmsAuc: number | null;
  dmsNdcg: number | null;
  /** assay → Spearman, for per-assay bars */
  dmsPerAssay: Record<string, number> | null;
  generationDiversity: number | null;
  generationMaxIdentity: number | null;
  naturalness: number | null;
}

export interface SweepEvaluation {
  sweep: string;
  tasks: string[];
  runs: SweepEvalRow[];
  skipped: { id: string; state: string }[];
  interrupted: boolean;
  /** published ESM-2 Spearman on the evaluated assays (from the first run with DMS results) */
  published: Record<string, unknown> | null;
}

const num = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);

/** Headline numbers of one run's evaluation. */
export function evalRow(id: string, p: { objective: string; C: number; N: number; D: number }, loss: number | null, r: EvaluationResult): SweepEvalRow {
  const t = r.tasks as Record<string, any>;
  const bins = t.perplexity?.identity?.bins as Record<string, { perplexity: number }> | undefined;
  const assays = t.dms?.assays as { assay: string; spearman: number }[] | undefined;
  return {
    id, objective: p.objective, C: p.C, N: p.N, D: p.D, loss,
    perplexity: num(t.perplexity?.perplexity),
    perplexityByIdentity: bins ? Object.fromEntries(Object.entries(bins).map(([k, v]) => [k, v.perplexity])) : null,
    dmsSpearman: num(t.dms?.average?.spearman), dmsAuc: num(t.dms?.average?.auc), dmsNdcg: num(t.dms?.average?.ndcg),
    dmsPerAssay: assays ? Object.fromEntries(assays.map((a) => [a.assay, a.spearman])) : null,
    generationDiversity: num(t.generation?.diversity?.per1000), generationMaxIdentity: num(t.generation?.maxIdentity?.mean),
    naturalness: num(t.generation?.naturalness?.meanTokenLogLikelihood),
  };
}

export async function evaluateSweep(
  sweepDir: string, tasks: string[], options: EvalOptions,
  o: { device?: string; signal?: AbortSignal; progress?: (label: string, done: number, total: number) => void; log?: (l: string) => void } = {},
): Promise<SweepEvaluation> {
  const design = readDesign(sweepDir);
  const status = sweepStatus(sweepDir, design);
  const out: SweepEvaluation = { sweep: sweepDir, tasks, runs: [], skipped: [], interrupted: false, published: null };
  const done = status.runs.filter((r) => r.state === "done");
  for (const [k, st] of done.entries()) {
    if (o.signal?.aborted) {
      out.interrupted = true;
      break;
    }
    const p = design.points[st.index]!;
    const pp = pointPaths(sweepDir, p);
    o.log?.(`sweep eval: run ${k + 1}/${done.length} ${p.id}`);
    const r = await evaluateRun(pp.run, tasks, options, { out: join(pp.run, "eval"), device: o.device, signal: o.signal, progress: o.progress, log: o.log });
    if (r.interrupted) {
      out.interrupted = true;
      break;
    }
    const result = existsSync(pp.result) ? readJson<{ loss?: number; valLoss?: number }>(pp.result) : {};
    out.runs.push(evalRow(p.id, p, num(result.valLoss ?? result.loss), r));
    out.published ??= ((r.tasks.dms as Record<string, any> | undefined)?.published as Record<string, unknown>) ?? null;
  }
  out.skipped = status.runs.filter((r) => r.state !== "done").map((r) => ({ id: r.id, state: r.state }));
  if (!out.interrupted) writeJsonAtomic(join(sweepDir, SWEEP_EVAL_FILE), out);
  return out;
}

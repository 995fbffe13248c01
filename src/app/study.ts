// What the studies (study-transfer.ts, study-repetition.ts) share: each phase of a study is a fixed sweep
// directory (sweep.json + configs/ + runs/), so it runs on the sweep executor and resumes like a sweep: finished
// runs are skipped, interrupted ones continue from their checkpoint, failures are retried once and recorded.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultHeadFor, nonEmbeddingParams, totalParams, ESM_VOCAB, type ModelShape } from "../scaling/shape.js";
import type { FamilyName } from "../scaling/families.js";
import { DEFAULT_TRAIN, peakLrBySize, pointRun, runGeometry } from "../sweep/design.js";
import { executeSweep, type ExecSummary } from "../sweep/executor.js";
import { DESIGN_FILE, pointPaths, readDesign, writeSweep } from "../sweep/layout.js";
import { trainConfigFor } from "../train/config-for.js";
import type { Objective } from "../core/objective.js";
import type { SweepDesign, SweepPoint, TrainDefaults } from "../sweep/types.js";
import { trainingFlops } from "../scaling/compute.js";

export interface StudyRunSpec {
  id: string;
  objective: Objective;
  shape: ModelShape;
  /** training tokens */
  D: number;
  /** train on this corpus instead of the study's */
  corpus?: string;
  /** initialise from this run directory's final checkpoint (CLM → MLM transfer) */
  initFrom?: { run: string; objective: Objective };
  /** evaluate this often (steps); default about 8 evaluations per run */
  evalEvery?: number;
  /** batch and context fixed across the runs of a comparison (default: the batch rule per run) */
  geometry?: { batchTokens: number; context: number };
}

export interface StudyOptions {
  corpus: string;
  uniqueTrainTokens: number | null;
  threads: number;
  workers: number;
  evalTokens: number;
  /** cuda also switches to bfloat16 */
  device?: "cpu" | "cuda";
  /** one context for every run of the study (losses at different contexts do not compare; sweep/design.ts
   *  sweepContext); runs with their own `geometry` keep it */
  context?: number;
  /** model family of every run (default esm2) */
  family?: FamilyName;
  signal?: AbortSignal;
  log: (line: string) => void;
}

/** Create (or reuse) the sweep directory of one phase of a study. */
export function writePhase(dir: string, name: string, runs: StudyRunSpec[], o: StudyOptions): SweepDesign {
  if (existsSync(join(dir, DESIGN_FILE))) return readDesign(dir);
  const device = o.device ?? "cpu";
  const train: TrainDefaults = { ...DEFAULT_TRAIN, threads: o.threads, evalTokens: o.evalTokens, device, dtype: device === "cuda" ? "bfloat16" : "float32", context: o.context ?? 0, ...(o.family ? { family: o.family } : {}) };
  const points: SweepPoint[] = runs.map((r, index) => {
    const head = defaultHeadFor(r.objective); // the head trainConfigFor gives the run
    const N = nonEmbeddingParams(r.shape, head);
    const geo = r.geometry ?? runGeometry(train, r.shape, N, r.D);
    return {
      index, id: r.id, objective: r.objective, C: trainingFlops(N, r.D), N, Ntotal: totalParams(r.shape, ESM_VOCAB, head), D: r.D, shape: r.shape,
      lr: peakLrBySize(N), epochs: o.uniqueTrainTokens ? r.D / o.uniqueTrainTokens : null, ...geo,
    };
  });
  const design: SweepDesign = {
    format: "plmscale-sweep", version: 1, createdAt: new Date().toISOString(), objectives: [...new Set(runs.map((r) => r.objective))],
    budgets: [...new Set(points.map((p) => p.C))].sort((a, b) => a - b), centreSource: { study: name }, spanDecades: null,
    sizesPerBudget: new Set(points.map((p) => p.N)).size, corpus: o.corpus, uniqueTrainTokens: o.uniqueTrainTokens, maxEpochs: 1e9, // studies repeat data on purpose
    train, points, warnings: [],
  };
  writeSweep(dir, design, (p) => {
    const r = runs[p.index]!;
    const cfg = trainConfigFor(pointRun(design, p)) as ReturnType<typeof trainConfigFor> & { init?: unknown };
    if (r.corpus) cfg.data = { ...cfg.data, corpus: r.corpus };
    if (r.evalEvery) cfg.eval = { ...cfg.eval, everySteps: r.evalEvery };
    // a transferred run starts from the source's weights with a fresh optimizer and schedule (as `transfer`)
    if (r.initFrom) Object.assign(cfg, { init: { from: r.initFrom.run, objective: r.initFrom.objective }, lr: { ...cfg.lr, warmupFraction: 0.05 } });
    return cfg;
  });
  return design;
}

/** Run a phase's unfinished runs; throws when any is left unfinished (the study cannot go on without it). */
export async function runPhase(dir: string, o: StudyOptions): Promise<ExecSummary> {
  const s = await executeSweep(dir, {
    workers: o.workers, threads: o.threads, signal: o.signal,
    onEvent: (e) => { if (e.kind !== "skip") o.log(`[study] ${e.line}`); },
  });
  if (s.aborted) throw new Error(`interrupted; run the same command again to continue`);
  if (s.failed || s.busy) throw new Error(`${s.failed} run(s) failed and ${s.busy} are held elsewhere in ${dir} (see ${join(dir, "state")}); run the same command again to retry`);
  return s;
}

export interface StudyResult {
  id: string;
  N: number;
  D: number;
  loss: number;
  wallSeconds?: number;
}

/** result.json of a phase's run. */
export function resultOf(dir: string, id: string): StudyResult {
  const p = pointPaths(dir, { id }).result;
  const r = JSON.parse(readFileSync(p, "utf8")) as { N: number; D: number; loss: number; wallSeconds?: number };
  return { id, N: r.N, D: r.D, loss: r.loss, wallSeconds: r.wallSeconds };
}

/** Validation loss over training tokens from a run's metrics.jsonl. */
export function curveOf(dir: string, id: string): { tokens: number; loss: number }[] {
  const p = pointPaths(dir, { id }).metrics;
  if (!existsSync(p)) return [];
  const out: { tokens: number; loss: number }[] = [];
  for (const line of readFileSync(p, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as { tokens?: number; valLoss?: number };
      if (typeof m.valLoss === "number" && typeof m.tokens === "number") out.push({ tokens: m.tokens, loss: m.valLoss });
    } catch { /* a line cut off by a crash */ }
  }
  return out;
}

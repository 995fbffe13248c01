// IsoFLOP grid design (Hoffmann et al. 2022 approach 2; Cheng et al. 2024 §3): for each budget C, model sizes
// spread evenly in log N around a predicted optimum, each trained on D = C/(6N) tokens with its schedule set to
// its own budget. Pure: the caller supplies the centre N_opt(C), corpus size and defaults.
import { nonEmbeddingParams, shapeFor, totalParams, ESM_VOCAB, type ModelShape } from "../scaling/shape.js";
import { LR_SMALL, LR_SMALL_N, peakLrFor } from "../scaling/lr.js";
import type { Objective } from "../core/objective.js";
import type { SweepDesign, SweepPoint, TrainDefaults } from "./types.js";
import { defaultConfig } from "../train/config.js";
import type { PlannedRun } from "../train/config-for.js";

/** A sweep's defaults: small CPU runs (device, dtype and seed are the trainer's own defaults). */
export const DEFAULT_TRAIN: TrainDefaults = {
  context: 256,
  batchTokens: 8192,
  device: defaultConfig().device,
  dtype: defaultConfig().dtype,
  threads: 2,
  evalEverySteps: 0,
  evalTokens: 32768,
  checkpointEverySteps: 0,
  seed: defaultConfig().seed,
};

export interface DesignInput {
  objectives: Objective[];
  budgets: number[];
  /** predicted compute-optimal N for an objective and budget (preset or previous fit) */
  centre: (objective: Objective, C: number) => number;
  centreSource: Record<string, string>;
  /** explicit non-embedding sizes (the same for every budget) instead of a range around the centre */
  sizes?: number[];
  sizesPerBudget?: number;
  /** half-width of the range in decades of N (default 0.75) */
  spanDecades?: number;
  corpus: string;
  uniqueTrainTokens: number | null;
  /** warn when a run would pass over the training tokens more than this (default 4; Muennighoff et al. 2023) */
  maxEpochs?: number;
  /** peak LR by size */
  peakLr?: (N: number) => number;
  train?: Partial<TrainDefaults>;
  /** fewest optimizer steps a run may have before a warning (default 20) */
  minSteps?: number;
  now?: Date;
}

/**
 * Peak LR by size for sweep points: from 10M parameters up, the paper's rule shared with the trainer and the
 * planner (peakLrFor: 6e-4 → 3e-4 at ≥1B). Below 10M it rises gently from 6e-4 to 1e-3 at 100k parameters,
 * linear in log10 N, since tiny models on short budgets tolerate (and need) larger steps.
 */
export function peakLrBySize(N: number): number {
  if (N >= LR_SMALL_N) return peakLrFor(N);
  const l = Math.log10(Math.max(N, 1));
  if (l >= 5) return 1e-3 - ((l - 5) / 2) * (1e-3 - LR_SMALL);
  return 1e-3;
}

/** "1e13", "3e13", "1.5e14": two significant digits, for directory names. */
export function formatBudget(C: number): string {
  const e = Math.floor(Math.log10(C) + 1e-9);
  const m = Math.round((C / 10 ** e) * 10) / 10;
  return `${m === Math.round(m) ? m.toFixed(0) : m.toFixed(1)}e${e}`;
}

/** "850k", "1.2M", "35M", "1.1B". */
export function formatParams(N: number): string {
  const units: [number, string][] = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
  for (const [u, s] of units) {
    if (N >= u) {
      const v = N / u;
      return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(0) : v.toFixed(1)}${s}`;
    }
  }
  return String(Math.round(N));
}

/** n target sizes spread evenly in log10 around `centre`, ±span decades. */
export function logSpaced(centre: number, span: number, n: number): number[] {
  if (n === 1) return [centre];
  return Array.from({ length: n }, (_, i) => centre * 10 ** (-span + (2 * span * i) / (n - 1)));
}

/** The smallest model shapeFor builds (1 layer, d = 32): about 14k non-embedding parameters. */
export const SHAPEFOR_MIN_N = nonEmbeddingParams({ layers: 1, dModel: 32, heads: 2, ffn: 128 });

/**
 * Below shapeFor's range, CPU-sized sweeps (the demo) need still smaller models: width 16 with one head of 16
 * and 1–3 layers (3.6k, 6.9k, 10.2k parameters). On two CPU cores the compute-optimal size at 1e10–1e11 FLOPs
 * lies down here.
 */
export const TINY_SHAPES: ModelShape[] = [1, 2, 3].map((layers) => ({ layers, dModel: 16, heads: 1, ffn: 64 }));
export const MIN_N = nonEmbeddingParams(TINY_SHAPES[0]!);

function shapeForAnySize(target: number): ModelShape {
  if (target >= SHAPEFOR_MIN_N) return shapeFor(target, { tolerance: 0.1 });
  const candidates = [...TINY_SHAPES, { layers: 1, dModel: 32, heads: 2, ffn: 128 }];
  let best = candidates[0]!;
  for (const c of candidates) if (Math.abs(Math.log(nonEmbeddingParams(c) / target)) < Math.abs(Math.log(nonEmbeddingParams(best) / target))) best = c;
  return best;
}

/** Concrete shapes for target sizes (exact N), dropping duplicates that round to the same shape. */
function shapesFor(targets: number[]): { shape: ModelShape; N: number }[] {
  const seen = new Set<string>();
  const out: { shape: ModelShape; N: number }[] = [];
  for (const t of targets) {
    // 10% tolerance on N leaves small models room for a sensible depth/width (exact N is recorded anyway)
    const shape = shapeForAnySize(Math.max(t, MIN_N));
    const key = `${shape.layers}x${shape.dModel}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ shape, N: nonEmbeddingParams(shape) });
  }
  return out.sort((a, b) => a.N - b.N);
}

export function designSweep(x: DesignInput): SweepDesign {
  if (!x.objectives.length) throw new Error("design: no objective");
  if (!x.budgets.length || x.budgets.some((c) => !(c > 0))) throw new Error("design: budgets must be positive numbers");
  const span = x.spanDecades ?? 0.75;
  const k = x.sizesPerBudget ?? 4;
  const maxEpochs = x.maxEpochs ?? 4;
  const minSteps = x.minSteps ?? 20;
  const lrOf = x.peakLr ?? peakLrBySize;
  const train: TrainDefaults = { ...DEFAULT_TRAIN, ...x.train };
  const budgets = [...x.budgets].sort((a, b) => a - b);
  const points: SweepPoint[] = [];
  const warnings: string[] = [];
  for (const objective of x.objectives) {
    for (const C of budgets) {
      const centre = x.centre(objective, C);
      // a range reaching below the smallest model is shifted up so that it starts there (keeping its width)
      const lowest = centre * 10 ** -span;
      const shifted = lowest < MIN_N ? centre * (MIN_N / lowest) : centre;
      const targets = x.sizes ?? logSpaced(shifted, span, k);
      if (!x.sizes && shifted !== centre) {
        warnings.push(`${objective} C=${formatBudget(C)}: the predicted optimum N≈${formatParams(centre)} (${x.centreSource[objective] ?? "centre"}) puts sizes below the smallest model (${formatParams(MIN_N)}); the range was shifted up to start there, so the minimum may sit at its lower edge`);
      }
      const shapes = shapesFor(targets);
      if (shapes.length < 3) warnings.push(`${objective} C=${formatBudget(C)}: only ${shapes.length} distinct model shapes — a parabola needs at least 3`);
      for (const { shape, N } of shapes) {
        const D = C / (6 * N);
        const steps = D / train.batchTokens;
        const epochs = x.uniqueTrainTokens ? D / x.uniqueTrainTokens : null;
        const id = `${objective}-C${formatBudget(C)}-N${formatParams(N)}`;
        if (points.some((p) => p.id === id)) continue;
        if (steps < minSteps) warnings.push(`${id}: only ${steps.toFixed(1)} optimizer steps of ${train.batchTokens} tokens (D=${D.toExponential(2)}) — too few to train; drop this size or raise the budget`);
        if (epochs !== null && epochs > maxEpochs) warnings.push(`${id}: ${epochs.toFixed(1)} epochs over the corpus's ${x.uniqueTrainTokens!.toExponential(2)} unique training tokens (limit ${maxEpochs}); repeated data lowers the value of each token (Muennighoff et al. 2023)`);
        points.push({ index: points.length, id, objective, C, N, Ntotal: totalParams(shape, ESM_VOCAB), D, shape, lr: lrOf(N), epochs });
      }
    }
  }
  return {
    format: "plmscale-sweep",
    version: 1,
    createdAt: (x.now ?? new Date()).toISOString(),
    objectives: x.objectives,
    budgets,
    centreSource: x.centreSource,
    spanDecades: x.sizes ? null : span,
    sizesPerBudget: x.sizes ? x.sizes.length : k,
    corpus: x.corpus,
    uniqueTrainTokens: x.uniqueTrainTokens,
    maxEpochs,
    train,
    points,
    warnings,
  };
}

/**
 * The run one point describes, for train/config-for.ts trainConfigFor: about 8 evaluations and 4 checkpoints
 * per run unless the design sets a cadence.
 */
export function pointRun(d: SweepDesign, p: SweepPoint): PlannedRun {
  const t = d.train;
  const steps = Math.max(1, Math.floor(p.D / t.batchTokens));
  return {
    objective: p.objective,
    shape: p.shape,
    context: t.context,
    tokens: p.D,
    batchTokens: t.batchTokens,
    peakLr: p.lr,
    corpus: d.corpus,
    evalEverySteps: t.evalEverySteps || Math.max(1, Math.round(steps / 8)),
    evalTokens: t.evalTokens,
    checkpointEverySteps: t.checkpointEverySteps || Math.max(1, Math.round(steps / 4)),
    device: t.device,
    dtype: t.dtype,
    threads: t.threads,
    seed: t.seed,
  };
}

// IsoFLOP grid design (Hoffmann et al. 2022 approach 2; Cheng et al. 2024 §3): for each budget C, model sizes
// spread evenly in log N around a predicted optimum, each trained on D = C/(6N) tokens with its schedule set to
// its own budget. Pure: the caller supplies the centre N_opt(C), corpus size and defaults.
import { defaultHeadFor, nonEmbeddingParams, shapeFor, totalParams, withFamily, ESM_VOCAB, type LmHeadKind, type ModelShape } from "../scaling/shape.js";
import type { FamilyName } from "../scaling/families.js";
import { batchAndContextFor, LR_SMALL, LR_SMALL_N, peakLrFor } from "../scaling/lr.js";
import type { Objective } from "../core/objective.js";
import type { AdaptiveLimits, SweepDesign, SweepPoint, TrainDefaults } from "./types.js";
import { defaultConfig } from "../train/config.js";
import type { PlannedRun } from "../train/config-for.js";
import { tokensForFlops } from "../scaling/compute.js";

/**
 * A sweep's defaults: small CPU runs (device, dtype and seed are the trainer's own defaults). batchTokens 0 =
 * per point by the batch rule (scaling/lr.ts batchAndContextFor), the rule `train` uses; context 0 = one
 * context for the whole sweep, chosen by that rule at its first grid (sweepContext).
 */
export const DEFAULT_TRAIN: TrainDefaults = {
  context: 0,
  batchTokens: 0,
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
  /**
   * grow the design as runs finish (src/sweep/adaptive.ts): only the smallest budget's sizes now, later ones
   * centred on the law fitted so far; `fallback` is the law N_opt = kN·C^a the centre falls back to
   */
  adaptive?: {
    fallback: Record<string, { kN: number; a: number; source: string }>;
    limits?: Partial<AdaptiveLimits>;
    sizesAfterLocated?: number;
  };
}

export const DEFAULT_LIMITS: AdaptiveLimits = { minSteps: 20, maxEpochs: 4, maxSizesPerBudget: 8, maxAddPerRound: 2 };

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

export function shapeForAnySize(target: number, head: LmHeadKind = "esm", family?: FamilyName): ModelShape {
  if (target >= SHAPEFOR_MIN_N) return shapeFor(target, { tolerance: 0.1, head, family });
  const candidates = [...TINY_SHAPES, { layers: 1, dModel: 32, heads: 2, ffn: 128 }].map((c) => withFamily(c, family));
  const miss = (c: ModelShape) => Math.abs(Math.log(nonEmbeddingParams(c, head) / target));
  let best = candidates[0]!;
  for (const c of candidates) if (miss(c) < miss(best)) best = c;
  return best;
}

/** Concrete shapes for target sizes (exact N with `head`), dropping duplicates that round to the same shape. */
function shapesFor(targets: number[], head: LmHeadKind, family?: FamilyName): { shape: ModelShape; N: number }[] {
  const seen = new Set<string>();
  const out: { shape: ModelShape; N: number }[] = [];
  for (const t of targets) {
    // 10% tolerance on N leaves small models room for a sensible depth/width (exact N is recorded anyway)
    const shape = shapeForAnySize(Math.max(t, MIN_N), head, family);
    const key = `${shape.layers}x${shape.dModel}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ shape, N: nonEmbeddingParams(shape, head) });
  }
  return out.sort((a, b) => a.N - b.N);
}

/** What pointsForBudget needs from a design (a whole SweepDesign will do). */
export type PointContext = Pick<SweepDesign, "train" | "uniqueTrainTokens" | "maxEpochs"> & { minSteps?: number; peakLr?: (N: number) => number };

/**
 * The one context of a sweep: the batch rule's context at the centre of its smallest budget. Every run of a
 * sweep trains and is validated at this context, because losses at different contexts do not compare: a CLM
 * cropped to 64 tokens is scored on the start of each protein, which is easier (measured on Swiss-Prot: the
 * larger CLMs of a budget got context 64 by size and plateaued at 2.838 nats while a 39k model at context 256
 * reached 2.887, and the IsoFLOP minima followed the context, not N).
 */
export function sweepContext(centreN: number, C: number, family?: FamilyName): number {
  const shape = shapeForAnySize(Math.max(centreN, MIN_N), "esm", family);
  const N = nonEmbeddingParams(shape);
  return batchAndContextFor(N, tokensForFlops(C, N), shape.dModel).context;
}

/** Batch and context of a run: the design's fixed values, or the batch rule by size and budget. */
export function runGeometry(train: TrainDefaults, shape: ModelShape, N: number, D: number): { batchTokens: number; context: number } {
  const rule = batchAndContextFor(N, D, shape.dModel, train.context > 0 ? train.context : undefined);
  const batchTokens = train.batchTokens > 0 ? Math.max(rule.context, Math.round(train.batchTokens / rule.context) * rule.context) : rule.batchTokens;
  return { batchTokens, context: rule.context };
}

/**
 * Points for one objective and budget at the given target sizes (concrete shapes, duplicates dropped),
 * numbered from `firstIndex`; ids already in `taken` are skipped. Warnings for too few steps or too many epochs.
 */
export function pointsForBudget(ctx: PointContext, objective: Objective, C: number, targets: number[], firstIndex: number, taken: Set<string>, round = 0): { points: SweepPoint[]; warnings: string[] } {
  const points: SweepPoint[] = [];
  const warnings: string[] = [];
  const lrOf = ctx.peakLr ?? peakLrBySize;
  const minSteps = ctx.minSteps ?? 20;
  const head = defaultHeadFor(objective); // the head trainConfigFor gives the run
  for (const { shape, N } of shapesFor(targets, head, ctx.train.family)) {
    const D = tokensForFlops(C, N);
    const { batchTokens, context } = runGeometry(ctx.train, shape, N, D);
    const steps = D / batchTokens;
    const epochs = ctx.uniqueTrainTokens ? D / ctx.uniqueTrainTokens : null;
    const id = `${objective}-C${formatBudget(C)}-N${formatParams(N)}`;
    if (taken.has(id)) continue;
    taken.add(id);
    if (steps < minSteps) warnings.push(`${id}: only ${steps.toFixed(1)} optimizer steps of ${batchTokens} tokens (D=${D.toExponential(2)}) — too few to train; drop this size or raise the budget`);
    if (epochs !== null && epochs > ctx.maxEpochs) warnings.push(`${id}: ${epochs.toFixed(1)} epochs over the corpus's ${ctx.uniqueTrainTokens!.toExponential(2)} unique training tokens (limit ${ctx.maxEpochs}); repeated data lowers the value of each token (Muennighoff et al. 2023)`);
    points.push({ index: firstIndex + points.length, id, objective, C, N, Ntotal: totalParams(shape, ESM_VOCAB, head), D, shape, lr: lrOf(N), epochs, batchTokens, context, round });
  }
  return { points, warnings };
}

/** Target sizes for a budget around `centre` (±span decades), shifted up when they would reach below MIN_N. */
export function targetsAround(centre: number, span: number, k: number): { targets: number[]; shifted: boolean } {
  const lowest = centre * 10 ** -span;
  const shifted = lowest < MIN_N ? centre * (MIN_N / lowest) : centre;
  return { targets: logSpaced(shifted, span, k), shifted: shifted !== centre };
}

export function designSweep(x: DesignInput): SweepDesign {
  if (!x.objectives.length) throw new Error("design: no objective");
  if (!x.budgets.length || x.budgets.some((c) => !(c > 0))) throw new Error("design: budgets must be positive numbers");
  const span = x.spanDecades ?? 0.75;
  const k = x.sizesPerBudget ?? 4;
  const maxEpochs = x.maxEpochs ?? 4;
  const minSteps = x.minSteps ?? 20;
  const budgets = [...x.budgets].sort((a, b) => a - b);
  const given: TrainDefaults = { ...DEFAULT_TRAIN, ...x.train };
  const train: TrainDefaults = given.context > 0 ? given : { ...given, context: sweepContext(x.centre(x.objectives[0]!, budgets[0]!), budgets[0]!, given.family) };
  const points: SweepPoint[] = [];
  const warnings: string[] = [];
  const taken = new Set<string>();
  const ctx: PointContext = { train, uniqueTrainTokens: x.uniqueTrainTokens, maxEpochs, minSteps, peakLr: x.peakLr };
  // an adaptive design starts with its smallest budget only; the rest follow the law fitted as runs finish
  const initialBudgets = x.adaptive ? budgets.slice(0, 1) : budgets;
  for (const objective of x.objectives) {
    for (const C of initialBudgets) {
      const centre = x.centre(objective, C);
      const around = targetsAround(centre, span, k);
      const targets = x.sizes ?? around.targets;
      if (!x.sizes && around.shifted) {
        warnings.push(`${objective} C=${formatBudget(C)}: the predicted optimum N≈${formatParams(centre)} (${x.centreSource[objective] ?? "centre"}) puts sizes below the smallest model (${formatParams(MIN_N)}); the range was shifted up to start there, so the minimum may sit at its lower edge`);
      }
      const made = pointsForBudget(ctx, objective, C, targets, points.length, taken);
      if (made.points.length < 3) warnings.push(`${objective} C=${formatBudget(C)}: only ${made.points.length} distinct model shapes — a parabola needs at least 3`);
      points.push(...made.points);
      warnings.push(...made.warnings);
    }
  }
  const spacing = x.sizes && x.sizes.length > 1
    ? Math.log10(Math.max(...x.sizes) / Math.min(...x.sizes)) / (x.sizes.length - 1)
    : k > 1 ? (2 * span) / (k - 1) : span;
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
    ...(x.adaptive ? {
      adaptive: {
        limits: { ...DEFAULT_LIMITS, minSteps, maxEpochs, ...x.adaptive.limits },
        spacingDecades: spacing,
        sizesAfterLocated: x.adaptive.sizesAfterLocated ?? k,
        fallback: x.adaptive.fallback,
        round: 0,
        events: [],
      },
    } : {}),
  };
}

/**
 * The run one point describes, for train/config-for.ts trainConfigFor: about 8 evaluations and 4 checkpoints
 * per run unless the design sets a cadence.
 */
export function pointRun(d: SweepDesign, p: SweepPoint): PlannedRun {
  const t = d.train;
  const geo = p.batchTokens && p.context ? { batchTokens: p.batchTokens, context: p.context } : runGeometry(t, p.shape, p.N, p.D);
  const steps = Math.max(1, Math.floor(p.D / geo.batchTokens));
  return {
    objective: p.objective,
    shape: p.shape,
    context: geo.context,
    tokens: p.D,
    batchTokens: geo.batchTokens,
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

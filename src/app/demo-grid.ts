// Sizing the demo's IsoFLOP grid from measured throughput: budgets C0·ratio^i are scaled until the estimated
// wall time of all runs (D = C/6N tokens each at the measured speed for that size) fills the target time.
// Pure functions; the demo measures the speed with two short calibration runs (or takes it from flags).
import { designSweep, type DesignInput } from "../sweep/design.js";
import type { Objective } from "../core/objective.js";
import { tokensForFlops } from "../scaling/compute.js";

/** Training tokens per parameter at the demo's centre (measured; see DemoGridInput.tokensPerParam). */
export const DEMO_TOKENS_PER_PARAM = 10;

/** Seconds per training token as a function of non-embedding size: overhead + N·perParam (per worker). */
export interface SpeedModel {
  overheadSec: number;
  secPerParamToken: number;
}

export function secondsPerToken(s: SpeedModel, N: number): number {
  return s.overheadSec + N * s.secPerParamToken;
}

/** Least-squares line through (N, 1/tokensPerSecond); both coefficients kept positive. */
export function speedFromMeasurements(points: { N: number; tokensPerSecond: number }[]): SpeedModel {
  if (points.length === 0) throw new Error("speed model needs at least one measurement");
  const xs = points.map((p) => p.N), ys = points.map((p) => 1 / p.tokensPerSecond);
  if (points.length === 1 || new Set(xs).size === 1) {
    // one point: assume half the time is per-token overhead
    const y = ys[0]!;
    return { overheadSec: y / 2, secPerParamToken: y / 2 / xs[0]! };
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length, my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxy = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0), sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = Math.max(sxy / sxx, 1e-15);
  const overhead = Math.max(my - slope * mx, 1e-7);
  return { overheadSec: overhead, secPerParamToken: slope };
}

export interface DemoGridInput {
  speed: SpeedModel;
  /** runs at once */
  workers: number;
  /** wall-clock seconds the training phase may take */
  targetSeconds: number;
  objectives?: Objective[];
  budgets?: number;
  /** factor between consecutive budgets (default 3.2: three budgets span a decade) */
  ratio?: number;
  sizesPerBudget?: number;
  /** half-width of each budget's size range in decades (default 0.5) */
  spanDecades?: number;
  /**
   * the centre of each budget's sizes: N = sqrt(C / (6·r)), i.e. r training tokens per parameter (default
   * DEMO_TOKENS_PER_PARAM). With the batch rule's ~500-step batches the measured minima on Swiss-Prot lie near
   * 9 tokens per parameter (CLM and MLM at 1e10 FLOPs: 14k parameters on 120k tokens; docs/SWEEPS.md); with
   * the old fixed 4k–8k-token batches they sat at 400–950, because large models got too few steps.
   */
  tokensPerParam?: number;
  /** passed through to the design */
  design: Pick<DesignInput, "corpus" | "uniqueTrainTokens" | "train">;
}

export interface DemoGrid {
  budgets: number[];
  tokensPerParam: number;
  spanDecades: number;
  sizesPerBudget: number;
  estimatedSeconds: number;
  centre: (C: number) => number;
}

function estimate(x: DemoGridInput, c0: number) {
  const ratio = x.ratio ?? 3.2, nb = x.budgets ?? 3, r = x.tokensPerParam ?? DEMO_TOKENS_PER_PARAM;
  const budgets = Array.from({ length: nb }, (_, i) => c0 * ratio ** i);
  const centre = (C: number) => Math.sqrt(tokensForFlops(C, r)) /* D = rN: C = 6·r·N² */;
  const d = designSweep({
    objectives: x.objectives ?? ["clm", "mlm"], budgets, centre: (_o, C) => centre(C), centreSource: {},
    sizesPerBudget: x.sizesPerBudget ?? 4, spanDecades: x.spanDecades ?? 0.5, ...x.design,
  });
  // runs share `workers` slots; the sum over runs divided by workers is the ideal makespan
  const total = d.points.reduce((s, p) => s + p.D * secondsPerToken(x.speed, p.N), 0);
  return { budgets, centre, seconds: total / Math.max(1, x.workers), r };
}

/** The largest smallest-budget C0 whose estimated training time fits targetSeconds (bisection in log C0). */
export function demoGrid(x: DemoGridInput): DemoGrid {
  let lo = Math.log(1e8), hi = Math.log(1e18);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (estimate(x, Math.exp(mid)).seconds > x.targetSeconds) hi = mid; else lo = mid;
  }
  // two significant digits keep directory names readable
  // rounded down (never past the target time), to two significant digits
  const raw = Math.exp(lo), e10 = 10 ** (Math.floor(Math.log10(raw)) - 1);
  const c0 = Math.floor(raw / e10) * e10;
  const e = estimate(x, c0);
  return {
    budgets: e.budgets.map((c) => Number(c.toPrecision(3))), tokensPerParam: e.r, spanDecades: x.spanDecades ?? 0.5,
    sizesPerBudget: x.sizesPerBudget ?? 4, estimatedSeconds: e.seconds, centre: e.centre,
  };
}

/**
 * Steady-state training throughput of a short calibration run from its metrics.jsonl lines: tokens per second
 * between the second logged step and the last step before the final one. The first step pays start-up (allocator
 * warm-up, first kernels) and the last one the evaluation, which for an 8-step run dominated the wall time and
 * made tiny models look 5–15× slower than they train (measured: 15.7k tokens/s calibrated vs 250k in the sweep).
 * Falls back to the run's overall figure when fewer than three steps were logged.
 */
export function steadyTokensPerSecond(lines: { step: number; tokens: number; time: number }[], overall: number): number {
  const steps = lines.filter((l) => Number.isFinite(l.time) && Number.isFinite(l.tokens)).sort((a, b) => a.step - b.step);
  if (steps.length < 3) return overall;
  const a = steps[1]!, b = steps[steps.length - 2]!;
  const dt = b.time - a.time, dn = b.tokens - a.tokens;
  return dt > 0 && dn > 0 ? dn / dt : overall;
}

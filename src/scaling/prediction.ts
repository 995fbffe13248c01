// Predict, then measure (issue 25 item 1): `plan --emit` records what its law expects of the run it emits, and
// the trainer, at the end, says how the run compares. A law is falsifiable only if its prediction is written down
// before the run, with the interval it claims.
import type { Interval } from "./regress.js";

/** What a law expected of a run, recorded in the run's config (`prediction`). */
export interface LossPrediction {
  /** the law: its preset name (a built-in, a saved fit, a sweep's fit) */
  source: string;
  /** the budget the law was asked about, and its optimum there */
  C: number;
  N: number;
  D: number;
  /** expected final validation loss (nats/token) */
  loss: number;
  /** the interval the law claims for it; absent when it claims none (then `note` says why) */
  lo?: number;
  hi?: number;
  note: string;
}

export interface PredictionCheck {
  predicted: number;
  interval: Interval | null;
  reached: number;
  /** reached − predicted, nats (negative: better than predicted) */
  gapNats: number;
  /** inside the interval; null without one */
  inside: boolean | null;
  source: string;
  note: string;
  /** one line for the run's summary */
  line: string;
}

/** The prediction a plan makes for its own optimum: null when its law has no loss term. */
export function predictionOf(
  plan: { C: number; N: number; D: number; L?: number; preset: { name: string; source: string } },
  interval: Interval | null, note: string,
): LossPrediction | null {
  if (plan.L === undefined || !Number.isFinite(plan.L)) return null;
  return {
    source: plan.preset.name, C: plan.C, N: plan.N, D: plan.D, loss: plan.L,
    ...(interval ? { lo: interval.lo, hi: interval.hi } : {}), note,
  };
}

/** `runC`: the compute the run actually had; a run trained on another budget than the law was asked about is said to compare loosely. */
export function checkPrediction(p: LossPrediction, reached: number, runC?: number): PredictionCheck {
  const interval = p.lo !== undefined && p.hi !== undefined ? { lo: p.lo, hi: p.hi } : null;
  const gapNats = reached - p.loss;
  const inside = interval ? reached >= interval.lo && reached <= interval.hi : null;
  const where = inside === null ? `no interval: ${p.note}` : inside ? `inside [${interval!.lo.toFixed(4)}, ${interval!.hi.toFixed(4)}]` : `OUTSIDE [${interval!.lo.toFixed(4)}, ${interval!.hi.toFixed(4)}]`;
  const off = runC !== undefined ? runC / p.C : 1;
  const loose = Math.abs(off - 1) > 0.1 ? `; the run had ${off.toPrecision(2)}× the planned compute (${p.C.toExponential(2)} FLOPs), so the comparison is loose` : "";
  const line = `predicted loss ${p.loss.toFixed(4)} (${p.source}), reached ${reached.toFixed(4)}: ${gapNats >= 0 ? "+" : ""}${gapNats.toFixed(4)} nats, ${where}${loose}`;
  return { predicted: p.loss, interval, reached, gapNats, inside, source: p.source, note: p.note + loose, line };
}

// Learning-rate schedule and the step/token budget of a run. Pure functions.
// The paper's schedule (Cheng et al. 2024, §"Training details"): linear warm-up, then cosine decay to
// 10% of the peak over the run's own token budget.

import { trainingFlops } from "../scaling/compute.js";
export interface LrSchedule {
  peak: number;
  /** fraction of the run's optimizer steps spent warming up (0.01 by default; 0.05 for transfer) */
  warmupFraction: number;
  /** the final LR as a fraction of the peak (0.1) */
  minRatio: number;
}

/** Warm-up steps for a run of `totalSteps` (at least one when warm-up is requested). */
export function warmupSteps(s: LrSchedule, totalSteps: number): number {
  if (s.warmupFraction <= 0) return 0;
  return Math.max(1, Math.round(s.warmupFraction * totalSteps));
}

/**
 * LR for optimizer step `step` (0-based) of `totalSteps`.
 * Warm-up: peak·(step+1)/W for step < W. Decay: min + (peak−min)·½(1+cos(π·p)),
 * p = (step−W)/(S−W−1) running from 0 at the first decay step to 1 at the last step, which gets exactly min.
 */
export function lrAt(s: LrSchedule, step: number, totalSteps: number): number {
  const W = warmupSteps(s, totalSteps);
  const min = s.peak * s.minRatio;
  if (step < W) return (s.peak * (step + 1)) / W;
  const span = totalSteps - W - 1;
  const p = span <= 0 ? 1 : Math.min(1, (step - W) / span);
  return min + (s.peak - min) * 0.5 * (1 + Math.cos(Math.PI * p));
}

export interface Budget {
  /** optimizer steps in the run */
  steps: number;
  /** rows of `context` in a full step */
  rowsPerStep: number;
  /** total rows (tokens / context) */
  totalRows: number;
}

/** Steps for a budget of `tokens` (a whole number of rows); the last step takes the remaining rows. */
export function budgetFor(tokens: number, batchTokens: number, context: number): Budget {
  const totalRows = Math.round(tokens / context);
  const rowsPerStep = Math.round(batchTokens / context);
  return { steps: Math.ceil(totalRows / rowsPerStep), rowsPerStep, totalRows };
}

/** Rows in optimizer step `step` (0-based): full steps, then the remainder, so the run ends exactly at the budget. */
export function rowsInStep(b: Budget, step: number): number {
  if (step < 0 || step >= b.steps) return 0;
  return Math.min(b.rowsPerStep, b.totalRows - step * b.rowsPerStep);
}

/** Sizes of the micro-batches that make up a step of `rows` rows (gradient accumulation). */
export function microBatches(rows: number, microRows: number): number[] {
  const out: number[] = [];
  for (let left = rows; left > 0; left -= microRows) out.push(Math.min(microRows, left));
  return out;
}

/** C = 6·N·D (src/scaling/compute.ts, its one definition), under the name the loop uses. */
export const flops6ND = trainingFlops;

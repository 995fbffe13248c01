// Progress arithmetic for sweeps: counts line and ETA. Pure functions.
import { formatDuration } from "../core/duration.js";

export interface EtaInput {
  /** budgets (FLOPs) of runs that have not finished yet, including running ones */
  remainingC: number[];
  /** finished runs in this session or before: their budget and wall time */
  finished: { C: number; wallSeconds: number }[];
  workers: number;
  /** prior estimate of seconds per FLOP (e.g. from a measured tokens/s) used until a run finishes */
  priorSecondsPerFlop?: number;
}

/**
 * Seconds left, assuming wall time proportional to FLOPs (runs in one sweep share the hardware) and
 * `workers` runs in parallel. Returns undefined when there is nothing to base it on.
 */
export function estimateEta(x: EtaInput): number | undefined {
  const sumC = x.finished.reduce((a, r) => a + r.C, 0);
  const sumT = x.finished.reduce((a, r) => a + r.wallSeconds, 0);
  const rate = sumC > 0 && sumT > 0 ? sumT / sumC : x.priorSecondsPerFlop;
  if (rate === undefined) return undefined;
  const left = x.remainingC.reduce((a, c) => a + c, 0);
  return (left * rate) / Math.max(1, x.workers);
}

export function progressLine(c: { done: number; running: number; failed: number; total: number; eta?: number }): string {
  return `${c.done}/${c.total} done, ${c.running} running, ${c.failed} failed, ETA ${formatDuration(c.eta)}`;
}

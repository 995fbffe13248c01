// Synthetic IsoFLOP sweeps from a known parametric law, for recovery tests and benchmarks.
import { Rng } from "../core/random.js";
import { parametricOptimum, predictLoss, type ParametricLaw } from "./parametric.js";
import type { Objective } from "../core/objective.js";
import type { RunRow } from "./runs-table.js";
import { tokensForFlops } from "./compute.js";

export interface SyntheticOptions {
  law: ParametricLaw;
  /** budgets in FLOPs (default 9 log-spaced from 1e17 to 1e21) */
  budgets?: number[];
  /** model sizes per budget (default 13), log-spaced over ±spanDecades around the law's optimum */
  sizes?: number;
  /** half-width of the size range in decades (default 1) */
  spanDecades?: number;
  /** log-normal noise: loss·exp(σ·z) (default 0) */
  sigma?: number;
  seed?: number;
  objective?: Objective;
}

export function logspace(lo: number, hi: number, n: number): number[] {
  if (n === 1) return [lo];
  const a = Math.log10(lo), b = Math.log10(hi);
  return Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));
}

/** An IsoFLOP grid (budgets × sizes, D = C/(6N)) with losses from `law`, optionally noisy. */
export function syntheticIsoflop(o: SyntheticOptions): RunRow[] {
  const budgets = o.budgets ?? logspace(1e17, 1e21, 9);
  const sizes = o.sizes ?? 13;
  const span = o.spanDecades ?? 1;
  const rng = new Rng(o.seed ?? 0);
  const sigma = o.sigma ?? 0;
  const rows: RunRow[] = [];
  budgets.forEach((C, bi) => {
    const nOpt = parametricOptimum(o.law, C).N;
    for (const N of logspace(nOpt / 10 ** span, nOpt * 10 ** span, sizes)) {
      const D = tokensForFlops(C, N);
      const loss = predictLoss(o.law, N, D) * Math.exp(sigma * rng.normal());
      rows.push({ objective: o.objective ?? "mlm", N, D, C, loss, extra: { budget: bi } });
    }
  });
  return rows;
}

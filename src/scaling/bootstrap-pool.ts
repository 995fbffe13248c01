// Parametric fit with the bootstrap spread over worker threads. Resample i always uses the same seeded
// stream, so the intervals equal fitParametric's for any number of workers.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  bestOfStarts, fitData, gridStarts, impliedAllocation, lawOf, screenStarts, summariseBootstrap,
  type ParametricFit, type ParametricOptions,
} from "./parametric.js";
import type { RunRow } from "./runs-table.js";

export interface ParallelOptions extends ParametricOptions {
  /** worker threads (default: available cores, at most 8) */
  workers?: number;
}

export async function fitParametricParallel(rows: readonly RunRow[], opts: ParallelOptions = {}): Promise<ParametricFit> {
  if (rows.length < 5) throw new Error(`parametric fit needs at least 5 runs, got ${rows.length}`);
  const delta = opts.delta ?? 1e-3;
  const data = fitData(rows);
  const starts = screenStarts(data, gridStarts(opts.grid), delta, opts.topStarts ?? 200);
  const best = bestOfStarts(data, starts, delta, opts.maxIter);
  const law = lawOf(best.theta);
  const fit: ParametricFit = {
    ...law, objective: best.f, ...impliedAllocation(law), runs: rows.length,
    starts: starts.length, converged: best.converged, delta,
  };
  const resamples = opts.bootstrap ?? 0;
  if (resamples <= 0) return fit;
  const seed = opts.seed ?? 0;
  const workers = Math.max(1, Math.min(opts.workers ?? Math.min(8, availableParallelism()), resamples));
  const theta0 = Array.from(best.theta);
  const chunks: Promise<Float64Array[]>[] = [];
  for (let w = 0; w < workers; w++) {
    const from = Math.floor((w * resamples) / workers), to = Math.floor(((w + 1) * resamples) / workers);
    chunks.push(new Promise((resolve, reject) => {
      const worker = new Worker(new URL("./bootstrap-worker.js", import.meta.url), {
        workerData: { data, theta0, delta, seed, from, to, maxIter: opts.maxIter },
      });
      worker.once("message", (m: Float64Array[]) => resolve(m));
      worker.once("error", reject);
      worker.once("exit", (code) => { if (code !== 0) reject(new Error(`bootstrap worker exited with code ${code}`)); });
    }));
  }
  const thetas = (await Promise.all(chunks)).flat();
  return Object.assign(fit, summariseBootstrap(thetas, resamples, seed, opts.level ?? 0.95));
}

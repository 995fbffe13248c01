// Parametric fit with the bootstrap spread over worker threads. Resample i always uses the same seeded
// stream, so the intervals equal fitParametric's for any number of workers.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  assembleFit, checkFiniteFit, checkParametricInput, bootstrapThetas, bestOfStarts, fitData, gridStarts, lawOf, screenStarts, summariseBootstrap,
  type ParametricFit, type ParametricOptions,
} from "./parametric.js";
import type { RunRow } from "./runs-table.js";

export interface ParallelOptions extends ParametricOptions {
  /**
   * worker threads (default: available cores, at most 8, but none below IN_THREAD_WORK resamples×runs:
   * bench:fit measured a resample of 300 runs at ~1 ms, less than a worker's start-up and JIT warm-up)
   */
  workers?: number;
}

/** resamples × runs below which the default is to stay on the calling thread */
export const IN_THREAD_WORK = 2e6;

export async function fitParametricParallel(rows: readonly RunRow[], opts: ParallelOptions = {}): Promise<ParametricFit> {
  checkParametricInput(rows);
  const delta = opts.delta ?? 1e-3;
  const data = fitData(rows);
  const starts = screenStarts(data, gridStarts(opts.grid), delta, opts.topStarts ?? 200);
  const best = bestOfStarts(data, starts, delta, opts.maxIter);
  const law = lawOf(best.theta);
  const fit: ParametricFit = checkFiniteFit(assembleFit(law, rows, best.f, starts.length, best.converged, delta));
  const resamples = opts.bootstrap ?? 0;
  if (resamples <= 0) return fit;
  const seed = opts.seed ?? 0;
  const auto = resamples * rows.length < IN_THREAD_WORK ? 1 : Math.min(8, availableParallelism());
  const workers = Math.max(1, Math.min(opts.workers ?? auto, resamples));
  const theta0 = Array.from(best.theta);
  if (workers === 1) {
    const thetas = bootstrapThetas(data, theta0, delta, seed, 0, resamples, opts.maxIter);
    return Object.assign(fit, summariseBootstrap(thetas, resamples, seed, opts.level ?? 0.95));
  }
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

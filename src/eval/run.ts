// Evaluate one run on several tasks: load the model once, run each task (skipping tasks that do not apply to
// the run's objective, with a note), and merge the finished tasks' results into <out>/results.json, the file
// `plmscale report` and `sweep eval` read. Tasks resume per item from <out>.
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { UserError } from "../core/errors.js";
import { loadModel } from "./load.js";
import { resolveTasks, type EvalOptions } from "./tasks.js";
import { writeAtomic } from "./items.js";
import { trainingFlops } from "../scaling/compute.js";

export interface EvaluationResult {
  run: string;
  checkpoint: string;
  objective: string;
  nonEmbeddingParams: number;
  /** training compute C = 6·N·D of the run (for downstream-vs-compute plots) */
  computeFlops: number;
  tasks: Record<string, Record<string, unknown>>;
  interrupted: boolean;
}

export interface RunEvaluationOptions {
  out?: string;
  device?: string;
  signal?: AbortSignal;
  progress?: (label: string, done: number, total: number) => void;
  log?: (line: string) => void;
}

export const RESULTS_FILE = "results.json";

export async function evaluateRun(runDir: string, taskNames: string[], options: EvalOptions, o: RunEvaluationOptions = {}): Promise<EvaluationResult> {
  const tasks = resolveTasks(taskNames);
  if (!existsSync(runDir)) throw new UserError(`--run: ${runDir} not found`, 2);
  const loaded = loadModel(runDir, { device: o.device, warn: o.log });
  const out = o.out ?? join(runDir, "eval");
  const signal = o.signal ?? new AbortController().signal;
  const log = o.log ?? (() => {});
  const resultsPath = join(out, RESULTS_FILE);
  const previous = existsSync(resultsPath) ? (JSON.parse(readFileSync(resultsPath, "utf8")) as EvaluationResult) : null;
  const { model, config } = loaded;
  const N = model.nonEmbeddingParams();
  const result: EvaluationResult = {
    run: runDir, checkpoint: loaded.checkpoint, objective: config.objective, nonEmbeddingParams: N,
    computeFlops: trainingFlops(N, config.tokens),
    tasks: previous && previous.checkpoint === loaded.checkpoint ? previous.tasks : {}, interrupted: false,
  };
  try {
    for (const task of tasks) {
      if (signal.aborted) {
        result.interrupted = true;
        break;
      }
      if (!task.objectives.includes(config.objective)) {
        result.tasks[task.name] = { skipped: `${task.name} applies to ${task.objectives.join("/")} runs; this run is ${config.objective}` };
        continue;
      }
      log(`eval: ${task.name} on ${runDir} (${config.objective}, ${loaded.checkpoint})`);
      const t0 = Date.now();
      const r = await task.run({
        // relative to the run, so a copied or moved run (and its eval/ folder) still resumes
        runDir, model, config, checkpoint: relative(runDir, loaded.checkpoint) || loaded.checkpoint, out, options, signal, log,
        progress: o.progress ?? (() => {}),
      });
      if (r.interrupted) {
        result.interrupted = true;
        break;
      }
      result.tasks[task.name] = { ...r, seconds: (Date.now() - t0) / 1000 };
      writeAtomic(resultsPath, JSON.stringify(result, null, 2) + "\n");
    }
  } finally {
    model.dispose();
  }
  return result;
}

// Load a trained model for inference: a run directory (its newest good checkpoint) or a checkpoint directory.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../torch/index.js";
import { createModel, type ProteinLM } from "../model/index.js";
import { parseTrainConfig, type TrainConfig } from "../train/config.js";
import { readJson } from "../core/files.js";
import { resolveSourceCheckpoint, loadModelWeights, MODEL_FILE } from "../train/state-io.js";
import { EXIT_DAMAGED_INPUT, UserError } from "../core/errors.js";

export interface LoadedModel {
  model: ProteinLM;
  config: TrainConfig;
  checkpoint: string;
}

/**
 * The model of a run (or checkpoint), in eval mode, on `device` (default: the run's own if available, else cpu).
 * Every failure is a UserError with exit code 1 naming the file and what is wrong with it (a damaged run is
 * not a usage error, even where the same check on a command line would be one), so callers need no wrapper.
 */
export function loadModel(path: string, opts: { device?: string; warn?: (m: string) => void } = {}): LoadedModel {
  const runDir = existsSync(join(path, "config.json")) ? path : join(path, "..", "..");
  const configPath = join(runDir, "config.json");
  if (!existsSync(configPath)) throw new UserError(`${path} is not a run or checkpoint directory (no config.json in it or in its run directory)`, 1);
  // a config or weights file that cannot be parsed is damaged input (exit 3, core/errors.ts EXIT_DAMAGED_INPUT)
  const config = failWith(configPath, () => parseTrainConfig(readJson(configPath, "the run's config.json")), EXIT_DAMAGED_INPUT);
  const ck = failWith(path, () => resolveSourceCheckpoint(path, opts.warn ?? (() => {})));
  const device = opts.device ?? (config.device === "cuda" && torch.cuda.isAvailable() ? "cuda" : "cpu");
  if (device === "cuda") torch.requireCuda("--device cuda");
  torch.applyThreads({ dModel: config.model.dModel, warn: opts.warn });
  const model = failWith(`${runDir}: building its ${config.objective} model on ${device}`, () => createModel(config.objective, config.model, device));
  try {
    failWith(join(ck.dir, MODEL_FILE), () => loadModelWeights(ck.dir, model), EXIT_DAMAGED_INPUT);
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  return { model, config, checkpoint: ck.dir };
}

/** Run `fn`; any error becomes a UserError (exit `code`) whose message starts with `where` unless it already names it. */
function failWith<T>(where: string, fn: () => T, code = 1): T {
  try {
    return fn();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UserError(message.includes(where) ? message : `${where}: ${message}`, code);
  }
}

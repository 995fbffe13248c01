// Load a trained model for inference: a run directory (its newest good checkpoint) or a checkpoint directory.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../torch/index.js";
import { createModel, type ProteinLM } from "../model/index.js";
import { parseTrainConfig, type TrainConfig } from "../train/config.js";
import { readJson } from "../core/files.js";
import { resolveSourceCheckpoint, loadModelWeights } from "../train/state-io.js";
import { UserError } from "../core/errors.js";

export interface LoadedModel {
  model: ProteinLM;
  config: TrainConfig;
  checkpoint: string;
}

/** The model of a run (or checkpoint), in eval mode, on `device` (default: the run's own if available, else cpu). */
export function loadModel(path: string, opts: { device?: string; warn?: (m: string) => void } = {}): LoadedModel {
  const runDir = existsSync(join(path, "config.json")) ? path : join(path, "..", "..");
  if (!existsSync(join(runDir, "config.json"))) throw new UserError(`${path} is not a run or checkpoint directory`);
  const config = parseTrainConfig(readJson(join(runDir, "config.json"), "config.json"));
  const ck = resolveSourceCheckpoint(path, opts.warn ?? (() => {}));
  const device = opts.device ?? (config.device === "cuda" && torch.cuda.isAvailable() ? "cuda" : "cpu");
  const model = createModel(config.objective, config.model, device);
  loadModelWeights(ck.dir, model);
  model.eval();
  return { model, config, checkpoint: ck.dir };
}

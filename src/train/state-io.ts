// Saving and loading the tensor parts of a checkpoint (model weights, AdamW moments) as safetensors, and
// locating the source checkpoint of a transfer. The directory protocol itself is in checkpoint.ts.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeSafetensors, loadSafetensors, dispose, type AdamW, type Tensor } from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { checkCheckpoint, latestGoodCheckpoint, type CheckpointInfo } from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { UserError } from "../core/errors.js";

export const MODEL_FILE = "model.safetensors";
export const OPTIMIZER_FILE = "optimizer.safetensors";
export const STATE_FILE = "state.json";

/** Everything but tensors needed to continue a run exactly. */
export interface TrainState {
  /** optimizer steps completed */
  step: number;
  tokens: number;
  flops: number;
  /** the sampler's state after the last completed step */
  sampler: unknown;
  /** wall seconds spent in earlier processes of this run */
  elapsed: number;
  trainLoss: number;
  objective: string;
  N: number;
}

/** Write model, optimizer and state files into a (temporary) checkpoint directory (`model`: anything with the
 * model's state dict, e.g. the weights --shard full gathered to rank 0; opt null: a sharded checkpoint, whose
 * ranks write the optimizer state themselves: src/train/dist-checkpoint.ts). */
export function writeTrainFiles(dir: string, model: Pick<ProteinLM, "stateDict">, opt: Pick<AdamW, "stateTensors" | "stepCount"> | null, state: TrainState, config: TrainConfig): void {
  const meta = { config: JSON.stringify(config), format: "plmscale-1" };
  writeFileSync(join(dir, MODEL_FILE), encodeSafetensors(model.stateDict(), meta));
  if (opt) writeFileSync(join(dir, OPTIMIZER_FILE), encodeSafetensors(opt.stateTensors(), { stepCount: String(opt.stepCount) }));
  writeFileSync(join(dir, STATE_FILE), JSON.stringify(state, null, 1));
}

export function readState(dir: string): TrainState {
  return JSON.parse(readFileSync(join(dir, STATE_FILE), "utf8")) as TrainState;
}

/**
 * Load weights into `model` (names and shapes must match exactly). `headMayDiffer` (initialising one objective
 * from the other, e.g. an MLM with ESM-2's head from a CLM with the linear head): the LM head's own parameters
 * (head.*) may be absent on either side; the model keeps its fresh ones. Returns the names not loaded.
 */
export function loadModelWeights(dir: string, model: Pick<ProteinLM, "device" | "stateDict" | "loadStateDict">, o: { headMayDiffer?: boolean } = {}): string[] {
  const { tensors } = loadSafetensors(join(dir, MODEL_FILE), { device: model.device });
  try {
    if (!o.headMayDiffer) return model.loadStateDict(tensors, true).missing;
    const own = new Set(model.stateDict().keys());
    const body = [...own].filter((k) => !k.startsWith("head.")).filter((k) => !tensors.has(k));
    const extra = [...tensors.keys()].filter((k) => !own.has(k) && !k.startsWith("head."));
    if (body.length || extra.length) throw new Error(`${join(dir, MODEL_FILE)}: missing [${body.join(", ")}], unexpected [${extra.join(", ")}]`);
    return model.loadStateDict(new Map([...tensors].filter(([k]) => own.has(k))), false).missing;
  } finally {
    dispose([...tensors.values()] as Tensor[]);
  }
}

export function loadOptimizerState(dir: string, opt: Pick<AdamW, "loadStateTensors">, device: string): void {
  const { tensors, metadata } = loadSafetensors(join(dir, OPTIMIZER_FILE), { device });
  try {
    opt.loadStateTensors(tensors, Number(metadata.stepCount ?? 0));
  } finally {
    dispose([...tensors.values()] as Tensor[]);
  }
}

/** A transfer source: a run directory (its newest good checkpoint) or a checkpoint directory. */
export function resolveSourceCheckpoint(from: string, warn: (m: string) => void): CheckpointInfo {
  if (existsSync(join(from, "checkpoints"))) {
    const c = latestGoodCheckpoint(join(from, "checkpoints"), warn);
    if (!c) throw new UserError(`${from} has no usable checkpoint`);
    return c;
  }
  const why = checkCheckpoint(from);
  if (why !== null) throw new UserError(`${from} is not a usable checkpoint: ${why}`);
  return { step: readState(from).step, dir: from };
}

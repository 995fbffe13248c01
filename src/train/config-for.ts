// The one builder of train configs for planned runs (`plan --emit`, every point of a sweep). The planner or
// the sweep decides the run (objective, shape, tokens, batch, peak LR, cadence, device); every other field
// (LR warm-up and floor, AdamW, masking, checkpoints kept, activation, …) is the trainer's own default from
// train/config.ts defaultConfig(), so those defaults have one definition.
import type { Objective } from "../core/objective.js";
import { defaultHeadFor, ESM_VOCAB, type ModelShape } from "../scaling/shape.js";
import type { Plan } from "../scaling/planner.js";
import type { DevicePlan, Strategy } from "../scaling/memory.js";
import { defaultConfig, type ParallelConfig, type TrainConfig } from "./config.js";

/** What a planner or sweep decides about one training run. */
export interface PlannedRun {
  objective: Objective;
  shape: ModelShape;
  context: number;
  /** training tokens D */
  tokens: number;
  batchTokens: number;
  peakLr: number;
  corpus: string;
  evalEverySteps: number;
  evalTokens: number;
  checkpointEverySteps: number;
  device: TrainConfig["device"];
  dtype: TrainConfig["dtype"];
  threads: number;
  seed: number;
}

/** A config file (docs/CONTRACTS.md "Train config"): every key but microBatchRows and init, which the trainer derives. */
export type PlannedConfig = Omit<TrainConfig, "microBatchRows" | "init">;

export function trainConfigFor(r: PlannedRun): PlannedConfig {
  const { microBatchRows: _derived, init: _none, ...d } = defaultConfig();
  const { layers, dModel, heads, ffn, family, activation, bias } = r.shape;
  // a family's block choices travel with its shapes (scaling/shape.ts withFamily); bare shapes are esm2's
  const block = family && family !== "esm2" ? { family, activation: activation ?? d.model.activation, bias: bias ?? d.model.bias } : {};
  return {
    ...d,
    objective: r.objective,
    model: { ...d.model, layers, dModel, heads, ffn, vocab: ESM_VOCAB, context: r.context, head: defaultHeadFor(r.objective), ...block },
    tokens: r.tokens,
    batchTokens: r.batchTokens,
    lr: { ...d.lr, peak: r.peakLr },
    data: { ...d.data, corpus: r.corpus, seed: r.seed },
    eval: { ...d.eval, everySteps: r.evalEverySteps, tokens: r.evalTokens },
    checkpoint: { ...d.checkpoint, everySteps: r.checkpointEverySteps },
    device: r.device,
    dtype: r.dtype,
    threads: r.threads,
    seed: r.seed,
  };
}

export interface EmitOptions {
  corpus?: string;
  device?: "cpu" | "cuda";
  dtype?: "float32" | "bfloat16";
  seed?: number;
  threads?: number;
}

/** The run `plan --emit` describes: the plan's shape, tokens, batch and LR; about 50 evaluations and 20 checkpoints. */
export function plannedRunOf(plan: Plan, o: EmitOptions = {}): PlannedRun {
  const steps = plan.training.steps;
  const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(x)));
  const seed = o.seed ?? defaultConfig().seed;
  return {
    objective: plan.objective,
    shape: plan.shape,
    context: plan.training.context,
    tokens: Math.round(plan.D),
    batchTokens: plan.training.batchTokens,
    peakLr: plan.training.peakLr,
    corpus: o.corpus ?? "corpus",
    evalEverySteps: clamp(steps / 50, 1, 2000),
    // a larger held-out sample for billion-parameter runs, whose loss differences are small
    evalTokens: plan.N >= 1e9 ? 1 << 20 : defaultConfig().eval.tokens,
    checkpointEverySteps: clamp(steps / 20, 1, 10000),
    device: o.device ?? "cuda",
    dtype: o.dtype ?? "bfloat16",
    threads: o.threads ?? 2,
    seed,
  };
}

const SHARD_OF: Record<Strategy, ParallelConfig["shard"]> = { ddp: "none", zero1: "optimizer", full: "full" };

/**
 * What `plan --gpu --gpus --emit` adds to the config from the memory plan's choice: the ranks (one per GPU), the
 * shard mode, activation checkpointing, and the micro-batch the plan fits. Sharded runs write sharded
 * checkpoints (no rank gathers the whole optimizer state); null when no strategy fits.
 */
export function parallelFromMemoryPlan(m: DevicePlan): { parallel: ParallelConfig; microBatchRows: number } | null {
  if (!m.chosen) return null;
  const shard = SHARD_OF[m.chosen.strategy];
  return {
    parallel: { ranks: m.devices, shard, checkpointActivations: m.chosen.checkpointActivations, checkpointFormat: shard === "optimizer" ? "sharded" : "consolidated" },
    microBatchRows: m.microRows,
  };
}

// One optimizer step over a batch (the body of the training loop, shared with bench:train): micro-batches
// whose gradients accumulate — each micro-batch's summed loss is divided by the whole step's loss tokens, so
// the accumulated gradient is exactly the full batch's mean-loss gradient — then the data-parallel hook,
// global-norm clipping, AdamW, and dropping the gradients. One tidy scope per micro-batch.
import * as torch from "../torch/index.js";
import { batchTensors, type ProteinLM } from "../model/index.js";
import { sliceRows, type Batch } from "../data/batch.js";
import { microBatches } from "./schedule.js";
import { checkpointedLossBackward, type UnitHooks } from "./checkpointing.js";

export interface StepOptions {
  microRows: number;
  device: string;
  /** global-norm clip (0 = none) */
  clip: number;
  /** data parallel: loss tokens of the whole global step, of which `batch` is this rank's share */
  globalLossTokens?: number;
  /** data parallel: sums the gradients across ranks in place, with the given scalars; returns the summed scalars */
  reduce?: (scalars: number[]) => number[];
  /** data parallel: this rank wants to stop after this step (summed over ranks, so all stop together) */
  stopRequested?: boolean;
  /** recompute each block in backward from its saved input (src/train/checkpointing.ts) */
  checkpointActivations?: boolean;
  /** ZeRO-1: replaces reduce + clip + AdamW (reduce-scatter, clip by the global norm, update own slice, all-gather) */
  shardedUpdate?: (scalars: number[], clip: number) => { scalars: number[]; gradNorm: number };
  /** --shard full (src/train/fsdp.ts): the checkpointed walk over units with these hooks (gather, reduce-scatter,
   * free); every rank runs `microBatchCount` micro-batches, idle ones included, since each holds collectives */
  units?: UnitHooks;
  microBatchCount?: number;
}

/** Mean loss per loss token of the (global) step, the gradient norm before clipping, and whether any rank asked to stop. */
export function trainStep(model: ProteinLM, opt: { step(): void; zeroGrad(): void }, params: torch.Tensor[], batch: Batch, o: StepOptions): { loss: number; gradNorm: number; stop: boolean } {
  const denom = Math.max(1, o.globalLossTokens ?? batch.lossTokens);
  let lossSum = 0, r0 = 0;
  const plan = microBatches(batch.rows, o.microRows);
  const count = o.units ? Math.max(o.microBatchCount ?? plan.length, plan.length) : plan.length;
  for (let k = 0; k < count; k++) {
    const mr = plan[k] ?? 0;
    const mb = mr > 0 ? sliceRows(batch, r0, mr) : null;
    r0 += mr;
    if (!mb || mb.lossTokens === 0) {
      if (o.units) checkpointedLossBackward(model, null, null, denom, o.device.startsWith("cuda"), o.units); // idle: collectives only
      continue;
    }
    lossSum += torch.tidy(() => {
      const { inputs, target } = batchTensors(mb, o.device, model.causal);
      if (o.units || o.checkpointActivations) return checkpointedLossBackward(model, inputs, target, denom, o.device.startsWith("cuda"), o.units);
      const fwd = () => model.lossSum(inputs, target);
      const l = o.device.startsWith("cuda") ? torch.autocast(fwd, "bfloat16") : fwd();
      l.div(denom).backward();
      return l.item();
    });
  }
  const scalars = [lossSum, o.stopRequested ? 1 : 0];
  if (o.shardedUpdate) {
    const r = o.shardedUpdate(scalars, o.clip > 0 ? o.clip : Infinity);
    return { loss: r.scalars[0]! / denom, gradNorm: r.gradNorm, stop: r.scalars[1]! > 0 };
  }
  const summed = o.reduce ? o.reduce(scalars) : scalars;
  const gradNorm = torch.clipGradNorm(params, o.clip > 0 ? o.clip : Infinity);
  opt.step();
  opt.zeroGrad();
  return { loss: summed[0]! / denom, gradNorm, stop: summed[1]! > 0 };
}

/** AdamW parameter groups: decay on matrices (incl. the tied embedding), none on biases and LayerNorms. */
export function decayGroups(model: ProteinLM, weightDecay: number): { params: torch.Tensor[]; weightDecay: number }[] {
  const decay: torch.Tensor[] = [], none: torch.Tensor[] = [];
  for (const [, p] of model.namedParameters()) (p.ndim >= 2 ? decay : none).push(p);
  return [{ params: decay, weightDecay }, { params: none, weightDecay: 0 }];
}

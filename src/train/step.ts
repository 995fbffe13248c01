// One optimizer step over a batch (the body of the training loop, shared with bench:train): micro-batches
// whose gradients accumulate — each micro-batch's summed loss is divided by the whole step's loss tokens, so
// the accumulated gradient is exactly the full batch's mean-loss gradient — then the strategy's update
// (reduce across ranks, global-norm clipping, AdamW, dropping the gradients). One tidy scope per micro-batch.
// The strategy (src/train/strategy.ts) decides how a micro-batch runs and how the update is made; this file
// knows only the order of the parts.
import * as torch from "../torch/index.js";
import { batchTensors, type ProteinLM } from "../model/index.js";
import { sliceRows, type Batch } from "../data/batch.js";
import { microBatches } from "./schedule.js";
import { checkpointedLossBackward, type UnitHooks } from "./checkpointing.js";

/** The parts of a TrainStrategy one step uses. */
export interface StepParts {
  /** micro-batches this rank runs for its `rows` of a step (ZeRO-3: as many as the busiest rank) */
  microBatchCount(rows: number, globalRows: number, microRows: number): number;
  /** forward + backward of one micro-batch (null: an idle pass); its summed loss */
  microStep(mb: Batch | null, denom: number): number;
  /** scalars summed across ranks, clip by the global norm, AdamW, gradients dropped; the norm before clipping */
  update(scalars: number[], clip: number): { scalars: number[]; gradNorm: number };
}

export interface StepRun {
  microRows: number;
  /** global-norm clip (0 = none) */
  clip: number;
  /** data parallel: loss tokens and rows of the whole global step, of which `batch` is this rank's share */
  globalLossTokens?: number;
  globalRows?: number;
  /** this rank wants to stop after this step (summed over ranks, so all stop together) */
  stopRequested?: boolean;
}

/** Mean loss per loss token of the (global) step, the gradient norm before clipping, and whether any rank asked to stop. */
export function runStep(s: StepParts, batch: Batch, o: StepRun): { loss: number; gradNorm: number; stop: boolean } {
  const denom = Math.max(1, o.globalLossTokens ?? batch.lossTokens);
  let lossSum = 0, r0 = 0;
  const plan = microBatches(batch.rows, o.microRows);
  const count = Math.max(s.microBatchCount(batch.rows, o.globalRows ?? batch.rows, o.microRows), plan.length);
  for (let k = 0; k < count; k++) {
    const mr = plan[k] ?? 0;
    lossSum += s.microStep(mr > 0 ? sliceRows(batch, r0, mr) : null, denom);
    r0 += mr;
  }
  const r = s.update([lossSum, o.stopRequested ? 1 : 0], o.clip > 0 ? o.clip : Infinity);
  return { loss: r.scalars[0]! / denom, gradNorm: r.gradNorm, stop: r.scalars[1]! > 0 };
}

/** How a micro-batch's forward and backward run: bf16 autocast or not, checkpointed per block or not, and
 * the unit hooks of --shard full. */
export interface MicroStepMode {
  device: string;
  /** run the forward under bf16 autocast */
  autocast: boolean;
  checkpointActivations?: boolean;
  units?: UnitHooks;
}

/** Forward + backward of one micro-batch (gradient of its summed loss / denom accumulated); its summed loss.
 * A missing or loss-free micro-batch does nothing, except the hook calls of an idle pass under `units`. */
export function microLossBackward(model: ProteinLM, mb: Batch | null, denom: number, m: MicroStepMode): number {
  if (!mb || mb.lossTokens === 0) {
    if (m.units) checkpointedLossBackward(model, null, null, denom, m.autocast, m.units); // idle: collectives only
    return 0;
  }
  return torch.tidy(() => {
    const { inputs, target } = batchTensors(mb, m.device, model.causal);
    if (m.units || m.checkpointActivations) return checkpointedLossBackward(model, inputs, target, denom, m.autocast, m.units);
    const fwd = () => model.lossSum(inputs, target);
    const l = m.autocast ? torch.autocast(fwd, "bfloat16") : fwd();
    l.div(denom).backward();
    return l.item();
  });
}

/** Options of trainStep, the step with a plain optimizer and hand-wired parts (bench:train, tests). */
export interface StepOptions {
  microRows: number;
  device: string;
  clip: number;
  globalLossTokens?: number;
  /** sums the gradients across ranks in place, with the given scalars; returns the summed scalars */
  reduce?: (scalars: number[]) => number[];
  stopRequested?: boolean;
  checkpointActivations?: boolean;
  /** replaces reduce + clip + AdamW (ZeRO-1 / ZeRO-3 update) */
  shardedUpdate?: (scalars: number[], clip: number) => { scalars: number[]; gradNorm: number };
  /** the unit walk of --shard full; every rank runs `microBatchCount` micro-batches */
  units?: UnitHooks;
  microBatchCount?: number;
}

/** One step from hand-wired parts (the training loop uses a TrainStrategy instead; see runStep). */
export function trainStep(model: ProteinLM, opt: { step?(): void; zeroGrad(): void }, params: torch.Tensor[], batch: Batch, o: StepOptions): { loss: number; gradNorm: number; stop: boolean } {
  const mode: MicroStepMode = { device: o.device, autocast: o.device.startsWith("cuda"), checkpointActivations: o.checkpointActivations, units: o.units };
  return runStep({
    microBatchCount: (rows, _g, micro) => (o.units ? o.microBatchCount ?? 0 : microBatches(rows, micro).length),
    microStep: (mb, denom) => microLossBackward(model, mb, denom, mode),
    update: o.shardedUpdate ?? ((scalars, clip) => {
      const summed = o.reduce ? o.reduce(scalars) : scalars;
      const gradNorm = torch.clipGradNorm(params, clip);
      opt.step!();
      opt.zeroGrad();
      return { scalars: summed, gradNorm };
    }),
  }, batch, o);
}

/** AdamW parameter groups: decay on matrices (incl. the tied embedding), none on biases and LayerNorms. */
export function decayGroups(model: ProteinLM, weightDecay: number): { params: torch.Tensor[]; weightDecay: number }[] {
  const decay: torch.Tensor[] = [], none: torch.Tensor[] = [];
  for (const [, p] of model.namedParameters()) (p.ndim >= 2 ? decay : none).push(p);
  return [{ params: decay, weightDecay }, { params: none, weightDecay: 0 }];
}

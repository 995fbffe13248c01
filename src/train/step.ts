// One optimizer step over a batch (the body of the training loop, shared with bench:train): micro-batches
// whose gradients accumulate — each micro-batch's summed loss is divided by the whole step's loss tokens, so
// the accumulated gradient is exactly the full batch's mean-loss gradient — then the data-parallel hook,
// global-norm clipping, AdamW, and dropping the gradients. One tidy scope per micro-batch.
import * as torch from "../torch/index.js";
import { batchTensors, type ProteinLM } from "../model/index.js";
import { sliceRows, type Batch } from "../data/batch.js";
import { microBatches } from "./schedule.js";

export interface StepOptions {
  microRows: number;
  device: string;
  /** global-norm clip (0 = none) */
  clip: number;
  /** averages gradients across ranks in place (world size > 1) */
  allReduce?: (grads: torch.Tensor[]) => void;
}

/** Mean loss per loss token of the step and the gradient norm before clipping. */
export function trainStep(model: ProteinLM, opt: torch.AdamW, params: torch.Tensor[], batch: Batch, o: StepOptions): { loss: number; gradNorm: number } {
  const denom = Math.max(1, batch.lossTokens);
  let lossSum = 0, r0 = 0;
  for (const mr of microBatches(batch.rows, o.microRows)) {
    const mb = sliceRows(batch, r0, mr);
    r0 += mr;
    if (mb.lossTokens === 0) continue;
    lossSum += torch.tidy(() => {
      const { inputs, target } = batchTensors(mb, o.device, model.causal);
      const fwd = () => model.lossSum(inputs, target);
      const l = o.device === "cuda" ? torch.autocast(fwd, "bfloat16") : fwd();
      l.div(denom).backward();
      return l.item();
    });
  }
  if (o.allReduce) torch.tidy(() => o.allReduce!(params.map((p) => p.grad).filter((g): g is torch.Tensor => g !== null)));
  const gradNorm = torch.clipGradNorm(params, o.clip > 0 ? o.clip : Infinity);
  opt.step();
  opt.zeroGrad();
  return { loss: lossSum / denom, gradNorm };
}

/** AdamW parameter groups: decay on matrices (incl. the tied embedding), none on biases and LayerNorms. */
export function decayGroups(model: ProteinLM, weightDecay: number): { params: torch.Tensor[]; weightDecay: number }[] {
  const decay: torch.Tensor[] = [], none: torch.Tensor[] = [];
  for (const [, p] of model.namedParameters()) (p.ndim >= 2 ? decay : none).push(p);
  return [{ params: decay, weightDecay }, { params: none, weightDecay: 0 }];
}

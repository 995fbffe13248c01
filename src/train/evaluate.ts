// Validation loss during training: mean loss per loss token over fixed batches, without gradients, from every
// rank of a data-parallel job (rank r of W scores batches r, r+W, … and the sums are added across ranks).
import * as torch from "../torch/index.js";
import { batchTensors, type ProteinLM } from "../model/index.js";
import { sliceRows, type Batch } from "../data/batch.js";
import { microBatches } from "./schedule.js";
import { blockwiseLossSum, type UnitHooks } from "./checkpointing.js";
import type { DistOptions } from "./ddp.js";

/** Mean loss per loss token over fixed batches, without gradients (data parallel: rank r of W scores batches
 * r, r+W, … and the sums are added across ranks). With `units` (--shard full) blocks are gathered one at a time
 * and every rank runs as many forward passes as the busiest rank (idle ones hold only the collectives).
 * `autocast`: the forward under bf16 autocast (default: on CUDA). */
export function evaluate(
  model: ProteinLM, batches: Batch[], device: string, microRows: number, dist?: DistOptions, units?: UnitHooks, autocast = device.startsWith("cuda"),
): number {
  const W = dist?.group.worldSize ?? 1, rank = dist?.group.rank ?? 0;
  const share = (r: number) => batches.filter((_, i) => i % W === r);
  const passes = (bs: Batch[]) => bs.reduce((a, b) => a + microBatches(b.rows, microRows).length, 0);
  const most = units ? Math.max(...Array.from({ length: W }, (_, r) => passes(share(r)))) : 0;
  const { sum, count } = evaluateSums(model, share(rank), device, microRows, autocast, units, most);
  if (!dist || W === 1) return count > 0 ? sum / count : NaN;
  const t = torch.tensor(new Float64Array([sum, count]));
  try {
    dist.group.allReduce(t, "sum");
    const [s, c] = t.data() as Float64Array;
    return c! > 0 ? s! / c! : NaN;
  } finally {
    t.dispose();
  }
}

function evaluateSums(model: ProteinLM, batches: Batch[], device: string, microRows: number, autocast: boolean, units?: UnitHooks, passes = 0): { sum: number; count: number } {
  const wasTraining = model.training;
  model.eval();
  let sum = 0, count = 0, done = 0;
  try {
    torch.noGrad(() => {
      for (const b of batches) {
        for (let r = 0; r < b.rows; r += microRows) {
          const mb = sliceRows(b, r, Math.min(microRows, b.rows - r));
          done++;
          if (mb.lossTokens === 0) {
            if (units) blockwiseLossSum(model, null, null, autocast, units);
            continue;
          }
          sum += torch.tidy(() => {
            const { inputs, target } = batchTensors(mb, device, model.causal);
            if (units) return blockwiseLossSum(model, inputs, target, autocast, units);
            const run = () => model.lossSum(inputs, target).item();
            return autocast ? torch.autocast(run, "bfloat16") : run();
          });
          count += mb.lossTokens;
        }
      }
      for (; done < passes; done++) if (units) blockwiseLossSum(model, null, null, autocast, units);
    });
  } finally {
    model.train(wasTraining);
  }
  return { sum, count };
}

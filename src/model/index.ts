// Model construction by objective and the Batch → tensor conversion both families use.
import { tensor, type Tensor } from "../torch/index.js";
import { MlmEncoder } from "./mlm.js";
import { ClmDecoder } from "./clm.js";
import { ProteinLM, type ModelInputs } from "./transformer.js";
import { attentionMask, segmentSpans, singleSequenceRows } from "./mask.js";
import type { ModelConfig } from "./config.js";
import type { Objective } from "../core/objective.js";
import type { Batch } from "../data/batch.js";
import { IGNORE } from "../data/tokenizer.js";

export { ProteinLM, MlmEncoder, ClmDecoder, type ModelInputs };

export function createModel(objective: Objective, cfg: ModelConfig, device = "cpu"): ProteinLM {
  return objective === "mlm" ? new MlmEncoder(cfg, device) : new ClmDecoder(cfg, device);
}

/**
 * Device tensors for a batch: ids and positions [B, T] int64, how tokens attend, targets [B*T] int64. Packed
 * rows attend within each sequence: on the CPU by segment spans (src/model/span-attention.ts; no mask is built,
 * and the masked scores are never computed), elsewhere by the segment mask. PLMSCALE_SPAN_ATTENTION=0 keeps
 * the mask on the CPU too (benchmarks compare the two).
 */
export function batchTensors(b: Batch, device: string, causal: boolean): { inputs: ModelInputs; target: Tensor } {
  const shape = [b.rows, b.context];
  const spans = device === "cpu" && process.env.PLMSCALE_SPAN_ATTENTION !== "0" && !singleSequenceRows(b.segment) ? segmentSpans(b.segment, b.rows, b.context) : null;
  return {
    inputs: {
      input: tensor(b.input, shape, { dtype: "int64", device }),
      position: tensor(b.position, shape, { dtype: "int64", device }),
      mask: spans ?? attentionMask(b.segment, b.rows, b.context, causal, device),
      targetRows: sparseTargetRows(b.target, device),
    },
    target: tensor(b.target, [b.rows * b.context], { dtype: "int64", device }),
  };
}

/** Flat positions that have a target, as int64 [n], when at most half do (MLM); else null (CLM: nearly all). */
export function sparseTargetRows(target: Int32Array, device: string): Tensor | null {
  let n = 0;
  for (const t of target) if (t !== IGNORE) n++;
  if (n === 0 || 2 * n > target.length) return null;
  const rows = new Int32Array(n);
  for (let i = 0, j = 0; i < target.length; i++) if (target[i] !== IGNORE) rows[j++] = i;
  return tensor(rows, [n], { dtype: "int64", device });
}

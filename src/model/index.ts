// Model construction by objective and the Batch → tensor conversion both families use.
import { tensor, type Tensor } from "../torch/index.js";
import { MlmEncoder } from "./mlm.js";
import { ClmDecoder } from "./clm.js";
import { ProteinLM, type ModelInputs } from "./transformer.js";
import { attentionMask } from "./mask.js";
import type { ModelConfig, Objective } from "../train/config.js";
import type { Batch } from "../data/batch.js";

export { ProteinLM, MlmEncoder, ClmDecoder, type ModelInputs };

export function createModel(objective: Objective, cfg: ModelConfig, device = "cpu"): ProteinLM {
  return objective === "mlm" ? new MlmEncoder(cfg, device) : new ClmDecoder(cfg, device);
}

/** Device tensors for a batch: ids and positions [B, T] int64, the segment mask, targets [B*T] int64. */
export function batchTensors(b: Batch, device: string, causal: boolean): { inputs: ModelInputs; target: Tensor } {
  const shape = [b.rows, b.context];
  return {
    inputs: {
      input: tensor(b.input, shape, { dtype: "int64", device }),
      position: tensor(b.position, shape, { dtype: "int64", device }),
      mask: attentionMask(b.segment, b.rows, b.context, causal, device),
    },
    target: tensor(b.target, [b.rows * b.context], { dtype: "int64", device }),
  };
}

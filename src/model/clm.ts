// The causal-language-model decoder (ProGen2-like use): the same blocks and head as the MLM encoder with a
// causal mask, predicting token t+1 from tokens ≤ t inside each sequence (Batch.target[t] = input[t+1]).
// Because only the mask differs, a CLM checkpoint initialises an MLM one to one and back (transfer).
import { ProteinLM } from "./transformer.js";
import type { ModelConfig } from "./config.js";

export class ClmDecoder extends ProteinLM {
  constructor(cfg: ModelConfig, device = "cpu") {
    super(cfg, true, device);
  }
}

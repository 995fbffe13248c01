// The masked-language-model encoder, ESM-2's architecture (Lin et al. 2023): bidirectional attention within
// each sequence, trained to predict the masked residues (15%, 80/10/10 — the masking is done by the sampler,
// so Batch.input arrives masked and Batch.target holds the original ids at masked positions only).
// Weights export to Hugging Face EsmForMaskedLM by the rename table in src/interop/names.ts.
import { ProteinLM } from "./transformer.js";
import type { ModelConfig } from "./config.js";

export class MlmEncoder extends ProteinLM {
  constructor(cfg: ModelConfig, device = "cpu") {
    super(cfg, false, device);
  }
}

// The model's hyper-parameters, as stored under "model" in a run's config.json (docs/CONTRACTS.md "Train
// config"). The model layer owns this contract; the trainer's config embeds it.
import type { LmHeadKind } from "../scaling/shape.js";
import type { FamilyName } from "../scaling/families.js";

export interface ModelConfig {
  layers: number;
  dModel: number;
  heads: number;
  /** feed-forward width */
  ffn: number;
  vocab: number;
  /** tokens per sequence (rows are padded or cropped to it) */
  context: number;
  activation: "gelu" | "swiglu";
  bias: boolean;
  dropout: number;
  /** ESM-2's token dropout (embeddings of <mask> zeroed, the rest scaled by (1 − 0.15·0.8)/(1 − observed mask
   *  ratio of the sequence), in training and inference alike); absent = false */
  tokenDropout?: boolean;
  /** LM head (scaling/shape.ts LmHeadKind): "esm" (ESM-2's) or "linear" (GPT-NeoX's tied decoder, the
   *  default of new CLM runs: it exports to transformers); absent = "esm" (runs stored before the choice) */
  head?: LmHeadKind;
  /** the model family (scaling/families.ts): "esm2" (LayerNorm blocks) or "llama" (RMSNorm blocks); absent =
   *  "esm2" (runs stored before the choice). activation and bias are chosen apart (the family gives defaults). */
  family?: FamilyName;
}

// The model's hyper-parameters, as stored under "model" in a run's config.json (docs/CONTRACTS.md "Train
// config"). The model layer owns this contract; the trainer's config embeds it.

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
  /** LM head: "esm" (dense → GELU → LayerNorm → tied decoder + bias, ESM-2's) or "linear" (tied decoder only,
   *  GPT-NeoX's; the CLM head that exports to transformers); absent = "esm" */
  head?: "esm" | "linear";
}

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
}

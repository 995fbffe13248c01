// The model layer's half of a family descriptor (the pure half, names, shapes and counts, is
// src/scaling/families.ts): the modules a family's block is built of. A config without `family` is esm2.
import { nn } from "../torch/index.js";
import { blockOf, LAYER_NORM_EPS, RMS_NORM_EPS, unitOfParam, type NormKind } from "../scaling/families.js";
import type { ModelConfig } from "./config.js";
import type { BlockShape } from "./block.js";

export type Norm = nn.LayerNorm | nn.RMSNorm;

/** A block or final norm of the given kind: LayerNorm with weight and bias (ESM-2's), or RMSNorm (LLaMA's). */
export function makeNorm(kind: NormKind, d: number, device: string): Norm {
  return kind === "layernorm" ? new nn.LayerNorm(d, LAYER_NORM_EPS, true, true, { device }) : new nn.RMSNorm(d, RMS_NORM_EPS, { device });
}

/** The block's shape and choices for a model config. */
export function blockShapeOf(cfg: ModelConfig, device: string): BlockShape {
  const b = blockOf(cfg);
  return { dModel: cfg.dModel, heads: cfg.heads, ffn: cfg.ffn, activation: b.activation, bias: b.bias, norm: b.norm, dropout: cfg.dropout, device };
}

/** The checkpointing / ZeRO-3 unit of a parameter name: its block index, or "root". */
export const unitOf = unitOfParam;

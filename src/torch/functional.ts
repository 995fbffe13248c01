// F: neural-network functions over fused libtorch schemas (one boxed call each where the schema exists).
// scaledDotProductAttention probes for the fused schema and falls back to a TS composite (libtorch 1.13).
// Each function calls one typed wrapper generated from src/torch/schemas.txt (generated/ops.ts).
import { hasOp } from "./ops.js";
import type { Tensor } from "./tensor.js";
import { full } from "./create.js";
import * as A from "./generated/ops.js";
import { blockCausalAttention, causalBlockCount } from "./causal-blocks.js";

const REDUCTION = { none: 0, mean: 1, sum: 2 } as const;
export type Reduction = keyof typeof REDUCTION;

/** y = x Wᵀ + b;  x [..., in], weight [out, in], bias [out] → [..., out] */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return A.linear(x, weight, bias ?? null);
}

/** LayerNorm over the trailing dims `normalizedShape` (aten::layer_norm). */
export function layerNorm(x: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return A.layerNorm(x, normalizedShape, weight ?? null, bias ?? null, eps);
}

/**
 * RMSNorm (Zhang & Sennrich 2019) over the last dim: x / √(mean(x²) + eps) · weight. libtorch 1.13 has no
 * rms_norm op, so this is a composite of ATen ops; the statistic is taken in float32 and the normalised x cast
 * back to x's dtype before the weight multiplies it (as transformers' LlamaRMSNorm).
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): Tensor {
  const x32 = x.dtype === "float32" ? x : x.to("float32");
  const sq = x32.square(), ms = sq.mean(-1, true), den = ms.add(eps), inv = den.rsqrt(), y32 = x32.mul(inv);
  for (const t of [sq, ms, den, inv]) t.dispose();
  if (x32 !== x) x32.dispose();
  const y = y32.dtype === x.dtype ? y32 : y32.to(x.dtype);
  if (y !== y32) y32.dispose();
  const out = y.mul(weight);
  y.dispose();
  return out;
}

export function gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  return A.gelu(x, approximate);
}
export function silu(x: Tensor): Tensor {
  return A.silu(x);
}
export function relu(x: Tensor): Tensor {
  return A.relu(x);
}
export function softmax(x: Tensor, dim: number): Tensor {
  return A.softmaxInt(x, dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return A.logSoftmaxInt(x, dim);
}

export interface CrossEntropyOptions {
  /** targets equal to this id contribute no loss (default -100, the project's ignored target id) */
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
  weight?: Tensor | null;
}

/** Cross entropy of logits [N, C] (or [N, C, d…]) against int64 class ids [N] (aten::cross_entropy_loss). */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const red = REDUCTION[opts.reduction ?? "mean"];
  if (red === undefined) throw new TypeError(`crossEntropy: reduction must be none, mean or sum (got ${opts.reduction})`);
  return A.crossEntropyLoss(logits, target, opts.weight ?? null, red, opts.ignoreIndex ?? -100, opts.labelSmoothing ?? 0);
}

export function mseLoss(x: Tensor, y: Tensor, reduction: Reduction = "mean"): Tensor {
  return A.mseLoss(x, y, REDUCTION[reduction]);
}

/** Rows of weight [V, D] selected by int ids [...] → [..., D]. paddingIdx rows get no gradient. */
export function embedding(weight: Tensor, ids: Tensor, paddingIdx = -1): Tensor {
  return A.embedding(weight, ids, paddingIdx);
}

/** Inverted dropout; identity when training is false. */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability must be in [0, 1], got ${p}`);
  return A.dropout(x, p, training);
}

export interface AttentionOptions {
  /** boolean mask (true = may attend) or additive float mask, broadcastable to [B, H, Tq, Tk] */
  mask?: Tensor | null;
  causal?: boolean;
  /** attention dropout probability (apply only in training) */
  dropout?: number;
  /** default 1/sqrt(head dim) */
  scale?: number;
  /** causal self-attention on the CPU in this many query blocks, skipping the masked upper triangle
   *  (default: causalBlockCount(T), 1 = one call over the full square); see causal-blocks.ts */
  causalBlocks?: number;
}

export type AttentionImpl = "fused" | "fused-1.13" | "composite";

/**
 * Which implementation F.scaledDotProductAttention uses on this libtorch, by probing schemas:
 * "fused" = aten::scaled_dot_product_attention (PyTorch ≥ 2.0); "fused-1.13" = 1.13's private
 * aten::_scaled_dot_product_attention (one boxed call, no `scale` argument); else the TS composite.
 */
export function attentionImpl(): AttentionImpl {
  if (hasOp("scaled_dot_product_attention")) return "fused";
  if (hasOp("_scaled_dot_product_attention")) return "fused-1.13";
  return "composite";
}

/**
 * softmax(q kᵀ · scale + mask) v.  q [B, H, Tq, Dh], k/v [B, H, Tk, Dh] → [B, H, Tq, Dh].
 * Uses the fused schema when this libtorch has it (PyTorch ≥ 2.0), else the composite below.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const impl = attentionImpl();
  const mask = opts.mask ?? null;
  if (opts.mask && opts.causal) return compositeAttention(q, k, v, opts); // fused ops reject mask + is_causal
  if (opts.causal && !mask && !(opts.dropout && opts.dropout > 0) && impl !== "fused" && q.device === "cpu") {
    // 1.13 and the composite compute the full square; PyTorch ≥ 2's CPU kernel already skips masked blocks
    const blocks = opts.causalBlocks ?? causalBlockCount(q.size(-2), k.size(-2));
    if (blocks > 1) {
      return blockCausalAttention(q, k, v, blocks, (qi, ki, vi, m) => scaledDotProductAttention(qi, ki, vi, { mask: m, scale: opts.scale }));
    }
  }
  if (impl === "fused") {
    return A.scaledDotProductAttention(q, k, v, mask, opts.dropout ?? 0, opts.causal ?? false, opts.scale ?? null);
  }
  if (impl === "fused-1.13" && opts.scale === undefined) {
    const [out, weights] = A._scaledDotProductAttention(q, k, v, mask, opts.dropout ?? 0, false, opts.causal ?? false);
    weights?.dispose(); // need_attn_weights=false: normally undefined (null)
    if (!out) throw new Error("aten::_scaled_dot_product_attention returned no output");
    return out;
  }
  return compositeAttention(q, k, v, opts);
}

/** The composite attention (used where the fused schema is missing; also the reference in parity tests). */
export function compositeAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const dh = q.size(-1);
  const scale = opts.scale ?? 1 / Math.sqrt(dh);
  const kt = k.transpose(-2, -1); // [B, H, Dh, Tk]
  const raw = q.matmul(kt); // [B, H, Tq, Tk]
  kt.dispose();
  let scores = raw.mul(scale);
  raw.dispose();
  const tq = q.size(-2), tk = k.size(-2);
  if (opts.causal) {
    // position i attends to j <= i (top-left aligned, as PyTorch's is_causal)
    const ones = full([tq, tk], true, { dtype: "bool", device: q.device });
    const keepMask = ones.tril();
    ones.dispose();
    const s2 = applyBoolMask(scores, keepMask);
    keepMask.dispose();
    scores.dispose();
    scores = s2;
  }
  if (opts.mask) {
    const s2 = opts.mask.dtype === "bool" ? applyBoolMask(scores, opts.mask) : scores.add(opts.mask);
    scores.dispose();
    scores = s2;
  }
  let probs = scores.softmax(-1);
  scores.dispose();
  if (opts.dropout && opts.dropout > 0) {
    const p2 = dropout(probs, opts.dropout, true);
    probs.dispose();
    probs = p2;
  }
  const out = probs.matmul(v); // [B, H, Tq, Dh]
  probs.dispose();
  return out;
}

function applyBoolMask(scores: Tensor, keepMask: Tensor): Tensor {
  const drop = keepMask.logicalNot();
  const out = scores.maskedFill(drop, -Infinity);
  drop.dispose();
  return out;
}

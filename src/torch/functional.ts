// F: neural-network functions over fused libtorch schemas (one boxed call each where the schema exists).
// scaledDotProductAttention probes for the fused schema and falls back to a TS composite (libtorch 1.13).
import { op, hasOp } from "./ops.js";
import { Tensor } from "./tensor.js";
import { full } from "./create.js";

const O = {
  linear: op("linear"), layerNorm: op("layer_norm"), gelu: op("gelu"), silu: op("silu"), relu: op("relu"),
  softmax: op("softmax", "int"), logSoftmax: op("log_softmax", "int"), crossEntropy: op("cross_entropy_loss"),
  embedding: op("embedding"), dropout: op("dropout"), sdpa: op("scaled_dot_product_attention"),
  sdpa113: op("_scaled_dot_product_attention"), nll: op("nll_loss_nd"), mse: op("mse_loss"),
};

const REDUCTION = { none: 0, mean: 1, sum: 2 } as const;
export type Reduction = keyof typeof REDUCTION;

/** y = x Wᵀ + b;  x [..., in], weight [out, in], bias [out] → [..., out] */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return new Tensor(O.linear(x.handle, weight.handle, bias ? bias.handle : null));
}

/** LayerNorm over the trailing dims `normalizedShape` (aten::layer_norm). */
export function layerNorm(x: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return new Tensor(O.layerNorm(x.handle, normalizedShape, weight ? weight.handle : null, bias ? bias.handle : null, eps));
}

export function gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  return new Tensor(O.gelu(x.handle, approximate));
}
export function silu(x: Tensor): Tensor {
  return new Tensor(O.silu(x.handle));
}
export function relu(x: Tensor): Tensor {
  return new Tensor(O.relu(x.handle));
}
export function softmax(x: Tensor, dim: number): Tensor {
  return new Tensor(O.softmax(x.handle, dim, null));
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return new Tensor(O.logSoftmax(x.handle, dim, null));
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
  return new Tensor(
    O.crossEntropy(logits.handle, target.handle, opts.weight ? opts.weight.handle : null, red, opts.ignoreIndex ?? -100, opts.labelSmoothing ?? 0),
  );
}

export function mseLoss(x: Tensor, y: Tensor, reduction: Reduction = "mean"): Tensor {
  return new Tensor(O.mse(x.handle, y.handle, REDUCTION[reduction]));
}

/** Rows of weight [V, D] selected by int ids [...] → [..., D]. paddingIdx rows get no gradient. */
export function embedding(weight: Tensor, ids: Tensor, paddingIdx = -1): Tensor {
  return new Tensor(O.embedding(weight.handle, ids.handle, paddingIdx, false, false));
}

/** Inverted dropout; identity when training is false. */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability must be in [0, 1], got ${p}`);
  return new Tensor(O.dropout(x.handle, p, training));
}

export interface AttentionOptions {
  /** boolean mask (true = may attend) or additive float mask, broadcastable to [B, H, Tq, Tk] */
  mask?: Tensor | null;
  causal?: boolean;
  /** attention dropout probability (apply only in training) */
  dropout?: number;
  /** default 1/sqrt(head dim) */
  scale?: number;
}

export type AttentionImpl = "fused" | "composite";

/** Which implementation F.scaledDotProductAttention uses on this libtorch ("fused" = aten::scaled_dot_product_attention). */
export function attentionImpl(): AttentionImpl {
  return hasOp("scaled_dot_product_attention") ? "fused" : "composite";
}

/**
 * softmax(q kᵀ · scale + mask) v.  q [B, H, Tq, Dh], k/v [B, H, Tk, Dh] → [B, H, Tq, Dh].
 * Uses the fused schema when this libtorch has it (PyTorch ≥ 2.0), else the composite below.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  if (attentionImpl() === "fused") {
    if (opts.mask && opts.causal) return compositeAttention(q, k, v, opts);  // the fused op rejects mask + is_causal
    return new Tensor(O.sdpa(q.handle, k.handle, v.handle, opts.mask ? opts.mask.handle : null, opts.dropout ?? 0, opts.causal ?? false, opts.scale ?? null));
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

// The pre-norm transformer block shared by the MLM encoder and the CLM decoder (ESM-2's layout; the llama
// family swaps the LayerNorms for RMSNorms, src/model/families.ts):
//   x ← x + Wo·Attn(RoPE(q), RoPE(k), v),  [q k v] = Wqkv·LN₁(x)
//   x ← x + W₂·act(W₁·LN₂(x))               act = GELU, or SwiGLU (W₁ then holds gate and value halves)
// q, k and v come from one fused projection (one matmul instead of three); export to Hugging Face's
// separate query/key/value splits it (src/interop/names.ts). Attention goes through the engine's
// scaledDotProductAttention: the fused kernel where the libtorch has it, a composite otherwise. Given an
// `attentionSink`, attention takes the explicit path instead and pushes its weights (for contact maps).
import { F, nn, Tensor, tidy, keep, full } from "../torch/index.js";
import { applyRotary, type RotaryTables } from "./rotary.js";
import { spanAttention } from "./span-attention.js";
import type { SegmentSpans } from "./mask.js";
import { makeNorm, type Norm } from "./families.js";
import type { NormKind } from "../scaling/families.js";

/** How queries may attend: a mask [B, 1, T, T] (boolean, or additive float), spans of packed rows, or null
 *  (every row one sequence: all keys, or the earlier ones for a causal model). */
export type AttentionLayout = Tensor | SegmentSpans | null;

export interface BlockShape {
  dModel: number;
  heads: number;
  ffn: number;
  activation: "gelu" | "swiglu";
  bias: boolean;
  norm: NormKind;
  dropout: number;
  /** where the parameters are created */
  device: string;
}

export class Attention extends nn.Module {
  readonly qkv: nn.Linear;
  readonly out: nn.Linear;
  constructor(readonly s: BlockShape) {
    super();
    this.qkv = this.registerModule("qkv", new nn.Linear(s.dModel, 3 * s.dModel, s.bias, { device: s.device }));
    this.out = this.registerModule("out", new nn.Linear(s.dModel, s.dModel, s.bias, { device: s.device }));
  }

  /** x [B, T, D] → [B, T, D]; with a sink, the explicit path also pushes the weights [B, H, T, T] (kept). */
  forward(x: Tensor, rope: RotaryTables, layout: AttentionLayout, causal: boolean, attentionSink?: Tensor[]): Tensor {
    return tidy(() => {
      const [B, T, D] = x.shape as [number, number, number];
      const H = this.s.heads, Dh = D / H;
      const qkv = this.qkv.forward(x).view(B, T, 3, H, Dh).permute(2, 0, 3, 1, 4); // [3, B, H, T, Dh]
      // split/unbind rather than narrow/select: their backward concatenates the pieces' gradients, where
      // narrow's and select's each zero-fill a tensor of the whole input's size first
      const [qkIn, vIn] = qkv.splitWithSizes([2, 1], 0) as [Tensor, Tensor];
      const [q, k] = applyRotary(qkIn, rope).unbind(0) as [Tensor, Tensor]; // rotated together; [B, H, T, Dh] each
      const v = vIn.squeeze(0);
      const p = this.training ? this.s.dropout : 0;
      // a mask already encodes causality for packed rows; unmasked rows use the kernel's causal flag
      let a: Tensor;
      if (layout !== null && !(layout instanceof Tensor)) {
        if (attentionSink) throw new Error("attention weights need the dense mask: build the inputs with attentionMask, not segment spans");
        a = spanAttention(q, k, v, layout, causal, p); // [B, H, T, Dh]
      } else if (attentionSink) {
        const probs = explicitAttentionWeights(q, k, layout, causal); // [B, H, T, T]
        a = probs.matmul(v);
        attentionSink.push(keep(probs));
      } else a = F.scaledDotProductAttention(q, k, v, { mask: layout, causal: causal && !layout, dropout: p }); // [B, H, T, Dh]
      const merged = a.transpose(1, 2).reshape(B, T, D); // [B, T, D]
      return this.out.forward(merged);
    });
  }
}

/** softmax(q kᵀ / √Dh) over the allowed keys (boolean mask, true = may attend; causal: key ≤ query). */
export function explicitAttentionWeights(q: Tensor, k: Tensor, mask: Tensor | null, causal: boolean): Tensor {
  return tidy(() => {
    let scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(q.size(-1))); // [B, H, T, T]
    if (causal) scores = scores.maskedFill(full([q.size(-2), k.size(-2)], true, { dtype: "bool", device: q.device }).tril().logicalNot(), -Infinity);
    if (mask) scores = scores.maskedFill(mask.logicalNot(), -Infinity);
    return scores.softmax(-1);
  });
}

export class FeedForward extends nn.Module {
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;
  constructor(readonly s: BlockShape) {
    super();
    const inner = s.activation === "swiglu" ? 2 * s.ffn : s.ffn;
    this.fc1 = this.registerModule("fc1", new nn.Linear(s.dModel, inner, s.bias, { device: s.device }));
    this.fc2 = this.registerModule("fc2", new nn.Linear(s.ffn, s.dModel, s.bias, { device: s.device }));
  }

  /** x [B, T, D] → [B, T, D] */
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const h = this.fc1.forward(x); // [B, T, F] or [B, T, 2F]
      let act: Tensor;
      if (this.s.activation === "swiglu") {
        const [gate, value] = h.chunk(2, -1) as [Tensor, Tensor]; // [B, T, F] each
        act = F.silu(gate).mul(value);
      } else act = F.gelu(h);
      return this.fc2.forward(act);
    });
  }
}

export class Block extends nn.Module {
  readonly ln1: Norm;
  readonly attn: Attention;
  readonly ln2: Norm;
  readonly ffn: FeedForward;
  constructor(readonly s: BlockShape) {
    super();
    this.ln1 = this.registerModule("ln1", makeNorm(s.norm, s.dModel, s.device));
    this.attn = this.registerModule("attn", new Attention(s));
    this.ln2 = this.registerModule("ln2", makeNorm(s.norm, s.dModel, s.device));
    this.ffn = this.registerModule("ffn", new FeedForward(s));
  }

  /** x [B, T, D] → [B, T, D] (attentionSink: see Attention.forward) */
  forward(x: Tensor, rope: RotaryTables, layout: AttentionLayout, causal: boolean, attentionSink?: Tensor[]): Tensor {
    return tidy(() => {
      const p = this.training ? this.s.dropout : 0;
      let a = this.attn.forward(this.ln1.forward(x), rope, layout, causal, attentionSink);
      if (p > 0) a = F.dropout(a, p, true);
      const h = x.add(a); // [B, T, D]
      let f = this.ffn.forward(this.ln2.forward(h));
      if (p > 0) f = F.dropout(f, p, true);
      return h.add(f);
    });
  }
}

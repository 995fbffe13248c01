// Attention for packed rows on the CPU without the dense block-diagonal mask: each sequence (span) of a row
// attends within itself, so the scores cost Σ L² per row instead of T² (rows of 2–3 Swiss-Prot sequences at
// T = 512: about half). What the mask computes exactly — masked keys get weight exp(−inf) = 0 — but without
// computing, storing and back-propagating the masked scores; the same idea as variable-length attention
// (FlashAttention-2's cu_seqlens) in plain tensor ops. A padding position attends only to itself, so its
// output is its own value vector. Used for packed CPU batches (batchTensors); CUDA keeps the mask path.
import { F, Tensor, cat, stack, tidy } from "../torch/index.js";
import { attentionMask, type SegmentSpans } from "./mask.js";

/** q, k, v [B, H, T, Dh] → [B, H, T, Dh]: attention within each span (causal inside it for the CLM). */
export function spanAttention(q: Tensor, k: Tensor, v: Tensor, spans: SegmentSpans, causal: boolean, dropout: number): Tensor {
  return tidy(() => {
    if (dropout > 0) {
      // attention dropout draws one number per score: keep the dense path so the random stream is the mask's
      const mask = attentionMask(spans.segment, spans.rows, spans.context, causal, q.device);
      return F.scaledDotProductAttention(q, k, v, { mask, causal: causal && !mask, dropout });
    }
    const qs = q.unbind(0), ks = k.unbind(0), vs = v.unbind(0); // [H, T, Dh] per row
    const rows = spans.lengths.map((lens, b) => {
      const qp = qs[b]!.splitWithSizes(lens, 1), kp = ks[b]!.splitWithSizes(lens, 1), vp = vs[b]!.splitWithSizes(lens, 1); // [H, L, Dh]
      const out = lens.map((_, i) => (spans.pad[b]![i] ? vp[i]! : F.scaledDotProductAttention(qp[i]!, kp[i]!, vp[i]!, { causal })));
      return out.length === 1 ? out[0]! : cat(out, 1); // [H, T, Dh]
    });
    return stack(rows, 0);
  });
}

// Causal attention on the CPU by query blocks: the upper triangle of the scores is never computed.
//
// libtorch 1.13's attention (and the composite) computes the full T×T scores, adds a −inf mask over the upper
// triangle, and back-propagates all of it; half that work produces exact zeros. Splitting the queries into n
// blocks, block i (rows [s, e)) needs only the keys [0, e), so the scores, softmax and both matmuls cover
// (n+1)/2n of the square (n = 4: 62%, n = 16: 53%) — the block skipping FlashAttention does on the GPU
// (Dao et al. 2022, §3.1), in plain tensor ops. Each block is one call of the same attention with an additive mask over its own
// diagonal square, so every output equals the full computation's (the skipped keys had weight exp(−inf) = 0).
// On a 4-layer d = 256, T = 256 stack on one core this made a training step 5–8% faster (docs/BENCHMARKS.md).
import type { Tensor } from "./tensor.js";
import { cat, full } from "./create.js";

/** Rows per query block: attention forward + backward alone on one core (1.13, Dh 16–32) was fastest with
 *  64-row blocks at T = 256, 512 and 1024 (T = 256: full square 235 ms, 32-row blocks 185, 64-row 167). */
export const MIN_CAUSAL_BLOCK = 64;
/** More blocks than this save at most (n+1)/2n − 17/32 of the square: not worth the extra calls. */
export const MAX_CAUSAL_BLOCKS = 16;

/** How many query blocks causal self-attention over t positions uses (1 = the full square in one call). */
export function causalBlockCount(tq: number, tk: number): number {
  if (tq !== tk) return 1; // only self-attention's square is split (top-left aligned causality)
  return Math.max(1, Math.min(MAX_CAUSAL_BLOCKS, Math.floor(tq / MIN_CAUSAL_BLOCK)));
}

/** The attention a block is handed: q [B, H, L, Dh], k/v [B, H, S, Dh], additive mask [L, S] → [B, H, L, Dh]. */
export type MaskedAttention = (q: Tensor, k: Tensor, v: Tensor, mask: Tensor) => Tensor;

/**
 * softmax(q kᵀ·scale, key ≤ query) v for q, k, v [B, H, T, Dh] → [B, H, T, Dh], in `blocks` query blocks.
 * `attend` runs one block with an additive mask (the caller's non-causal attention: fused op or composite).
 */
export function blockCausalAttention(q: Tensor, k: Tensor, v: Tensor, blocks: number, attend: MaskedAttention): Tensor {
  const t = q.size(-2);
  const rows = Math.ceil(t / blocks);
  // additive causal mask [T, T]: 0 on and below the diagonal, −inf above; block i uses rows [s, e), columns [0, e)
  const allowed = full([t, t], true, { dtype: "bool", device: q.device });
  const lower = allowed.tril();
  allowed.dispose();
  const blocked = full([t, t], -Infinity, { dtype: q.dtype, device: q.device });
  const mask = blocked.maskedFill(lower, 0);
  blocked.dispose();
  lower.dispose();

  const outs: Tensor[] = [];
  let start = 0;
  for (const qi of q.split(rows, -2)) { // split, not narrow: its backward is one cat of the block gradients
    const end = start + qi.size(-2);
    const ki = k.narrow(-2, 0, end), vi = v.narrow(-2, 0, end); // [B, H, e, Dh]
    const band = mask.narrow(0, start, end - start);
    const mi = band.narrow(1, 0, end); // [L, e]
    outs.push(attend(qi, ki, vi, mi)); // [B, H, L, Dh]
    for (const x of [qi, ki, vi, band, mi]) x.dispose();
    start = end;
  }
  mask.dispose();
  const out = cat(outs, -2); // [B, H, T, Dh]
  for (const o of outs) o.dispose();
  return out;
}

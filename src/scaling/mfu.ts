// Two counts of a training step's model FLOPs, printed side by side so figures compare with other tools:
// - the paper's C = 6·N·D (N non-embedding parameters), the convention of the scaling laws;
// - NVIDIA Megatron's per-step count (Narayanan et al. 2021, eq. 3), which BioNeMo and most MFU figures use:
//   (24·B·S·H² + 4·B·S²·H)·3·L + 6·B·S·H·V — attention scores and the vocabulary projection included,
//   backward = 2× forward. It assumes a 4·H feed-forward width (ESM-2's); the head term is counted here on the
//   positions the head runs on (plmscale's MLM runs it on the ~15% target rows only), not on all B·S.

export interface MegatronCount {
  layers: number;
  dModel: number;
  vocab: number;
  /** sequence length S of a row */
  context: number;
}

/**
 * Megatron model FLOPs per trained token: (24·H² + 4·S·H)·3·L + 6·H·V·headShare, where headShare is the fraction
 * of positions the LM head runs on (1 for a CLM, the masked fraction for plmscale's MLM).
 */
export function megatronFlopsPerToken(m: MegatronCount, headShare = 1): number {
  const { layers: L, dModel: H, vocab: V, context: S } = m;
  if (!(headShare >= 0 && headShare <= 1)) throw new RangeError(`head share must be in [0, 1], got ${headShare}`);
  return (24 * H * H + 4 * S * H) * 3 * L + 6 * H * V * headShare;
}

/** Model FLOPs utilisation of a throughput under a count of FLOPs per token; null without a known peak. */
export function mfu(flopsPerToken: number, tokensPerSecond: number, peakFlops: number | null): number | null {
  return peakFlops && peakFlops > 0 ? (flopsPerToken * tokensPerSecond) / peakFlops : null;
}

// Peak learning rate by model size, until src/scaling provides peakLrFor (then this file re-exports it).
// The paper's training recipe uses ≈6e-4 for small models falling to 3e-4 at ≥1B parameters; between
// 10M and 1B we interpolate linearly in log10(N), which gives 4.5e-4 at 100M.

/** Peak LR for a model with `nonEmbedding` parameters. */
export function peakLrFor(nonEmbedding: number): number {
  const lo = 1e7, hi = 1e9, lrLo = 6e-4, lrHi = 3e-4;
  if (!(nonEmbedding > 0)) throw new Error(`peakLrFor: N must be positive, got ${nonEmbedding}`);
  if (nonEmbedding <= lo) return lrLo;
  if (nonEmbedding >= hi) return lrHi;
  const t = (Math.log10(nonEmbedding) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
  return lrLo + t * (lrHi - lrLo);
}

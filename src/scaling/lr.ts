// Peak learning rate by model size (Cheng et al. 2024 training defaults): ≈6e-4 for small models falling to
// 3e-4 at ≥1B non-embedding parameters, log-linear in N in between. The trainer and the planner both use it.

export const LR_SMALL = 6e-4;
export const LR_LARGE = 3e-4;
/** below this N the small-model rate applies */
export const LR_SMALL_N = 1e7;
/** at and above this N the large-model rate applies */
export const LR_LARGE_N = 1e9;

export function peakLrFor(N: number): number {
  if (!(N > 0) || !Number.isFinite(N)) throw new RangeError(`peakLrFor: N must be positive, got ${N}`);
  if (N <= LR_SMALL_N) return LR_SMALL;
  if (N >= LR_LARGE_N) return LR_LARGE;
  const t = Math.log(N / LR_SMALL_N) / Math.log(LR_LARGE_N / LR_SMALL_N);
  return Math.exp(Math.log(LR_SMALL) + t * (Math.log(LR_LARGE) - Math.log(LR_SMALL)));
}

/**
 * Tokens per optimizer step by size: 2^17 (131k) at ≤10M parameters doubling per decade up to 2^21 (2M, ESM-2's
 * batch) at ≥100B, in whole multiples of the context; never more than 1/100 of the run's tokens (≥ one row).
 */
export function batchTokensFor(N: number, D: number, context = 1024): number {
  const decades = Math.max(0, Math.min(4, Math.log10(Math.max(N, 1) / 1e7)));
  const target = 2 ** (17 + Math.round(decades));
  const capped = Math.min(target, Math.max(context, Math.floor(D / 100)));
  return Math.max(context, Math.floor(capped / context) * context);
}

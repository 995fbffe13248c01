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
 * The one rule for a run's batch and context (used by `train` when neither is given, `plan --emit` and every
 * sweep point; docs/TRAINING.md "Batch and context"):
 * - batch: about TARGET_STEPS optimizer steps over the run's D tokens, a power of two, at least
 *   MIN_BATCH_TOKENS and at most the paper's batches at scale (Cheng et al. 2024: 0.5M tokens below 1B
 *   parameters, 1M at and above). Small budgets thus get enough steps: 2e6 tokens → 4096-token batches, 488 steps
 *   (the old fixed 16,384 left 123 steps and ended above the unigram entropy); large ones reach 0.5M/1M.
 * - context: a sixteenth of the batch (≥ 16 rows per step), a power of two in [64, 1024], and at most 12·d so
 *   that attention (≈ 6·L·T·d FLOPs per token) costs no more than the weights (6·N ≈ 72·L·d²): width-16 models
 *   train at context 128, not 1024.
 * An explicit context (--context, a config file) is kept; the batch is then rounded to whole rows of it.
 */
export const TARGET_STEPS = 500;
export const MIN_BATCH_TOKENS = 256;
export const MIN_CONTEXT = 64;
export const MAX_CONTEXT = 1024;

/** The paper's batch at scale: 2^19 (0.5M) tokens below 1B non-embedding parameters, 2^20 (1M) at and above. */
export function paperBatchTokens(N: number): number {
  return N >= 1e9 ? 2 ** 20 : 2 ** 19;
}

const pow2floor = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));

export interface BatchChoice {
  batchTokens: number;
  context: number;
  steps: number;
}

export function batchAndContextFor(N: number, D: number, dModel: number, context?: number): BatchChoice {
  if (!(N > 0) || !(D > 0) || !(dModel > 0)) throw new RangeError(`batchAndContextFor: N, D and dModel must be positive (got ${N}, ${D}, ${dModel})`);
  let batch = 2 ** Math.round(Math.log2(D / TARGET_STEPS));
  batch = Math.min(paperBatchTokens(N), Math.max(MIN_BATCH_TOKENS, batch));
  const ctx = context ?? Math.min(MAX_CONTEXT, Math.max(MIN_CONTEXT, pow2floor(Math.min(batch / 16, 12 * dModel))));
  batch = Math.max(ctx, Math.floor(batch / ctx) * ctx);
  return { batchTokens: batch, context: ctx, steps: Math.max(1, Math.floor(D / batch)) };
}

/** Tokens per optimizer step by the rule above, for a given context (the planner's entry point). */
export function batchTokensFor(N: number, D: number, context = 1024): number {
  return batchAndContextFor(N, D, 1e9, context).batchTokens;
}

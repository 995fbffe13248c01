// Training compute, the one place it is written: C = 6·N·D (forward 2·N·D + backward 4·N·D multiply-adds per token,
// Kaplan et al. 2020; N non-embedding parameters, D tokens). Attention's context-dependent share is in
// shape.ts flopsPerToken (withAttention); every other site converts between C, N and D through these.

/** FLOPs of one training token per non-embedding parameter (forward + backward). */
export const FLOPS_PER_PARAM_TOKEN = 6;

/** C = 6·N·D. */
export function trainingFlops(nonEmbedding: number, tokens: number): number {
  return FLOPS_PER_PARAM_TOKEN * nonEmbedding * tokens;
}

/** D = C / 6N: the tokens a budget of C FLOPs buys a model of N parameters. */
export function tokensForFlops(flops: number, nonEmbedding: number): number {
  return flops / (FLOPS_PER_PARAM_TOKEN * nonEmbedding);
}

/** N = C / 6D. */
export function paramsForFlops(flops: number, tokens: number): number {
  return flops / (FLOPS_PER_PARAM_TOKEN * tokens);
}

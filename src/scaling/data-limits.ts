// Data limits: how many epochs a planned token budget needs over a corpus of U unique tokens, and the
// effective data under repetition (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models", eq. 5):
// D' = U·(1 + R*·(1 − e^(−R/R*))), R = D/U − 1 repetitions beyond the first epoch, R* ≈ 15.4.

export const R_STAR = 15.4;
/** Muennighoff et al. find up to ~4 epochs nearly as good as unique data. */
export const EPOCH_WARN = 4;

export const PAPER_FINDING =
  "Cheng et al. 2024: MLM overfits after several epochs of UniRef50 and CLM shows diminishing returns; adding metagenomic sequences (e.g. ColabFoldDB/BFD clusters) to the corpus avoids the plateau.";

export interface DataLimits {
  uniqueTokens: number;
  plannedTokens: number;
  epochs: number;
  /** repetitions beyond the first epoch */
  repetitions: number;
  /** effective tokens D' under repetition (= planned tokens when epochs ≤ 1) */
  effectiveTokens: number;
  /** D'/D */
  effectiveFraction: number;
  /** the most effective data this corpus can ever give: U·(1 + R*) */
  ceilingTokens: number;
  warnings: string[];
}

/** Effective tokens of D planned tokens over U unique ones (Muennighoff et al. 2023). */
export function effectiveTokens(D: number, U: number, rStar = R_STAR): number {
  if (!(U > 0) || !(D > 0)) throw new RangeError("effectiveTokens: tokens must be positive");
  if (D <= U) return D;
  const R = D / U - 1;
  return U * (1 + rStar * (1 - Math.exp(-R / rStar)));
}

export function dataLimits(plannedTokens: number, uniqueTokens: number, objective?: "clm" | "mlm"): DataLimits {
  if (!(uniqueTokens > 0) || !Number.isFinite(uniqueTokens)) throw new RangeError(`unique tokens must be positive, got ${uniqueTokens}`);
  const epochs = plannedTokens / uniqueTokens;
  const eff = effectiveTokens(plannedTokens, uniqueTokens);
  const warnings: string[] = [];
  if (epochs > EPOCH_WARN) {
    warnings.push(
      `the plan needs ${epochs.toFixed(1)} epochs of the corpus (> ${EPOCH_WARN}): repeated tokens are worth less ` +
      `(effective ${(100 * eff / plannedTokens).toFixed(0)}% of planned). Add unique data or train a smaller model longer.`,
    );
    warnings.push(objective === "mlm" ? `${PAPER_FINDING} (MLM is the objective that overfits.)` : PAPER_FINDING);
  }
  return {
    uniqueTokens, plannedTokens, epochs, repetitions: Math.max(0, epochs - 1),
    effectiveTokens: eff, effectiveFraction: eff / plannedTokens, ceilingTokens: uniqueTokens * (1 + R_STAR), warnings,
  };
}

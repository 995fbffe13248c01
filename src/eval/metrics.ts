// Zero-shot fitness metrics exactly as ProteinGym defines them (proteingym/performance_DMS_benchmarks.py):
// Spearman ρ (scipy.stats.spearmanr: Pearson on average ranks), ROC AUC against DMS_score_bin
// (sklearn.metrics.roc_auc_score), MCC of DMS_score_bin against the model score binarised at the model score's
// median (score ≥ median → 1), NDCG@10% on min–max-normalised DMS scores (calc_ndcg), and top-10% recall
// (calc_toprecall: strict > the 90th percentile, numpy's linear interpolation, on both sides). Also the
// metrics of supervised fine-tuning (finetune.ts): Spearman per assay, accuracy for classification. Pure functions.
import { median, percentile } from "../core/stats.js";

/** Average ranks (1-based; ties share the mean of their ranks), as scipy.stats.rankdata. */
export function rankdata(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]!] === x[order[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]!] = avg;
    i = j + 1;
  }
  return r;
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`pearson: lengths ${n} and ${y.length} differ`);
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) (mx += x[i]!), (my += y[i]!);
  mx /= n;
  my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ; NaN when either side is constant (as scipy). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(rankdata(x), rankdata(y));
}

/** Fraction of predictions equal to the truth (classification fine-tuning); NaN for no items. */
export function accuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let hit = 0;
  for (let i = 0; i < truth.length; i++) if (pred[i] === truth[i]) hit++;
  return truth.length ? hit / truth.length : NaN;
}

/** ROC AUC of `score` for binary labels (Mann–Whitney U with average ranks for ties); NaN with one class only. */
export function rocAuc(labels: ArrayLike<number>, score: ArrayLike<number>): number {
  const r = rankdata(score);
  let pos = 0, sumPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) (pos++, (sumPos += r[i]!));
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (sumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Matthews correlation coefficient of binary labels and predictions (0 when a margin is empty, as sklearn). */
export function mcc(labels: ArrayLike<number>, pred: ArrayLike<number>): number {
  let tp = 0, tn = 0, fp = 0, fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i] === 1, p = pred[i] === 1;
    if (t && p) tp++;
    else if (!t && !p) tn++;
    else if (p) fp++;
    else fn++;
  }
  const den = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return den === 0 ? 0 : (tp * tn - fp * fn) / den;
}

/** ProteinGym MCC: the model score binarised at its own median (≥ median → fit) against DMS_score_bin. */
export function mccAtMedian(labels: ArrayLike<number>, score: ArrayLike<number>): number {
  const m = median(score);
  return mcc(labels, Array.from(score, (s) => (s >= m ? 1 : 0)));
}

/**
 * ProteinGym's calc_ndcg with quantile = true, top = `topPercent`: k = ⌊n·top/100⌋; gains = min–max-normalised
 * true scores; DCG over items the model ranks within the top k (rank r, gain g ≠ 0: g / log2(r + 1)), divided by
 * the ideal DCG of the k highest gains. Model ties are broken by order of appearance (numpy's argsort of
 * a tied array is implementation-defined; ProteinGym scores rarely tie).
 */
export function ndcg(trueScore: ArrayLike<number>, modelScore: ArrayLike<number>, topPercent = 10): number {
  const n = trueScore.length;
  const k = Math.floor((n * topPercent) / 100);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) (lo = Math.min(lo, trueScore[i]!)), (hi = Math.max(hi, trueScore[i]!));
  const gains = Array.from(trueScore, (t) => (t - lo) / (hi - lo));
  const dcgOf = (score: ArrayLike<number>) => {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
    let d = 0;
    for (let r = 1; r <= k; r++) {
      const g = gains[order[r - 1]!]!;
      if (g !== 0) d += g / Math.log2(r + 1);
    }
    return d;
  };
  const dcg = dcgOf(modelScore);
  if (dcg === 0) return 0;
  return dcg / dcgOf(gains);
}

/** ProteinGym's calc_toprecall: of the variants strictly above the true 90th percentile, the fraction also
 * strictly above the model score's 90th percentile. */
export function topRecall(trueScore: ArrayLike<number>, modelScore: ArrayLike<number>, topPercent = 10): number {
  const tt = percentile(trueScore, 100 - topPercent), tm = percentile(modelScore, 100 - topPercent);
  let top = 0, tp = 0;
  for (let i = 0; i < trueScore.length; i++) {
    if (trueScore[i]! > tt) {
      top++;
      if (modelScore[i]! > tm) tp++;
    }
  }
  return top === 0 ? NaN : tp / top;
}

export interface FitnessMetrics {
  n: number;
  spearman: number;
  auc: number;
  mcc: number;
  ndcg: number;
  topRecall: number;
}

/** All five metrics of one assay; `labels` is DMS_score_bin (1 = fit). */
export function fitnessMetrics(trueScore: ArrayLike<number>, labels: ArrayLike<number>, modelScore: ArrayLike<number>): FitnessMetrics {
  return {
    n: trueScore.length,
    spearman: spearman(trueScore, modelScore),
    auc: rocAuc(labels, modelScore),
    mcc: mccAtMedian(labels, modelScore),
    ndcg: ndcg(trueScore, modelScore),
    topRecall: topRecall(trueScore, modelScore),
  };
}

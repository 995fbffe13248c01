// `plmscale study repetition` (Muennighoff et al. 2023; Cheng et al. 2024 §3.1: MLM overfits after several
// epochs of UniRef50): the same model trained for D tokens on fresh data (the full corpus, ≤ 1 epoch) and on
// corpora limited to U = D/E unique tokens for E epochs, validation curves side by side, all evaluated on the
// same held-out split (data/subset.ts shares it). The effective-data fit: each repeated run's loss at t tokens
// is mapped to the fresh tokens D' that reach the same loss on the fresh curve (log-linear interpolation), and
// R* of D' = U·(1 + R*·(1 − e^(−R/R*))), R = t/U − 1 (scaling/data-limits.ts effectiveTokens), is fitted by
// least squares in log D'. One sweep directory holds the runs, so an interrupted study resumes.
import { join } from "node:path";
import { limitTrainTokens } from "../data/subset.js";
import { effectiveTokens, R_STAR } from "../scaling/data-limits.js";
import { formatParams, shapeForAnySize } from "../sweep/design.js";
import { nonEmbeddingParams } from "../scaling/shape.js";
import { writeJsonAtomic } from "../core/files.js";
import { batchAndContextFor } from "../scaling/lr.js";
import { curveOf, resultOf, runPhase, writePhase, type StudyOptions, type StudyRunSpec } from "./study.js";
import type { Objective } from "../core/objective.js";

export interface RepetitionStudyOptions extends StudyOptions {
  out: string;
  objectives: Objective[];
  /** target non-embedding size */
  size: number;
  /** training tokens of every run */
  tokens: number;
  /** epochs of the limited corpora (U = tokens / epochs); fresh data is always run */
  epochs: number[];
}

export interface RepetitionArm {
  objective: Objective;
  epochs: number;
  /** unique training tokens seen (null: fresh, the full corpus) */
  unique: number | null;
  loss: number;
  curve: { tokens: number; loss: number }[];
  /** fresh tokens that reach this arm's final loss (from the fresh curve) */
  effectiveTokens: number | null;
}

export interface RepetitionStudy {
  format: "plmscale-study-repetition";
  out: string;
  N: number;
  tokens: number;
  arms: RepetitionArm[];
  /** per objective: fitted R* (null when repetition cost nothing measurable) beside the paper's 15.4 */
  fits: { objective: Objective; rStar: number | null; points: number; note: string }[];
  warnings: string[];
}

/**
 * Fresh tokens needed to reach `loss`, from a fresh curve (log-linear between evaluations): Infinity when the
 * loss is below everything the fresh run reached, the first evaluation's tokens when above it.
 */
export function freshEquivalent(curve: { tokens: number; loss: number }[], loss: number): number {
  // the first crossing counts: a noisy fresh curve that dips below `loss` and rises again reached it there
  const c = [...curve].sort((a, b) => a.tokens - b.tokens);
  if (c.length === 0) return NaN;
  if (loss >= c[0]!.loss) return c[0]!.tokens;
  for (let i = 1; i < c.length; i++) {
    const a = c[i - 1]!, b = c[i]!;
    if (loss <= a.loss && loss >= b.loss && a.loss !== b.loss) {
      const t = (a.loss - loss) / (a.loss - b.loss);
      return Math.exp(Math.log(a.tokens) + t * (Math.log(b.tokens) - Math.log(a.tokens)));
    }
  }
  return Infinity;
}

/** R* minimising the squared log error of effectiveTokens(t, U, R*) against the measured D' (grid + refinement). */
export function fitRStar(points: { t: number; U: number; Dp: number }[]): number | null {
  const err = (r: number) => points.reduce((s, p) => s + (Math.log(effectiveTokens(p.t, p.U, r)) - Math.log(p.Dp)) ** 2, 0);
  let best = 0.05, bestErr = Infinity;
  for (let l = Math.log(0.05); l <= Math.log(1e4); l += 0.05) { const e = err(Math.exp(l)); if (e < bestErr) { bestErr = e; best = Math.exp(l); } }
  return best >= 1e4 * 0.95 ? null : best; // at the upper end: no measurable loss of value
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

export async function studyRepetition(o: RepetitionStudyOptions): Promise<RepetitionStudy> {
  const shape = shapeForAnySize(o.size, "esm", o.family);
  const N = nonEmbeddingParams(shape);
  const warnings: string[] = [];
  if (o.uniqueTrainTokens !== null && o.tokens > o.uniqueTrainTokens) {
    warnings.push(`the corpus has ${o.uniqueTrainTokens.toExponential(2)} unique training tokens, fewer than --tokens ${o.tokens.toExponential(2)}: the "fresh" arm repeats data too`);
  }
  // one batch and context for every arm (by the batch rule at this size and budget), so curves compare
  const geometry = batchAndContextFor(N, o.tokens, shape.dModel);
  const evalEvery = Math.max(1, Math.round(geometry.steps / 12));
  const runs: StudyRunSpec[] = [];
  const arms: { objective: Objective; epochs: number; unique: number | null; id: string }[] = [];
  for (const objective of o.objectives) {
    const fresh = `${objective}-N${formatParams(N)}-fresh`;
    runs.push({ id: fresh, objective, shape, D: o.tokens, evalEvery, geometry: { batchTokens: geometry.batchTokens, context: geometry.context } });
    arms.push({ objective, epochs: o.uniqueTrainTokens ? o.tokens / o.uniqueTrainTokens : 1, unique: null, id: fresh });
    for (const E of o.epochs) {
      const U = o.tokens / E;
      const sub = limitTrainTokens(o.corpus, join(o.out, "corpora", `U${U.toExponential(1).replace("+", "")}`), U);
      const id = `${objective}-N${formatParams(N)}-E${E}`;
      runs.push({ id, objective, shape, D: o.tokens, corpus: sub.dir, evalEvery, geometry: { batchTokens: geometry.batchTokens, context: geometry.context } });
      arms.push({ objective, epochs: o.tokens / sub.trainTokens, unique: sub.trainTokens, id });
    }
  }
  const dir = join(o.out, "runs");
  writePhase(dir, "repetition", runs, o);
  o.log(`[study repetition] ${runs.length} runs of N=${formatParams(N)} on ${o.tokens.toExponential(2)} tokens: fresh data and ${o.epochs.map((e) => `${e} epochs`).join(", ")}`);
  await runPhase(dir, o);

  const out: RepetitionArm[] = [];
  const fits: RepetitionStudy["fits"] = [];
  for (const objective of o.objectives) {
    const mine = arms.filter((a) => a.objective === objective);
    const freshCurve = curveOf(dir, mine[0]!.id);
    const pts: { t: number; U: number; Dp: number }[] = [];
    for (const a of mine) {
      const curve = curveOf(dir, a.id);
      const loss = resultOf(dir, a.id).loss;
      out.push({ objective, epochs: a.epochs, unique: a.unique, loss, curve, effectiveTokens: a.unique === null ? o.tokens : finiteOrNull(Math.min(freshEquivalent(freshCurve, loss), o.tokens)) });
      if (a.unique === null) continue;
      for (const p of curve) {
        if (p.tokens <= a.unique * 1.05) continue; // within the first epoch repetition has not begun
        // as good as fresh data or better: D' = t (repetition cost nothing at this point)
        const Dp = Math.min(freshEquivalent(freshCurve, p.loss), p.tokens);
        if (Dp > 0) pts.push({ t: p.tokens, U: a.unique, Dp });
      }
    }
    const rStar = pts.length ? fitRStar(pts) : null;
    const note = pts.length === 0 ? "no evaluation past the first epoch fell on the fresh curve: nothing to fit"
      : rStar === null ? "repeated tokens were worth as much as fresh ones here (no measurable penalty)"
      : `repeated data loses value with R* = ${rStar.toFixed(1)} (Muennighoff et al.: ${R_STAR}; smaller = faster loss of value)`;
    fits.push({ objective, rStar, points: pts.length, note });
  }
  const result: RepetitionStudy = { format: "plmscale-study-repetition", out: o.out, N, tokens: o.tokens, arms: out, fits, warnings };
  writeJsonAtomic(join(o.out, "study.json"), result);
  return result;
}

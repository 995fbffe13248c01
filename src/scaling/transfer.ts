// CLM → MLM transfer (Cheng et al. 2024 §5, after Hernandez et al. 2021, "Scaling Laws for Transfer").
// Effectively transferred tokens D_t: the extra from-scratch MLM tokens that would reach the loss the
// CLM-initialised model reached with D_F tokens. Law: D_t = k·D_F^α·N^β, fitted in log space.
import { predictLoss, type ParametricLaw } from "./parametric.js";
import { fitLine, solve3 } from "./regress.js";
import type { RunRow } from "./runs-table.js";
import { tokensForFlops } from "./compute.js";

export interface TransferPair {
  N: number;
  /** MLM tokens both runs trained for */
  DF: number;
  lossScratch: number;
  lossTransfer: number;
}

export interface TransferPoint extends TransferPair {
  /** effectively transferred tokens (undefined when the law cannot reach lossTransfer at this N) */
  Dt?: number;
  note?: string;
}

export interface TransferLaw {
  k: number;
  alpha: number;
  beta: number;
  points: number;
  r2: number;
  warnings: string[];
}

/** A run initialised from a checkpoint: `init` is "clm", a path, or an object (result.json); not "", "scratch", "none", null. */
export function isTransferRun(r: RunRow): boolean {
  const init = r.extra.init;
  if (init === undefined || init === null) return false;
  if (typeof init === "object") return true;
  return typeof init === "string" && init !== "" && init !== "null" && init !== "scratch" && init !== "none";
}

/**
 * Pair MLM runs trained from scratch with MLM runs initialised from a CLM checkpoint (`init` column = "clm" or a
 * path). A `pair` column pairs explicitly; otherwise runs pair when N and D agree within 2%.
 */
export function pairRuns(rows: readonly RunRow[]): TransferPair[] {
  const mlm = rows.filter((r) => r.objective === "mlm");
  const scratch = mlm.filter((r) => !isTransferRun(r));
  const transfer = mlm.filter(isTransferRun);
  const close = (x: number, y: number) => Math.abs(x / y - 1) <= 0.02;
  const pairs: TransferPair[] = [];
  for (const t of transfer) {
    const s = t.extra.pair !== undefined
      ? scratch.find((r) => r.extra.pair !== undefined && String(r.extra.pair) === String(t.extra.pair))
      : scratch.find((r) => close(r.N, t.N) && close(r.D, t.D));
    if (s) pairs.push({ N: t.N, DF: t.D, lossScratch: s.loss, lossTransfer: t.loss });
  }
  return pairs;
}

/** D_t for one pair given a from-scratch MLM law L(N, D): D_equiv solves L(N, D_equiv) = lossTransfer. */
export function transferredTokens(p: TransferPair, law: ParametricLaw): TransferPoint {
  const gap = p.lossTransfer - law.E - law.A / p.N ** law.alpha;
  if (!(gap > 0)) return { ...p, note: "the transferred loss is below what the scratch law can reach at this N" };
  const Deq = (law.B / gap) ** (1 / law.beta);
  const Dt = Deq - p.DF;
  if (!(Dt > 0)) return { ...p, note: "no transfer benefit: the CLM-initialised run is not better than scratch by the law" };
  return { ...p, Dt };
}

/** Fit D_t = k·D_F^α·N^β (β fixed at 0 when all pairs share one N). Needs ≥ 3 usable points. */
export function fitTransferLaw(points: readonly TransferPoint[]): TransferLaw {
  const use = points.filter((p): p is TransferPoint & { Dt: number } => p.Dt !== undefined && p.Dt > 0);
  const warnings: string[] = [];
  if (use.length < 3) throw new Error(`transfer law needs at least 3 pairs with a positive transferred-token estimate, has ${use.length}`);
  const x1 = use.map((p) => Math.log(p.DF)), x2 = use.map((p) => Math.log(p.N)), y = use.map((p) => Math.log(p.Dt));
  const oneN = new Set(use.map((p) => p.N.toPrecision(6))).size === 1;
  if (oneN || use.length < 4) {
    if (!oneN) warnings.push("fewer than 4 pairs: β (the size exponent) fixed at 0");
    else warnings.push("all pairs share one model size: β (the size exponent) fixed at 0");
    const l = fitLine(x1, y);
    return { k: Math.exp(l.intercept), alpha: l.slope, beta: 0, points: use.length, r2: l.r2, warnings };
  }
  // normal equations for y = c + α·x1 + β·x2
  const n = use.length;
  const s = (f: (i: number) => number) => { let t = 0; for (let i = 0; i < n; i++) t += f(i); return t; };
  const A = [
    [n, s((i) => x1[i]!), s((i) => x2[i]!)],
    [s((i) => x1[i]!), s((i) => x1[i]! ** 2), s((i) => x1[i]! * x2[i]!)],
    [s((i) => x2[i]!), s((i) => x1[i]! * x2[i]!), s((i) => x2[i]! ** 2)],
  ];
  const b = [s((i) => y[i]!), s((i) => x1[i]! * y[i]!), s((i) => x2[i]! * y[i]!)];
  const [c, alpha, beta] = solve3(A, b);
  const my = s((i) => y[i]!) / n;
  const ssTot = s((i) => (y[i]! - my) ** 2);
  const ssRes = s((i) => (y[i]! - (c + alpha * x1[i]! + beta * x2[i]!)) ** 2);
  return { k: Math.exp(c), alpha, beta, points: n, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot, warnings };
}

export function predictTransferred(law: TransferLaw, DF: number, N: number): number {
  return law.k * DF ** law.alpha * N ** law.beta;
}

/** The paper's guidance: spend about 10–20% of a joint budget on CLM pre-training before MLM. */
export const CLM_FRACTION_GUIDANCE = { lo: 0.1, hi: 0.2, default: 0.15 };

export interface JointPlan {
  C: number;
  clmFraction: number;
  N: number;
  clm: { C: number; D: number };
  mlm: { C: number; D: number };
  /** MLM tokens plus the transferred tokens, when a transfer law is given */
  effectiveMlmTokens?: number;
  /** predicted MLM loss with transfer vs from scratch at the whole budget (when a parametric MLM law is given) */
  predictedLoss?: { transfer: number; scratch: number };
  /** a CLM model and an MLM model: via transfer (the CLM phase is the CLM model) vs two from-scratch runs */
  pairCost: { transfer: number; scratch: number; saving: number };
  notes: string[];
}

/**
 * Split a budget C for one MLM of size N (N from the MLM allocation law at C): CLM pre-training on a fraction
 * f, then MLM on the rest, with the same shape. As a pair, the CLM phase doubles as the CLM model, so a
 * CLM+MLM pair costs C instead of C + f·C for two from-scratch runs of the same budgets.
 */
export function planJoint(
  C: number, N: number, clmFraction = CLM_FRACTION_GUIDANCE.default,
  opts: { transferLaw?: TransferLaw; mlmLaw?: ParametricLaw } = {},
): JointPlan {
  if (!(clmFraction > 0 && clmFraction < 1)) throw new RangeError(`CLM fraction must be in (0, 1), got ${clmFraction}`);
  const clm = { C: clmFraction * C, D: tokensForFlops(clmFraction * C, N) };
  const mlm = { C: (1 - clmFraction) * C, D: tokensForFlops((1 - clmFraction) * C, N) };
  const plan: JointPlan = {
    C, clmFraction, N, clm, mlm,
    pairCost: { transfer: C, scratch: C + clm.C, saving: clm.C / (C + clm.C) },
    notes: [],
  };
  if (clmFraction < CLM_FRACTION_GUIDANCE.lo || clmFraction > CLM_FRACTION_GUIDANCE.hi) {
    plan.notes.push(`Cheng et al. 2024 found about ${CLM_FRACTION_GUIDANCE.lo * 100}–${CLM_FRACTION_GUIDANCE.hi * 100}% of the budget on CLM best; ${(clmFraction * 100).toFixed(0)}% is outside that range.`);
  }
  if (opts.transferLaw) {
    plan.effectiveMlmTokens = mlm.D + predictTransferred(opts.transferLaw, mlm.D, N);
    if (opts.mlmLaw) {
      plan.predictedLoss = {
        transfer: predictLoss(opts.mlmLaw, N, plan.effectiveMlmTokens),
        scratch: predictLoss(opts.mlmLaw, N, tokensForFlops(C, N)),
      };
    }
  } else {
    plan.notes.push("no transfer law given: the split follows the paper's 10–20% guidance; fit one from paired runs (plmscale fit --method transfer) to predict the gain");
  }
  return plan;
}

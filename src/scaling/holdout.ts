// Does the law extrapolate? Fit the IsoFLOP laws on every budget but one (by default the largest), predict that
// budget's N_opt, D_opt and L_opt with bootstrap intervals, and compare with the minimum of its own parabola.
// The prediction interval comes from the fitted budgets' noise only (runs resampled within each budget); the
// measured minimum has noise of its own, so its interval (the held-out runs resampled the same way) is given too.
import { budgetMinimum, distinctSizes, fitIsoflop, groupByBudget, type IsoflopPrediction } from "./isoflop.js";
import { finiteInterval, type Interval } from "./regress.js";
import { Rng } from "../core/random.js";
import { mixSeed } from "../core/hash.js";
import { bootstrapThetas, fitData, fitParametric, lawOf, parametricOptimum, thetaOf } from "./parametric.js";
import type { RunRow } from "./runs-table.js";

export interface HoldoutOptions {
  bootstrap?: number;
  seed?: number;
  level?: number;
  budgetTolerance?: number;
}

export interface HoldoutCheck {
  /** the held-out budget (FLOPs) and its runs */
  C: number;
  runs: number;
  /** budgets whose minima the law was fitted on, and those minima */
  fittedOn: number[];
  fittedMinima: { C: number; N: number; L: number }[];
  /** the laws fitted without the held-out budget */
  law: { kN: number; a: number; kD: number; b: number; kL: number; gamma: number; cRef: number };
  predicted: IsoflopPrediction;
  /**
   * The parametric law E + A/N^α + B/D^β fitted on the same runs, at the held-out budget. Its loss keeps the
   * irreducible E, which the IsoFLOP power law L_opt = kL·C^γ lacks; null when it could not be fitted or is
   * degenerate (`parametricNote` says why).
   */
  parametric: { N: number; L: number; ci: { N: Interval | null; L: Interval | null }; inside: { N: boolean | null; L: boolean | null } } | null;
  parametricNote: string | null;
  /** the held-out budget's own parabola minimum; `bracketed` false when it lies outside the sizes tried */
  measured: { N: number; D: number; L: number; bracketed: boolean; ci: { N: Interval | null; L: Interval | null } };
  /** the measured value lies inside the predicted interval (null without an interval) */
  inside: { N: boolean | null; D: boolean | null; L: boolean | null };
  /** measured ÷ predicted */
  ratio: { N: number; D: number };
  /** measured − predicted minimum loss, nats */
  gapNats: number;
  /** one line for summaries */
  verdict: string;
  warnings: string[];
}

const within = (x: number, i: Interval | null) => (i ? x >= i.lo && x <= i.hi : null);

/** The budget groups sorted by compute, and the index of the one to hold out ("largest", or the one nearest C). */
function pickBudget(groups: RunRow[][], which: "largest" | number): number {
  if (which === "largest") return groups.length - 1;
  const lc = (g: RunRow[]) => g.reduce((s, r) => s + Math.log(r.C), 0) / g.length;
  let best = 0;
  groups.forEach((g, i) => { if (Math.abs(lc(g) - Math.log(which)) < Math.abs(lc(groups[best]!) - Math.log(which))) best = i; });
  if (Math.abs(lc(groups[best]!) - Math.log(which)) > Math.log(1.25)) {
    throw new Error(`no budget near C=${which.toExponential(2)} in the table (budgets: ${groups.map((g) => Math.exp(lc(g)).toExponential(2)).join(", ")})`);
  }
  return best;
}

export function holdoutBudget(rows: readonly RunRow[], which: "largest" | number, o: HoldoutOptions = {}): HoldoutCheck {
  const groups = groupByBudget(rows, o.budgetTolerance).filter((g) => distinctSizes(g) >= 3);
  if (groups.length < 3) throw new Error(`a holdout needs at least 3 budgets with 3 or more sizes (2 to fit, 1 to check), has ${groups.length}`);
  const k = pickBudget(groups, which);
  const held = groups[k]!;
  const rest = groups.filter((_, i) => i !== k).flat();
  const measuredMin = budgetMinimum(held);
  const level = o.level ?? 0.95, resamples = o.bootstrap ?? 200, seed = o.seed ?? 0;
  const fit = fitIsoflop(rest, { bootstrap: resamples, seed, level, predictAt: [measuredMin.C], budgetTolerance: o.budgetTolerance });
  const predicted = fit.predictions![0]!;
  // the measured minimum's own spread: the held-out runs resampled as the fit's budgets are
  const mN: number[] = [], mL: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const rng = new Rng(mixSeed(seed ^ 0x5eed, i));
    const g = held.map(() => held[rng.int(held.length)]!);
    if (distinctSizes(g) < 3) continue;
    const m = budgetMinimum(g);
    if (m.used) { mN.push(m.N); mL.push(m.L); }
  }
  const measured = {
    N: measuredMin.N, D: measuredMin.D, L: measuredMin.L, bracketed: measuredMin.used,
    ci: { N: resamples > 0 ? finiteInterval(mN, level) : null, L: resamples > 0 ? finiteInterval(mL, level) : null },
  };
  const inside = { N: within(measured.N, predicted.ci.N), D: within(measured.D, predicted.ci.D), L: within(measured.L, predicted.ci.L) };
  const ratio = { N: measured.N / predicted.N, D: measured.D / predicted.D };
  const gapNats = measured.L - predicted.L;
  const warnings = [...fit.warnings.map((w) => `holdout fit: ${w}`)];
  let parametric: HoldoutCheck["parametric"] = null, parametricNote: string | null = null;
  try {
    const pf = fitParametric(rest);
    if (pf.degenerate.length) parametricNote = `the parametric fit of the other budgets is degenerate: ${pf.degenerate.join("; ")}`;
    else {
      const at = parametricOptimum(pf, measuredMin.C);
      const thetas = resamples > 0 ? bootstrapThetas(fitData(rest), thetaOf(pf), pf.delta, seed, 0, Math.min(resamples, 100)) : [];
      const opt = thetas.filter((t) => t.every(Number.isFinite)).map((t) => parametricOptimum(lawOf(t), measuredMin.C));
      const ci = thetas.length ? { N: finiteInterval(opt.map((x) => x.N), level), L: finiteInterval(opt.map((x) => x.L), level) } : { N: null, L: null };
      parametric = { N: at.N, L: at.L, ci, inside: { N: within(measuredMin.N, ci.N), L: within(measuredMin.L, ci.L) } };
    }
  } catch (e) {
    parametricNote = `no parametric fit of the other budgets: ${(e as Error).message}`;
  }
  if (!measured.bracketed) warnings.push(`the held-out budget C≈${measuredMin.C.toExponential(2)} has no minimum inside its sizes: the "measured" optimum is an extrapolation of its parabola`);
  const say = (b: boolean | null) => (b === null ? "no interval" : b ? "inside" : "OUTSIDE");
  const pct = Math.round(level * 100);
  const verdict = `held out C=${measuredMin.C.toExponential(1)}: N_opt predicted ${predicted.N.toExponential(2)}, measured ${measured.N.toExponential(2)} (×${ratio.N.toFixed(2)}, ${say(inside.N)} the ${pct}% interval); `
    + `L_opt predicted ${predicted.L.toFixed(4)}, measured ${measured.L.toFixed(4)} (${gapNats >= 0 ? "+" : ""}${gapNats.toFixed(4)} nats, ${say(inside.L)})`
    + (parametric ? `; parametric L_opt ${parametric.L.toFixed(4)} (${say(parametric.inside.L)})` : "");
  return {
    C: measuredMin.C, runs: held.length, fittedOn: fit.minima.filter((m) => m.used).map((m) => m.C),
    fittedMinima: fit.minima.filter((m) => m.used).map((m) => ({ C: m.C, N: m.N, L: m.L })),
    law: { kN: fit.kN, a: fit.a, kD: fit.kD, b: fit.b, kL: fit.kL, gamma: fit.gamma, cRef: fit.cRef },
    predicted, parametric, parametricNote, measured, inside, ratio, gapNats, verdict, warnings,
  };
}

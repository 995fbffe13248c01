// Parametric loss law L(N, D) = E + A/N^α + B/D^β fitted as Chinchilla approach 3 (Hoffmann et al. 2022, §3.3):
// log L̂ = LSE(a − α·ln N, b − β·ln D, e) with A = eᵃ, B = eᵇ, E = eᵉ; minimise the SUMMED Huber loss
// (δ = 1e-3) between log L̂ and log L with L-BFGS from a grid of starts and keep the best objective.
import { minimizeLbfgs } from "./lbfgs.js";
import { Rng } from "../core/random.js";
import { mixSeed } from "../core/hash.js";
import { bootstrapInfo, finiteInterval, type BootstrapInfo, type Interval } from "./regress.js";
import type { RunRow } from "./runs-table.js";
import { FLOPS_PER_PARAM_TOKEN } from "./compute.js";

export interface ParametricLaw { E: number; A: number; B: number; alpha: number; beta: number }

export interface ParametricOptions {
  /** Huber threshold on log loss (default 1e-3, as Chinchilla) */
  delta?: number;
  /** grid of starting points (defaults: Chinchilla's α,β ∈ {0,.5,…,2}, e ∈ {−1,−.5,…,1}, a,b ∈ {0,5,…,25}) */
  grid?: { alpha: number[]; beta: number[]; e: number[]; a: number[]; b: number[] };
  /**
   * L-BFGS runs from the `topStarts` grid points with the lowest initial objective (default 200; Infinity runs
   * every grid point). Screening keeps the fit fast; starts in the same basin end at the same optimum anyway.
   */
  topStarts?: number;
  /** bootstrap resamples for intervals (default 0: none) */
  bootstrap?: number;
  /** seed of the bootstrap (default 0) */
  seed?: number;
  /** interval level (default 0.95) */
  level?: number;
  maxIter?: number;
}

export type ParametricKey = "E" | "A" | "B" | "alpha" | "beta" | "a" | "b" | "kN" | "kD";

export interface ParametricFit extends ParametricLaw {
  /** summed Huber objective reached at the best start */
  objective: number;
  /** implied allocation exponents: N_opt ∝ C^a, D_opt ∝ C^b (C = 6ND) */
  a: number;
  b: number;
  /** implied prefactors: N_opt = kN·C^a, D_opt = kD·C^b */
  kN: number;
  kD: number;
  runs: number;
  starts: number;
  /** starts whose optimiser reported convergence */
  converged: number;
  delta: number;
  /** bootstrap intervals; null for a key no resample could estimate */
  ci?: Record<ParametricKey, Interval | null>;
  bootstrap?: BootstrapInfo;
  /** why this law is degenerate (parametricDegeneracy); empty when nothing speaks against it */
  degenerate: string[];
}

/** The five fit coordinates θ = (a, b, e, α, β) of a law. */
export function thetaOf(l: ParametricLaw): number[] {
  return [Math.log(l.A), Math.log(l.B), Math.log(l.E), l.alpha, l.beta];
}

export function lawOf(t: ArrayLike<number>): ParametricLaw {
  return { A: Math.exp(t[0]!), B: Math.exp(t[1]!), E: Math.exp(t[2]!), alpha: t[3]!, beta: t[4]! };
}

export function predictLoss(l: ParametricLaw, N: number, D: number): number {
  return l.E + l.A / N ** l.alpha + l.B / D ** l.beta;
}

/** Data prepared once: logs of N, D, loss, and integer weights (bootstrap counts; 1 for a plain fit). */
export interface FitData { lnN: Float64Array; lnD: Float64Array; lnL: Float64Array; w: Float64Array }

export function fitData(rows: readonly { N: number; D: number; loss: number }[]): FitData {
  const n = rows.length;
  const d: FitData = { lnN: new Float64Array(n), lnD: new Float64Array(n), lnL: new Float64Array(n), w: new Float64Array(n).fill(1) };
  rows.forEach((r, i) => { d.lnN[i] = Math.log(r.N); d.lnD[i] = Math.log(r.D); d.lnL[i] = Math.log(r.loss); });
  return d;
}

/** Summed Huber objective and its gradient in θ. */
export function huberObjective(data: FitData, delta: number) {
  const { lnN, lnD, lnL, w } = data;
  return (t: Float64Array, g: Float64Array): number => {
    const [a, b, e, al, be] = [t[0]!, t[1]!, t[2]!, t[3]!, t[4]!];
    let f = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
    for (let i = 0; i < lnN.length; i++) {
      const wi = w[i]!;
      if (wi === 0) continue;
      const t1 = a - al * lnN[i]!, t2 = b - be * lnD[i]!;
      const mx = Math.max(t1, t2, e);
      const x1 = Math.exp(t1 - mx), x2 = Math.exp(t2 - mx), x3 = Math.exp(e - mx);
      const s = x1 + x2 + x3;
      const r = mx + Math.log(s) - lnL[i]!;
      const ar = Math.abs(r);
      let dh: number;
      if (ar <= delta) { f += wi * 0.5 * r * r; dh = r; }
      else { f += wi * delta * (ar - 0.5 * delta); dh = delta * Math.sign(r); }
      const c = (wi * dh) / s;
      const p1 = c * x1, p2 = c * x2;
      g0 += p1; g1 += p2; g2 += c * x3;
      g3 -= p1 * lnN[i]!; g4 -= p2 * lnD[i]!;
    }
    g[0] = g0; g[1] = g1; g[2] = g2; g[3] = g3; g[4] = g4;
    return f;
  };
}

export const CHINCHILLA_GRID = {
  alpha: [0, 0.5, 1, 1.5, 2],
  beta: [0, 0.5, 1, 1.5, 2],
  e: [-1, -0.5, 0, 0.5, 1],
  a: [0, 5, 10, 15, 20, 25],
  b: [0, 5, 10, 15, 20, 25],
};

export function gridStarts(grid = CHINCHILLA_GRID): number[][] {
  const out: number[][] = [];
  for (const a of grid.a) for (const b of grid.b) for (const e of grid.e)
    for (const al of grid.alpha) for (const be of grid.beta) out.push([a, b, e, al, be]);
  return out;
}

/** The `k` starts with the lowest objective (all of them when k ≥ starts.length). */
export function screenStarts(data: FitData, starts: number[][], delta: number, k: number): number[][] {
  if (k >= starts.length) return starts;
  const fn = huberObjective(data, delta);
  const g = new Float64Array(5);
  const scored = starts.map((s) => ({ s, f: fn(Float64Array.from(s), g) }));
  scored.sort((p, q) => (Number.isFinite(p.f) ? p.f : Infinity) - (Number.isFinite(q.f) ? q.f : Infinity));
  return scored.slice(0, k).map((x) => x.s);
}

/** Minimise from each start; return the best θ, its objective and how many starts converged. */
export function bestOfStarts(data: FitData, starts: number[][], delta: number, maxIter = 1000) {
  const fn = huberObjective(data, delta);
  let best: { theta: Float64Array; f: number } | undefined;
  let converged = 0;
  for (const s of starts) {
    const r = minimizeLbfgs(fn, s, { maxIter });
    if (r.converged) converged++;
    if (Number.isFinite(r.f) && r.x.every(Number.isFinite) && (!best || r.f < best.f)) best = { theta: r.x, f: r.f };
  }
  if (!best) throw new Error("parametric fit: no start reached a finite objective");
  return { ...best, converged };
}

/** Allocation implied by a law under C = 6ND: N_opt = G·(C/6)^a, D_opt = (C/6)^b / G, G = (αA/(βB))^(1/(α+β)). */
export function impliedAllocation(l: ParametricLaw): { a: number; b: number; kN: number; kD: number } {
  const s = l.alpha + l.beta;
  const a = l.beta / s, b = l.alpha / s;
  const G = ((l.alpha * l.A) / (l.beta * l.B)) ** (1 / s);
  return { a, b, kN: G * FLOPS_PER_PARAM_TOKEN ** -a, kD: FLOPS_PER_PARAM_TOKEN ** -b / G };
}

/** Compute-optimal N, D and predicted loss at C FLOPs for a parametric law. */
export function parametricOptimum(l: ParametricLaw, C: number): { N: number; D: number; L: number } {
  const { a, b, kN, kD } = impliedAllocation(l);
  const N = kN * C ** a, D = kD * C ** b;
  return { N, D, L: predictLoss(l, N, D) };
}

/** The fitted law with its implied allocation and degeneracy, as fitParametric and fitParametricParallel return it. */
export function assembleFit(l: ParametricLaw, rows: readonly RunRow[], f: number, starts: number, converged: number, delta: number): ParametricFit {
  return { ...l, objective: f, ...impliedAllocation(l), runs: rows.length, starts, converged, delta, degenerate: parametricDegeneracy(l, rows) };
}

/** A parametric fit that collapsed (parametricDegeneracy); fit.json files from before the rule carry no list. */
export function isDegenerate(p: { degenerate?: string[] } | null | undefined): boolean {
  return (p?.degenerate?.length ?? 0) > 0;
}

/** Bounds of the degeneracy rule (docs/SWEEPS.md, "Degenerate parametric fits"). */
export const DEGENERACY = {
  /** a term A/N^α whose value changes by less than this fraction of itself across the fitted runs' N is a constant */
  minTermChange: 0.1,
  /** E below this fraction of the lowest measured loss has collapsed to its bound (E → 0) */
  minEShare: 0.05,
  /** a term that moves the loss by less than this across the fitted runs (nats) plays no part in the law */
  minTermNats: 1e-3,
  /** exponents above this make a term a step across the data, not a power law */
  maxExponent: 5,
} as const;

/**
 * Why a fitted L = E + A/N^α + B/D^β is no law (empty: nothing speaks against it). The form can fit almost any
 * table by collapsing: α → 0 turns A/N^α into a constant that trades with E, E → 0 pushes ln E to its open bound,
 * and the implied allocation a = β/(α+β) then reflects the collapse, not the data (the demo's CLM fit: E = 0.00096,
 * α = 0.0011, hence a = 0.999). A term is collapsed when it changes by less than 10% of itself across the range of
 * N (or D) that was fitted (1 − (min/max)^α < 0.1), or negligible when it moves the loss by less than 1e-3 nats there.
 */
export function parametricDegeneracy(l: ParametricLaw, rows: readonly { N: number; D: number; loss: number }[]): string[] {
  const out: string[] = [];
  const range = (xs: number[]) => Math.min(...xs) / Math.max(...xs);
  const term = (name: string, exp: number, sym: string, ratio: number, atMin: number) => {
    const change = 1 - ratio ** exp;
    if (atMin * change < DEGENERACY.minTermNats) out.push(`the ${sym}-term is negligible: it changes the loss by ${(atMin * change).toPrecision(2)} nats across the fitted ${sym} range`);
    else if (exp > DEGENERACY.maxExponent) out.push(`${name}=${exp.toPrecision(3)} is above ${DEGENERACY.maxExponent}: the ${sym}-term is a step across the runs, not a power law`);
    else if (!(change >= DEGENERACY.minTermChange)) out.push(`${name}=${exp.toPrecision(2)} has collapsed: the ${sym}-term changes by ${(100 * Math.max(0, change)).toPrecision(2)}% across the fitted ${sym} range, so it is a constant traded against E`);
  };
  const Ns = rows.map((r) => r.N), Ds = rows.map((r) => r.D);
  term("α", l.alpha, "N", range(Ns), l.A / Math.min(...Ns) ** l.alpha);
  term("β", l.beta, "D", range(Ds), l.B / Math.min(...Ds) ** l.beta);
  const minLoss = Math.min(...rows.map((r) => r.loss));
  if (!(l.E >= DEGENERACY.minEShare * minLoss)) out.push(`E=${l.E.toPrecision(2)} has collapsed towards 0 (below ${100 * DEGENERACY.minEShare}% of the lowest loss, ${minLoss.toPrecision(4)})`);
  return out;
}

/** Refuse tables the law cannot be fitted to, saying why (instead of printing NaN·C^-0.0000). */
export function checkParametricInput(rows: readonly RunRow[]): void {
  if (rows.length < 5) throw new Error(`parametric fit needs at least 5 runs, got ${rows.length}`);
  // E + A/N^α + B/D^β is not identifiable from losses that do not vary, or from one N or one D only
  const spread = (xs: number[]) => Math.max(...xs) / Math.min(...xs) - 1;
  if (spread(rows.map((r) => r.loss)) < 1e-9) throw new Error(`parametric fit: all ${rows.length} losses are equal (${rows[0]!.loss}); there is no law to fit`);
  if (spread(rows.map((r) => r.N)) < 1e-9) throw new Error("parametric fit: every run has the same N; A/N^α cannot be separated from E");
  if (spread(rows.map((r) => r.D)) < 1e-9) throw new Error("parametric fit: every run has the same D; B/D^β cannot be separated from E");
}

/** A fit whose law or implied allocation is not finite is no result. */
export function checkFiniteFit(fit: ParametricFit): ParametricFit {
  if (![fit.E, fit.A, fit.B, fit.alpha, fit.beta, fit.a, fit.b, fit.kN, fit.kD].every(Number.isFinite)) {
    throw new Error(`parametric fit: no start converged to a finite law (α=${fit.alpha}, β=${fit.beta}); the table may not follow E + A/N^α + B/D^β`);
  }
  return fit;
}

/** Fit L(N,D) = E + A/N^α + B/D^β to runs (one objective at a time); optional bootstrap intervals. */
export function fitParametric(rows: readonly RunRow[], opts: ParametricOptions = {}): ParametricFit {
  checkParametricInput(rows);
  const delta = opts.delta ?? 1e-3;
  const data = fitData(rows);
  const starts = screenStarts(data, gridStarts(opts.grid), delta, opts.topStarts ?? 200);
  const best = bestOfStarts(data, starts, delta, opts.maxIter);
  const fit = checkFiniteFit(assembleFit(lawOf(best.theta), rows, best.f, starts.length, best.converged, delta));
  const resamples = opts.bootstrap ?? 0;
  if (resamples > 0) {
    const thetas = bootstrapThetas(data, Array.from(best.theta), delta, opts.seed ?? 0, 0, resamples, opts.maxIter);
    Object.assign(fit, summariseBootstrap(thetas, resamples, opts.seed ?? 0, opts.level ?? 0.95));
  }
  return fit;
}

/**
 * Refit resamples [from, to) of a bootstrap, each from the full-data optimum θ̂. Resample i uses its own
 * seeded stream, so any split of the range over workers gives identical results. NaN rows mark failures.
 */
export function bootstrapThetas(
  data: FitData, theta0: number[], delta: number, seed: number, from: number, to: number, maxIter = 1000,
): Float64Array[] {
  const n = data.lnN.length;
  const local: FitData = { ...data, w: new Float64Array(n) };
  const fn = huberObjective(local, delta);
  const out: Float64Array[] = [];
  for (let i = from; i < to; i++) {
    const rng = new Rng(mixSeed(seed, i));
    local.w.fill(0);
    for (let k = 0; k < n; k++) local.w[rng.int(n)]! += 1;
    const r = minimizeLbfgs(fn, theta0, { maxIter });
    out.push(Number.isFinite(r.f) && r.x.every(Number.isFinite) ? r.x : new Float64Array(5).fill(NaN));
  }
  return out;
}

/** Percentile intervals of E, A, B, α, β and the implied a, b, kN, kD from bootstrap θs. */
export function summariseBootstrap(thetas: Float64Array[], resamples: number, seed: number, level: number) {
  const cols: Record<ParametricKey, number[]> = { E: [], A: [], B: [], alpha: [], beta: [], a: [], b: [], kN: [], kD: [] };
  let failed = 0;
  for (const t of thetas) {
    if (!t.every(Number.isFinite)) { failed++; continue; }
    const l = lawOf(t);
    const al = impliedAllocation(l);
    if (![l.E, l.A, l.B, l.alpha, l.beta, al.a, al.b, al.kN, al.kD].every(Number.isFinite)) { failed++; continue; }
    cols.E.push(l.E); cols.A.push(l.A); cols.B.push(l.B); cols.alpha.push(l.alpha); cols.beta.push(l.beta);
    cols.a.push(al.a); cols.b.push(al.b); cols.kN.push(al.kN); cols.kD.push(al.kD);
  }
  const ci = {} as Record<ParametricKey, Interval | null>;
  for (const k of Object.keys(cols) as ParametricKey[]) ci[k] = finiteInterval(cols[k], level);
  return { ci, bootstrap: bootstrapInfo(resamples, failed, seed, level) };
}

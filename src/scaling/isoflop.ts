// IsoFLOP profiles (Chinchilla approach 2): per budget, a parabola of loss in ln N; its minimum gives
// (N_opt, D_opt = C/(6·N_opt), L_opt); then power laws N_opt = kN·C^a, D_opt = kD·C^b, L_opt = kL·(C/cRef)^γ
// by least squares in log space, with a bootstrap (runs resampled within each budget) for intervals.
import { bootstrapInfo, finiteInterval, fitParabola, fitPowerLaw, type BootstrapInfo, type Interval } from "./regress.js";
import { Rng } from "../core/random.js";
import { mixSeed } from "../core/hash.js";
import type { RunRow } from "./runs-table.js";
import { tokensForFlops } from "./compute.js";

export interface IsoflopOptions {
  /** runs whose C lie within this relative distance of a group's first C share a budget (default 0.1) */
  budgetTolerance?: number;
  /** bootstrap resamples (default 0) */
  bootstrap?: number;
  seed?: number;
  level?: number;
  /** reference compute of the loss law (default 8.64e19 FLOPs = 1 PF-day, as the released fits) */
  cRef?: number;
  /** refuse (throw) instead of skipping budgets without an interior minimum */
  strict?: boolean;
  /** also predict N_opt, D_opt, L_opt at these budgets, with bootstrap intervals (src/scaling/holdout.ts) */
  predictAt?: number[];
}

/** The laws' optimum at a budget, with the bootstrap interval of each quantity (null without a bootstrap). */
export interface IsoflopPrediction {
  C: number;
  N: number;
  D: number;
  L: number;
  ci: { N: Interval | null; D: Interval | null; L: Interval | null };
}

/** A budget left out of the power-law fits, and why. */
export interface SkippedBudget {
  C: number;
  runs: number;
  sizes: number;
  reason: string;
}

export interface BudgetMinimum {
  /** the budget in FLOPs (geometric mean of the group's C, or its `budget` column when that is a FLOP count) */
  C: number;
  runs: number;
  /** tried sizes */
  minN: number;
  maxN: number;
  N: number;
  D: number;
  L: number;
  /** parabola in x = ln N: loss = c0 + c1·x + c2·x² */
  parabola: { c0: number; c1: number; c2: number };
  /** used in the power-law fits: the parabola opens upward and its minimum lies inside the sizes tried */
  used: boolean;
  warnings: string[];
}

export type IsoflopKey = "a" | "b" | "kN" | "kD" | "gamma" | "kL";

export interface IsoflopFit {
  a: number;
  b: number;
  kN: number;
  kD: number;
  kL: number;
  gamma: number;
  cRef: number;
  /** r² of the log-space line fits */
  r2: { N: number; D: number; L: number };
  minima: BudgetMinimum[];
  /** budgets with fewer than 3 sizes (no parabola) */
  skipped: SkippedBudget[];
  warnings: string[];
  runs: number;
  /** bootstrap intervals; null for a key no resample could estimate */
  ci?: Record<IsoflopKey, Interval | null>;
  bootstrap?: BootstrapInfo;
  /** the optimum at each of `predictAt`'s budgets */
  predictions?: IsoflopPrediction[];
}

/** N_opt, D_opt, L_opt at C under a law (the same formulas for the fit and each bootstrap resample). */
function optimumAt(l: Pick<IsoflopFit, "kN" | "a" | "kD" | "b" | "kL" | "gamma">, C: number, cRef: number) {
  return { N: l.kN * C ** l.a, D: l.kD * C ** l.b, L: l.kL * (C / cRef) ** l.gamma };
}

/** Group runs into compute budgets: an explicit numeric `budget` column wins; otherwise C within a tolerance. */
export function groupByBudget(rows: readonly RunRow[], tolerance = 0.1): RunRow[][] {
  const explicit = rows.every((r) => r.extra.budget !== undefined && r.extra.budget !== "");
  if (explicit) {
    const m = new Map<string, RunRow[]>();
    for (const r of rows) {
      const k = String(r.extra.budget);
      if (!m.has(k)) m.set(k, []);
      m.get(k)!.push(r);
    }
    return [...m.values()].sort((p, q) => p[0]!.C - q[0]!.C);
  }
  const sorted = [...rows].sort((p, q) => p.C - q.C);
  const groups: RunRow[][] = [];
  for (const r of sorted) {
    const g = groups[groups.length - 1];
    if (g && r.C <= g[0]!.C * (1 + tolerance)) g.push(r);
    else groups.push([r]);
  }
  return groups;
}

function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

/** Fit one budget's parabola and locate its minimum, with warnings for edges and downward parabolas. */
export function budgetMinimum(group: readonly RunRow[]): BudgetMinimum {
  const C = geomean(group.map((r) => r.C));
  const xs = group.map((r) => Math.log(r.N));
  const distinct = new Set(xs.map((x) => x.toFixed(9))).size;
  const fmt = (x: number) => x.toExponential(2);
  if (distinct < 3) {
    throw new Error(`budget C≈${fmt(C)}: needs at least 3 distinct model sizes for a parabola, has ${distinct}`);
  }
  const p = fitParabola(xs, group.map((r) => r.loss));
  const minX = Math.min(...xs), maxX = Math.max(...xs);
  const warnings: string[] = [];
  let used = true;
  let x: number;
  const losses = group.map((r) => r.loss);
  const spread = Math.max(...losses) - Math.min(...losses);
  if (!(spread > 1e-9 * Math.max(1, Math.abs(losses[0]!)))) {
    // constant losses: the parabola's curvature is rounding noise, and its "minimum" with it (C^-0.0000)
    warnings.push(`budget C≈${fmt(C)}: the losses do not vary across model sizes (all ${losses[0]}); budget left out of the power-law fit`);
    used = false;
    x = xs[0]!;
  } else if (!(p.c2 > 0)) {
    warnings.push(`budget C≈${fmt(C)}: the parabola opens downward (no minimum); budget left out of the power-law fit`);
    used = false;
    // report the best observed run instead
    let best = 0;
    group.forEach((r, i) => { if (r.loss < group[best]!.loss) best = i; });
    x = xs[best]!;
  } else {
    x = -p.c1 / (2 * p.c2);
    if (x < minX || x > maxX) {
      warnings.push(`budget C≈${fmt(C)}: the minimum N≈${fmt(Math.exp(x))} lies beyond the sizes tried (${fmt(Math.exp(minX))}..${fmt(Math.exp(maxX))}); budget left out of the power-law fit — extend the grid`);
      used = false;
    } else {
      let best = 0;
      group.forEach((r, i) => { if (r.loss < group[best]!.loss) best = i; });
      if (xs[best] === minX || xs[best] === maxX) {
        warnings.push(`budget C≈${fmt(C)}: the lowest loss is at the ${xs[best] === minX ? "smallest" : "largest"} size tried; the minimum sits at the grid edge`);
      }
    }
  }
  const N = Math.exp(x);
  return {
    C, runs: group.length, minN: Math.exp(minX), maxN: Math.exp(maxX),
    N, D: tokensForFlops(C, N), L: p.c0 + p.c1 * x + p.c2 * x * x,
    parabola: p, used, warnings,
  };
}

/** Distinct model sizes in a budget (a parabola needs 3). */
export function distinctSizes(group: readonly RunRow[]): number {
  return new Set(group.map((r) => Math.log(r.N).toFixed(9))).size;
}

/** Power laws through the usable minima. */
function lawsFrom(minima: readonly BudgetMinimum[], cRef: number) {
  const use = minima.filter((m) => m.used);
  if (use.length < 2) throw new Error(`IsoFLOP fit needs at least 2 budgets with an interior minimum, has ${use.length}`);
  const C = use.map((m) => m.C);
  const n = fitPowerLaw(C, use.map((m) => m.N));
  const d = fitPowerLaw(C, use.map((m) => m.D));
  const l = fitPowerLaw(C.map((c) => c / cRef), use.map((m) => m.L));
  return { a: n.exponent, kN: n.k, b: d.exponent, kD: d.k, gamma: l.exponent, kL: l.k, r2: { N: n.r2, D: d.r2, L: l.r2 } };
}

export function fitIsoflop(rows: readonly RunRow[], opts: IsoflopOptions = {}): IsoflopFit {
  const cRef = opts.cRef ?? 8.64e19;
  const fmt = (x: number) => x.toExponential(2);
  const all = groupByBudget(rows, opts.budgetTolerance);
  // budgets with 1–2 sizes carry no parabola: skipped with a warning (real logs have them), not an error
  const skipped: SkippedBudget[] = [];
  const groups = all.filter((g) => {
    const sizes = distinctSizes(g);
    if (sizes >= 3) return true;
    const C = Math.exp(g.reduce((s, r) => s + Math.log(r.C), 0) / g.length);
    skipped.push({ C, runs: g.length, sizes, reason: `${sizes} distinct model size(s); a parabola needs 3` });
    return false;
  });
  const minima = groups.map(budgetMinimum);
  const warnings = [
    ...skipped.map((s) => `budget C≈${fmt(s.C)} skipped: ${s.reason}`),
    ...minima.flatMap((m) => m.warnings),
  ];
  const outside = minima.filter((m) => !m.used);
  if (opts.strict && outside.length) {
    throw new Error(`--strict: ${outside.length} budget(s) without an interior minimum: ${outside.map((m) => `C≈${fmt(m.C)}`).join(", ")}`);
  }
  let laws: ReturnType<typeof lawsFrom>;
  try {
    laws = lawsFrom(minima, cRef);
  } catch (e) {
    // say why each budget dropped out: that is what the user has to fix
    throw new Error(`${(e as Error).message}${warnings.length ? `:\n  ${warnings.join("\n  ")}` : ""}`);
  }
  if (minima.filter((m) => m.used).length < 3) warnings.push("fewer than 3 budgets: the power laws are poorly determined");
  const fit: IsoflopFit = { ...laws, cRef, minima, skipped, warnings, runs: rows.length };
  const at = opts.predictAt ?? [];
  // per predicted budget and quantity, the resamples' values (an interval of kN·C^a needs the joint draws of kN and a)
  const draws = at.map(() => ({ N: [] as number[], D: [] as number[], L: [] as number[] }));
  const resamples = opts.bootstrap ?? 0;
  if (resamples > 0) {
    const seed = opts.seed ?? 0, level = opts.level ?? 0.95;
    const cols: Record<IsoflopKey, number[]> = { a: [], b: [], kN: [], kD: [], gamma: [], kL: [] };
    let failed = 0;
    for (let i = 0; i < resamples; i++) {
      const rng = new Rng(mixSeed(seed, i));
      try {
        // the same rule as the point estimate: a resampled budget that lost its 3 sizes or its interior
        // minimum drops out; the resample fails when fewer than 2 budgets remain
        const ms = groups
          .map((g) => g.map(() => g[rng.int(g.length)]!))
          .filter((g) => distinctSizes(g) >= 3)
          .map(budgetMinimum);
        const l = lawsFrom(ms, cRef);
        if (!(Object.keys(cols) as IsoflopKey[]).every((k) => Number.isFinite(l[k]))) throw new Error("non-finite law");
        for (const k of Object.keys(cols) as IsoflopKey[]) cols[k].push(l[k]);
        at.forEach((C, j) => { const o = optimumAt(l, C, cRef); draws[j]!.N.push(o.N); draws[j]!.D.push(o.D); draws[j]!.L.push(o.L); });
      } catch {
        failed++;
      }
    }
    const ci = {} as Record<IsoflopKey, Interval | null>;
    for (const k of Object.keys(cols) as IsoflopKey[]) ci[k] = finiteInterval(cols[k], level);
    fit.ci = ci;
    fit.bootstrap = bootstrapInfo(resamples, failed, seed, level);
    if (fit.bootstrap.flagged) warnings.push(fit.bootstrap.flagged);
  }
  if (at.length) {
    const level = opts.level ?? 0.95;
    fit.predictions = at.map((C, j) => {
      const d = draws[j]!;
      const band = (xs: number[]) => (resamples > 0 ? finiteInterval(xs, level) : null);
      return { C, ...optimumAt(laws, C, cRef), ci: { N: band(d.N), D: band(d.D), L: band(d.L) } };
    });
  }
  return fit;
}

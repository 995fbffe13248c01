// `sweep fit`: a sweep's finished runs → runs table → IsoFLOP profiles, parametric L(N,D) and the loss-curve
// envelope per objective (src/scaling), with the warnings a small sweep deserves (too few runs, minima at grid
// edges, curves too flat to locate a minimum). The result is SWEEP/fit.json, which `report` renders.
import { existsSync, readFileSync } from "node:fs";
import {
  budgetMinimum, fitEnvelope, fitIsoflop, fitParametric, groupByBudget, holdoutBudget, isDegenerate, PRESETS,
  type BudgetMinimum, type HoldoutCheck, type EnvelopeFit, type IsoflopFit, type LossCurve, type ParametricFit, type RunRow,
} from "../scaling/index.js";
import { readJson } from "../core/files.js";
import { pointPaths, readDesign, sweepStatus } from "./layout.js";
import type { Objective } from "../core/objective.js";
import type { SweepDesign } from "./types.js";
import type { Interval } from "../scaling/regress.js";
import { trainingFlops } from "../scaling/compute.js";

export interface FitOptions {
  /** bootstrap resamples for the IsoFLOP and parametric intervals (default 200) */
  bootstrap?: number;
  seed?: number;
  /** a budget whose losses differ by less than this across sizes counts as flat (nats; default 0.01) */
  flatNats?: number;
  /**
   * "auto" (default): hold out the largest budget and predict it from the others when ≥ 3 budgets are bracketed;
   * "largest" or a budget C: always (a warning when it cannot be done); "none": never
   */
  holdout?: "auto" | "none" | "largest" | number;
}

export interface BudgetCheck {
  C: number;
  runs: number;
  /** max − min loss across the sizes tried (nats) */
  spread: number;
  flat: boolean;
}

export interface ObjectiveFit {
  objective: Objective;
  runs: number;
  planned: number;
  failed: number;
  budgets: BudgetCheck[];
  /** per-budget parabolas and minima (also when the power laws could not be fitted) */
  profiles: BudgetMinimum[];
  isoflop: IsoflopFit | null;
  parametric: ParametricFit | null;
  envelope: EnvelopeFit | null;
  /** true when most budgets are too flat for their minima to mean anything */
  tooFlat: boolean;
  /** budgets whose parabola has its minimum inside the sizes tried */
  interiorMinima: number;
  /** why the exponents should not be read as a result (null when nothing speaks against them) */
  unreliable: string | null;
  /** approach 2 (IsoFLOP) beside approach 3 (parametric) for the allocation exponent a (N_opt ∝ C^a) */
  allocation: AllocationComparison | null;
  /** "Does the law extrapolate?": one budget predicted from the others (null when not done) */
  holdout: HoldoutCheck | null;
  warnings: string[];
}

export interface AllocationEstimate {
  a: number;
  ci: Interval | null;
}

/**
 * Chinchilla's approach 2 and 3 estimate the same exponent from the same runs in different ways: IsoFLOP
 * parabolas use each budget's minimum only (and are biased when the sizes are not symmetric about it);
 * the parametric law uses every run but assumes the form E + A/N^α + B/D^β.
 */
export interface AllocationComparison {
  isoflop: AllocationEstimate | null;
  parametric: AllocationEstimate | null;
  /** the intervals do not overlap (or, without intervals, the estimates differ by more than 0.1) */
  disagree: boolean;
  /** the estimate the report shows first */
  lead: "isoflop" | "parametric";
  why: string;
}

export interface SweepFit {
  format: "plmscale-sweep-fit";
  sweep: string;
  createdAt: string;
  budgetRange: [number, number];
  objectives: ObjectiveFit[];
  /** the paper's allocation exponents (Cheng et al. 2024) for comparison */
  paper: Record<Objective, { a: number; b: number }>;
  warnings: string[];
}

export interface RunRecord {
  id: string;
  objective: Objective;
  budget: number;
  N: number;
  D: number;
  C: number;
  loss: number;
  epochs: number | null;
  wallSeconds?: number;
  tokensPerSecond?: number;
}

/** Finished runs of a sweep, with the design's budget as the grouping key (the trainer rounds D to rows). */
export function collectRuns(sweepDir: string, design: SweepDesign = readDesign(sweepDir)): RunRecord[] {
  const out: RunRecord[] = [];
  for (const p of design.points) {
    const path = pointPaths(sweepDir, p).result;
    if (!existsSync(path)) continue;
    const r = readJson<{ N: number; D: number; C?: number; loss: number; wallSeconds?: number; tokensPerSecond?: number }>(path);
    const C = r.C ?? trainingFlops(r.N, r.D);
    out.push({
      id: p.id, objective: p.objective, budget: p.C, N: r.N, D: r.D, C, loss: r.loss,
      epochs: design.uniqueTrainTokens ? r.D / design.uniqueTrainTokens : null,
      wallSeconds: r.wallSeconds, tokensPerSecond: r.tokensPerSecond,
    });
  }
  return out;
}

/** Validation-loss curves (FLOPs so far, loss) from each finished run's metrics.jsonl. */
export function collectCurves(sweepDir: string, design: SweepDesign = readDesign(sweepDir)): (LossCurve & { objective: Objective; budget: number })[] {
  const out: (LossCurve & { objective: Objective; budget: number })[] = [];
  for (const p of design.points) {
    const pp = pointPaths(sweepDir, p);
    if (!existsSync(pp.metrics)) continue;
    const points: { flops: number; loss: number }[] = [];
    for (const line of readFileSync(pp.metrics, "utf8").split("\n")) {
      if (!line.trim()) continue;
      let m: { flops?: number; tokens?: number; valLoss?: number };
      try { m = JSON.parse(line); } catch { continue; } // a line cut off by a crash
      const flops = m.flops ?? (m.tokens !== undefined ? trainingFlops(p.N, m.tokens) : undefined);
      if (typeof m.valLoss === "number" && Number.isFinite(m.valLoss) && flops && flops > 0) points.push({ flops, loss: m.valLoss });
    }
    if (points.length) out.push({ run: p.id, N: p.N, points, objective: p.objective, budget: p.C });
  }
  return out;
}

export function toRunRows(runs: RunRecord[]): RunRow[] {
  return runs.map((r) => ({ objective: r.objective, N: r.N, D: r.D, C: r.C, loss: r.loss, extra: { budget: r.budget, id: r.id } }));
}

function budgetChecks(rows: RunRow[], flatNats: number): BudgetCheck[] {
  return groupByBudget(rows).map((g) => {
    const ls = g.map((r) => r.loss);
    const spread = Math.max(...ls) - Math.min(...ls);
    return { C: Number(g[0]!.extra.budget ?? g[0]!.C), runs: g.length, spread, flat: spread < flatNats };
  });
}

function fitObjective(objective: Objective, design: SweepDesign, runs: RunRecord[], curves: LossCurve[], failed: number, o: FitOptions): ObjectiveFit {
  const rows = toRunRows(runs.filter((r) => r.objective === objective));
  const planned = design.points.filter((p) => p.objective === objective).length;
  const warnings: string[] = [];
  const flatNats = o.flatNats ?? 0.01;
  const res: ObjectiveFit = { objective, runs: rows.length, planned, failed, budgets: [], profiles: [], isoflop: null, parametric: null, envelope: null, tooFlat: false, interiorMinima: 0, unreliable: null, allocation: null, holdout: null, warnings };
  if (rows.length < planned) warnings.push(`${objective}: ${rows.length} of ${planned} planned runs finished${failed ? ` (${failed} failed)` : ""}; the fit uses what is there`);
  if (rows.length === 0) return res;
  res.budgets = budgetChecks(rows, flatNats);
  for (const b of res.budgets) {
    if (b.runs < 3) warnings.push(`${objective} C=${b.C.toExponential(1)}: only ${b.runs} finished run(s); a parabola needs 3 sizes`);
    else if (b.flat) warnings.push(`${objective} C=${b.C.toExponential(1)}: losses differ by only ${b.spread.toFixed(4)} nats across sizes — too flat to locate a minimum (noise level)`);
  }
  const flatCount = res.budgets.filter((b) => b.flat).length;
  res.tooFlat = flatCount > res.budgets.length / 2;
  if (res.tooFlat) warnings.push(`${objective}: ${flatCount} of ${res.budgets.length} budgets are flat; its fitted exponents are not meaningful — raise the budgets so the curves bend (more time, or a GPU)`);
  const groups = groupByBudget(rows).filter((g) => new Set(g.map((r) => r.N)).size >= 3);
  const usable = groups.flat();
  res.profiles = groups.map((g) => budgetMinimum(g));
  try {
    res.isoflop = fitIsoflop(usable, { bootstrap: o.bootstrap ?? 200, seed: o.seed ?? 0 });
    res.profiles = res.isoflop.minima;
    warnings.push(...res.isoflop.warnings.map((w) => `${objective} IsoFLOP: ${w}`));
    const ia = res.isoflop.ci?.a;
    if (ia && ia.hi - ia.lo > 0.5) {
      warnings.push(`${objective} IsoFLOP: the 95% interval of a is ${ia.lo.toFixed(2)}..${ia.hi.toFixed(2)} — poorly constrained`);
    }
  } catch (e) {
    warnings.push(...res.profiles.flatMap((m) => m.warnings.map((w) => `${objective} IsoFLOP: ${w}`)));
    warnings.push(`${objective} IsoFLOP fit failed: ${(e as Error).message}`);
  }
  res.interiorMinima = res.profiles.filter((m) => m.used && m.N >= m.minN && m.N <= m.maxN).length;
  if (res.tooFlat) res.unreliable = "curves too flat";
  else if (res.interiorMinima < 2) {
    res.unreliable = `only ${res.interiorMinima} budget(s) with a minimum inside the sizes tried`;
    warnings.push(`${objective}: ${res.unreliable}; the IsoFLOP exponents are extrapolations, not measurements — move the sizes towards the edge where the loss is lowest`);
  }
  try {
    res.parametric = fitParametric(rows, { bootstrap: Math.min(o.bootstrap ?? 200, 100), seed: o.seed ?? 0 });
    const pa = res.parametric.ci?.a;
    if (pa && pa.hi - pa.lo > 0.5) {
      warnings.push(`${objective} parametric: the 95% interval of a is ${pa.lo.toFixed(2)}..${pa.hi.toFixed(2)} — poorly constrained`);
    }
    if (res.parametric.bootstrap?.flagged) warnings.push(`${objective} parametric: ${res.parametric.bootstrap.flagged}`);
    if (isDegenerate(res.parametric)) {
      warnings.push(`${objective} parametric fit is degenerate — ${res.parametric.degenerate.join("; ")}; its implied exponents are an artefact of the form and are not reported as a result`);
    }
  } catch (e) {
    warnings.push(`${objective} parametric fit failed: ${(e as Error).message}`);
  }
  res.allocation = compareAllocation(res.isoflop, res.parametric, res.interiorMinima);
  if (res.allocation?.disagree) {
    const i = res.allocation.isoflop!, p = res.allocation.parametric!;
    warnings.push(`${objective}: approach 2 (IsoFLOP a=${i.a.toFixed(3)}) and approach 3 (parametric a=${p.a.toFixed(3)}) disagree beyond their intervals; the report leads with ${res.allocation.lead}: ${res.allocation.why}`);
  }
  const ho = o.holdout ?? "auto";
  if (ho !== "none" && (ho !== "auto" || res.interiorMinima >= 3)) {
    try {
      res.holdout = holdoutBudget(rows, ho === "auto" ? "largest" : ho, { bootstrap: o.bootstrap ?? 200, seed: o.seed ?? 0 });
      const h = res.holdout;
      if (h.inside.N === false || h.inside.L === false) warnings.push(`${objective}: the law does not extrapolate to the held-out budget — ${h.verdict}`);
      warnings.push(...h.warnings.map((w) => `${objective} holdout: ${w}`));
    } catch (e) {
      warnings.push(`${objective}: no holdout check: ${(e as Error).message}`);
    }
  }
  try {
    res.envelope = fitEnvelope(curves);
    warnings.push(...res.envelope.warnings.map((w) => `${objective} envelope: ${w}`));
  } catch (e) {
    warnings.push(`${objective} envelope fit failed: ${(e as Error).message}`);
  }
  return res;
}

const overlap = (x: Interval, y: Interval) => x.lo <= y.hi && y.lo <= x.hi;

/**
 * Approach 2 beside approach 3. The report leads with the IsoFLOP estimate (the paper's method, free of the
 * parametric form) when at least 3 budgets have a bracketed minimum; with fewer, the IsoFLOP line rests on
 * extrapolated minima and the parametric fit, which uses every run, leads.
 */
export function compareAllocation(iso: IsoflopFit | null, par: ParametricFit | null, interiorMinima: number): AllocationComparison | null {
  const i: AllocationEstimate | null = iso && Number.isFinite(iso.a) ? { a: iso.a, ci: iso.ci?.a ?? null } : null;
  // a degenerate law's a = β/(α+β) reflects its collapse, not the runs: it is no estimate to compare or lead with
  const p: AllocationEstimate | null = par && !isDegenerate(par) && Number.isFinite(par.a) ? { a: par.a, ci: par.ci?.a ?? null } : null;
  if (!i && !p) return null;
  let disagree = false;
  if (i && p) disagree = i.ci && p.ci ? !overlap(i.ci, p.ci) : Math.abs(i.a - p.a) > 0.1;
  const isoLeads = i !== null && (interiorMinima >= 3 || p === null);
  return {
    isoflop: i, parametric: p, disagree, lead: isoLeads ? "isoflop" : "parametric",
    why: isoLeads
      ? (interiorMinima >= 3 ? `${interiorMinima} budgets have a bracketed minimum, so the IsoFLOP exponent is measured (and free of the parametric form)` : "no parametric fit")
      : `only ${interiorMinima} budget(s) have a bracketed minimum, so the IsoFLOP line is an extrapolation; the parametric fit uses every run`,
  };
}

export function fitSweep(sweepDir: string, o: FitOptions = {}): SweepFit {
  const design = readDesign(sweepDir);
  const runs = collectRuns(sweepDir, design);
  const curves = collectCurves(sweepDir, design);
  const status = sweepStatus(sweepDir, design);
  const objectives = design.objectives.map((obj) => {
    const failed = status.runs.filter((r) => r.state === "failed" && design.points[r.index]!.objective === obj).length;
    return fitObjective(obj, design, runs, curves.filter((c) => c.objective === obj), failed, o);
  });
  const warnings = objectives.flatMap((x) => x.warnings);
  if (design.budgets.length > 0 && design.budgets[design.budgets.length - 1]! / design.budgets[0]! < 10) {
    warnings.push(`the budgets span less than a decade (${design.budgets[0]!.toExponential(1)}..${design.budgets[design.budgets.length - 1]!.toExponential(1)} FLOPs); exponents extrapolate poorly`);
  }
  return {
    format: "plmscale-sweep-fit",
    sweep: sweepDir,
    createdAt: new Date().toISOString(),
    budgetRange: [Math.min(...design.budgets), Math.max(...design.budgets)],
    objectives,
    paper: { clm: { a: PRESETS["paper-clm"]!.law.a, b: PRESETS["paper-clm"]!.law.b }, mlm: { a: PRESETS["paper-mlm"]!.law.a, b: PRESETS["paper-mlm"]!.law.b } },
    warnings,
  };
}

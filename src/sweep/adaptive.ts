// Adaptive IsoFLOP design (docs/SWEEPS.md "Adaptive design"). Budgets run smallest first; when all runs of an
// objective's current budget have finished, its parabola in ln N is fitted (scaling/isoflop budgetMinimum):
// - minimum inside the sizes, curvature > 0, ≥ 1 size on each side: bracketed → open the next budget, centred
//   on the law fitted from the bracketed budgets so far (falling back to the preset's exponent);
// - minimum at or beyond an edge, or curvature ≤ 0: add sizes beyond that edge at the same log spacing, unless
//   a limit stops it (fewest optimizer steps, most epochs, most sizes per budget, smallest model).
// Pure: the decision depends only on the design and the finished runs, so a resumed sweep makes the same one.
import { budgetMinimum, type BudgetMinimum, type RunRow } from "../scaling/index.js";
import { fitPowerLaw } from "../scaling/regress.js";
import { formatBudget, formatParams, MIN_N, pointsForBudget } from "./design.js";
import type { Objective } from "../core/objective.js";
import type { AdaptiveEvent, AdaptiveLimits, SweepDesign, SweepPoint } from "./types.js";
import { trainingFlops } from "../scaling/compute.js";

/** A finished run as the decision sees it. */
export interface FinishedRun {
  id: string;
  objective: Objective;
  /** the design's budget */
  budget: number;
  N: number;
  D: number;
  loss: number;
}

export interface Decision {
  /** points to append (indices continue the design's) */
  points: SweepPoint[];
  events: AdaptiveEvent[];
  warnings: string[];
  /** every objective has decided its last budget: the sweep is complete */
  complete: boolean;
}

export interface BudgetState {
  objective: Objective;
  C: number;
  runs: number;
  sizes: number;
  minimum: BudgetMinimum | null;
  bracketed: boolean;
}

const rowsOf = (rs: FinishedRun[]): RunRow[] =>
  rs.map((r) => ({ objective: r.objective, N: r.N, D: r.D, C: trainingFlops(r.N, r.D), loss: r.loss, extra: { budget: r.budget } }));

/** The parabola of one budget's finished runs and whether its minimum is bracketed (≥ 1 size each side, c2 > 0). */
export function budgetState(objective: Objective, C: number, runs: FinishedRun[]): BudgetState {
  const mine = runs.filter((r) => r.objective === objective && r.budget === C);
  const sizes = new Set(mine.map((r) => r.N)).size;
  if (sizes < 3) return { objective, C, runs: mine.length, sizes, minimum: null, bracketed: false };
  const m = budgetMinimum(rowsOf(mine));
  const bracketed = m.parabola.c2 > 0 && m.N > m.minN && m.N < m.maxN;
  return { objective, C, runs: mine.length, sizes, minimum: m, bracketed };
}

/**
 * N_opt(C) for the next budget: a power law through the bracketed minima so far (≥ 2, exponent in [0.1, 1.2]);
 * else the fallback exponent pivoted through the latest bracketed minimum, or through the best run of the
 * latest budget; else the fallback law itself.
 */
export function nextCentre(design: SweepDesign, objective: Objective, done: BudgetState[], runs: FinishedRun[]): { source: string; at: (C: number) => number } {
  const fb = design.adaptive!.fallback[objective]!;
  const located = done.filter((b) => b.bracketed && b.minimum);
  if (located.length >= 2) {
    const law = fitPowerLaw(located.map((b) => b.C), located.map((b) => b.minimum!.N));
    if (Number.isFinite(law.exponent) && law.exponent >= 0.1 && law.exponent <= 1.2) {
      return { at: (C) => law.k * C ** law.exponent, source: `fit of ${located.length} bracketed budgets (N_opt ∝ C^${law.exponent.toFixed(2)})` };
    }
  }
  const pivot = (C0: number, N0: number, why: string) => ({ at: (C: number) => N0 * (C / C0) ** fb.a, source: `${why}, exponent ${fb.a} from ${fb.source}` });
  if (located.length) {
    const b = located[located.length - 1]!;
    return pivot(b.C, b.minimum!.N, `minimum of C=${formatBudget(b.C)} (N≈${formatParams(b.minimum!.N)})`);
  }
  const last = done[done.length - 1];
  if (last) {
    const mine = runs.filter((r) => r.objective === objective && r.budget === last.C);
    if (mine.length) {
      const best = mine.reduce((a, r) => (r.loss < a.loss ? r : a));
      return pivot(last.C, best.N, `best run of C=${formatBudget(last.C)} (N≈${formatParams(best.N)}; no bracketed minimum yet)`);
    }
  }
  return { at: (C) => fb.kN * C ** fb.a, source: fb.source };
}

/** Target sizes beyond one edge at the design's log spacing. */
function beyond(edge: "low" | "high", sizes: number[], spacing: number, n: number): number[] {
  const out: number[] = [];
  const from = edge === "low" ? Math.min(...sizes) : Math.max(...sizes);
  for (let i = 1; i <= n; i++) out.push(from * 10 ** ((edge === "low" ? -1 : 1) * spacing * i));
  return out;
}

/** How many sizes to add beyond an edge: enough to put the predicted minimum one step inside, 1..maxAdd. */
function howMany(m: BudgetMinimum | null, edge: "low" | "high", spacing: number, maxAdd: number): number {
  if (!m || !(m.parabola.c2 > 0)) return Math.min(maxAdd, 2);
  const x = Math.log10(m.N);
  const past = edge === "low" ? Math.log10(m.minN) - x : x - Math.log10(m.maxN);
  return Math.max(1, Math.min(maxAdd, Math.ceil(Math.max(0, past) / spacing) + 1));
}

/** Which edge a budget that is not bracketed should grow at. */
function edgeOf(m: BudgetMinimum | null, runs: FinishedRun[]): "low" | "high" | "both" {
  const sizes = runs.map((r) => r.N);
  const lo = Math.min(...sizes), hi = Math.max(...sizes);
  if (m && m.parabola.c2 > 0) return m.N <= lo * (1 + 1e-9) ? "low" : m.N >= hi * (1 - 1e-9) ? "high" : "both";
  // no minimum (downward parabola): grow where the lowest loss is; an interior best grows both ways
  const best = runs.reduce((a, r) => (r.loss < a.loss ? r : a));
  return best.N === lo ? "low" : best.N === hi ? "high" : "both";
}

/** The next round of an adaptive design, from the finished runs. Returns no points while runs are unfinished. */
export function decide(design: SweepDesign, runs: FinishedRun[], now = new Date()): Decision {
  const ad = design.adaptive;
  if (!ad) return { points: [], events: [], warnings: [], complete: true };
  const round = ad.round + 1;
  const at = now.toISOString();
  const points: SweepPoint[] = [];
  const events: AdaptiveEvent[] = [];
  const warnings: string[] = [];
  const taken = new Set(design.points.map((p) => p.id));
  const finished = new Set(runs.map((r) => r.id));
  let complete = true;
  const ctx = { train: design.train, uniqueTrainTokens: design.uniqueTrainTokens, maxEpochs: ad.limits.maxEpochs, minSteps: ad.limits.minSteps };
  for (const objective of design.objectives) {
    const mine = design.points.filter((p) => p.objective === objective);
    const budgetsOpen = design.budgets.filter((C) => mine.some((p) => p.C === C));
    const current = budgetsOpen[budgetsOpen.length - 1];
    if (current === undefined) continue;
    if (mine.some((p) => !finished.has(p.id))) { complete = false; continue; } // runs still to finish
    const runsHere = runs.filter((r) => r.objective === objective && r.budget === current);
    const state = budgetState(objective, current, runs);
    // a budget already closed by a limit or a bracket (recorded events) moves on without re-deciding
    const closed = ad.events.some((e) => e.objective === objective && e.C === current && (e.kind === "bracketed" || e.kind === "limit"));
    if (!state.bracketed && !closed && runsHere.length > 0) {
      const edge = edgeOf(state.minimum, runsHere);
      const sizes = [...new Set(runsHere.map((r) => r.N))];
      const room = ad.limits.maxSizesPerBudget - sizes.length;
      const edges: ("low" | "high")[] = edge === "both" ? ["low", "high"] : [edge];
      const targets: number[] = [];
      const stopped: string[] = [];
      for (const e of edges) {
        const n = edge === "both" ? 1 : howMany(state.minimum, e, ad.spacingDecades, ad.limits.maxAddPerRound);
        for (const t of beyond(e, sizes, ad.spacingDecades, n)) {
          const why = limitFor(design, current, t, e, ad.limits);
          if (why) { stopped.push(why); break; }
          targets.push(t);
        }
      }
      const allowed = targets.slice(0, Math.max(0, room));
      if (targets.length > allowed.length) stopped.push(`most sizes per budget (${ad.limits.maxSizesPerBudget}) reached`);
      const made = pointsForBudget(ctx, objective, current, allowed, design.points.length + points.length, taken, round);
      const what = state.minimum
        ? state.minimum.parabola.c2 > 0
          ? `minimum ${state.minimum.N > 100 * state.minimum.maxN || state.minimum.N < state.minimum.minN / 100 ? "far" : `N≈${formatParams(state.minimum.N)} at or`} beyond the ${edge === "low" ? "smallest" : "largest"} size tried`
          : "the parabola opens downward (no minimum)"
        : `${state.sizes} size(s) finished, a parabola needs 3`;
      if (made.points.length) {
        points.push(...made.points);
        warnings.push(...made.warnings);
        events.push({ round, objective, C: current, kind: "extend", edge, added: made.points.map((p) => p.id), detail: `${what}; added ${made.points.map((p) => formatParams(p.N)).join(", ")}${stopped.length ? ` (stopped: ${stopped.join("; ")})` : ""}`, at });
        complete = false;
        continue;
      }
      events.push({ round, objective, C: current, kind: "limit", edge, added: [], detail: `${what}; not extended: ${stopped.join("; ") || "the sizes beyond the edge round to shapes already tried"}`, at });
    } else if (state.bracketed && !closed) {
      events.push({ round, objective, C: current, kind: "bracketed", added: [], detail: `minimum N≈${formatParams(state.minimum!.N)} (sizes ${formatParams(state.minimum!.minN)}..${formatParams(state.minimum!.maxN)}), L≈${state.minimum!.L.toFixed(4)}`, at });
    }
    // open the next budget
    const next = design.budgets.find((C) => C > current);
    if (next === undefined) continue;
    const done = budgetsOpen.map((C) => budgetState(objective, C, runs));
    const centre = nextCentre(design, objective, done, runs);
    const located = done.some((b) => b.bracketed);
    const k = located ? ad.sizesAfterLocated : design.sizesPerBudget;
    const half = (ad.spacingDecades * (k - 1)) / 2;
    const c = centre.at(next);
    const targets = Array.from({ length: k }, (_, i) => c * 10 ** (-half + ad.spacingDecades * i)).filter((t) => t >= MIN_N * 0.9);
    const made = pointsForBudget(ctx, objective, next, targets.length >= 3 ? targets : Array.from({ length: k }, (_, i) => MIN_N * 10 ** (ad.spacingDecades * i)), design.points.length + points.length, taken, round);
    points.push(...made.points);
    warnings.push(...made.warnings);
    events.push({ round, objective, C: next, kind: "next-budget", added: made.points.map((p) => p.id), detail: `centred on N≈${formatParams(c)} from ${centre.source}; ${made.points.length} sizes`, at });
    complete = false;
  }
  return { points, events, warnings, complete };
}

/** Why a size beyond an edge may not be added (null when it may): the limits of docs/SWEEPS.md. */
function limitFor(design: SweepDesign, C: number, target: number, edge: "low" | "high", limits: AdaptiveLimits): string | null {
  if (edge === "low" && target < MIN_N * 0.9) return `below the smallest model (${formatParams(MIN_N)})`;
  const [p] = pointsForBudget({ train: design.train, uniqueTrainTokens: design.uniqueTrainTokens, maxEpochs: limits.maxEpochs }, "clm", C, [target], 0, new Set()).points;
  if (!p) return "no shape for this size";
  const steps = p.D / (p.batchTokens ?? 1);
  if (steps < limits.minSteps) return `fewest optimizer steps (${limits.minSteps}): N≈${formatParams(p.N)} would get ${steps.toFixed(0)}`;
  if (p.epochs !== null && p.epochs > limits.maxEpochs) return `most epochs (${limits.maxEpochs}): N≈${formatParams(p.N)} would repeat the corpus ${p.epochs.toFixed(1)} times`;
  return null;
}

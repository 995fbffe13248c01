// Running a sweep that may grow: the executor runs every unfinished point, then (adaptive designs) the finished
// runs decide the next round (adaptive.ts), whose points are appended to sweep.json with their configs, and
// the loop goes on until the design is complete, a run fails or is held elsewhere, or the user stops it.
// The decision is taken under SWEEP/state/design.lock so that two executors never append the same round.
import { join } from "node:path";
import { writeJsonAtomic } from "../core/files.js";
import { acquireLock } from "../core/lock.js";
import { trainConfigFor } from "../train/config-for.js";
import { decide, type Decision, type FinishedRun } from "./adaptive.js";
import { fitTokenCost, roundSeconds } from "./round-time.js";
import { pointRun } from "./design.js";
import { executeSweep, type ExecOptions, type ExecSummary } from "./executor.js";
import { collectRuns } from "./fit.js";
import { DESIGN_FILE, ensureDir, pointPaths, readDesign, sweepStatus } from "./layout.js";
import type { AdaptiveEvent, SweepDesign } from "./types.js";

export interface GrowResult {
  added: number;
  events: AdaptiveEvent[];
  complete: boolean;
}

/** A time budget for growing: the next round is cut to what fits in `seconds` on `workers`. */
export interface GrowTime {
  seconds: number;
  workers: number;
}

/**
 * Decide the next round from the finished runs and append it to the design (no-op for fixed designs). With
 * `time`, an objective's part of the round whose estimated wall time (round-time.ts, from the finished runs)
 * does not fit in what is left is not added: its budget gets a "limit" event saying so.
 */
export function growSweep(sweepDir: string, time?: GrowTime): GrowResult {
  ensureDir(join(sweepDir, "state"));
  const lock = acquireLock(join(sweepDir, "state", "design.lock"), { resource: `sweep design ${sweepDir}`, what: "plmscale sweep (adaptive design)" });
  try {
    const design = readDesign(sweepDir);
    if (!design.adaptive) return { added: 0, events: [], complete: true };
    const runs: FinishedRun[] = collectRuns(sweepDir, design).map((r) => ({ id: r.id, objective: r.objective, budget: r.budget, N: r.N, D: r.D, loss: r.loss }));
    const d = decide(design, runs);
    if (time) fitInTime(d, design, sweepDir, time);
    if (d.events.length === 0) return { added: 0, events: [], complete: d.complete };
    // configs first: a point in sweep.json always has its planned config
    for (const p of d.points) writeJsonAtomic(pointPaths(sweepDir, p).planned, trainConfigFor(pointRun(design, p)));
    design.points.push(...d.points);
    if (d.points.length) design.adaptive.round += 1;
    design.adaptive.events.push(...d.events);
    design.warnings.push(...d.warnings);
    writeJsonAtomic(join(sweepDir, DESIGN_FILE), design);
    return { added: d.points.length, events: d.events, complete: d.complete };
  } finally {
    lock.release();
  }
}

/** Keep the objectives' parts of a decision, in design order, while their rounds fit in the time left. */
function fitInTime(d: Decision, design: SweepDesign, sweepDir: string, time: GrowTime): void {
  const byIndex = new Map(design.points.map((p) => [p.index, p]));
  const timed = sweepStatus(sweepDir, design).runs.flatMap((r) => {
    const p = byIndex.get(r.index);
    return p && r.state === "done" && r.wallSeconds ? [{ N: p.N, D: p.D, wallSeconds: r.wallSeconds }] : [];
  });
  const cost = fitTokenCost(timed);
  if (!cost) return;
  let left = time.seconds;
  const keep = new Set<string>();
  for (const objective of design.objectives) {
    const mine = d.points.filter((p) => p.objective === objective);
    if (!mine.length) continue;
    const need = roundSeconds(cost, mine, time.workers);
    if (need <= left) {
      left -= need;
      for (const p of mine) keep.add(p.id);
      continue;
    }
    // not added: the events that would have grown this objective become one limit event on its current budget
    const grown = d.events.filter((e) => e.objective === objective && (e.kind === "extend" || e.kind === "next-budget"));
    const at = grown[0]?.at ?? new Date().toISOString();
    const C = grown.find((e) => e.kind === "extend")?.C ?? Math.max(...design.points.filter((p) => p.objective === objective).map((p) => p.C));
    d.events = d.events.filter((e) => !grown.includes(e));
    d.events.push({ round: grown[0]?.round ?? design.adaptive!.round + 1, objective, C, kind: "limit", added: [],
      detail: `time: the next round (${mine.length} run(s), ~${Math.round(need)} s on ${time.workers} worker(s)) does not fit the ${Math.round(Math.max(0, time.seconds))} s left; stopped here`, at });
  }
  const ids = new Set(d.points.map((p) => p.id).filter((id) => !keep.has(id)));
  d.points = d.points.filter((p) => keep.has(p.id));
  d.warnings = d.warnings.filter((w) => ![...ids].some((id) => w.includes(id)));
  if (!d.points.length) d.complete = true;
}

export interface SweepRunOptions extends ExecOptions {
  /** run the points present and never add any (`--fixed`) */
  fixed?: boolean;
  /** stop growing an adaptive design when a round's estimated time does not fit before this time (ms since the epoch) */
  deadline?: number;
  onGrow?: (g: GrowResult) => void;
}

export interface SweepRunSummary extends ExecSummary {
  rounds: number;
  /** the adaptive design has decided every budget (always true for a fixed design whose points all ran) */
  complete: boolean;
}

export async function runSweep(sweepDir: string, o: SweepRunOptions = {}): Promise<SweepRunSummary> {
  const total: SweepRunSummary = { ran: 0, done: 0, failed: 0, interrupted: 0, skipped: 0, busy: 0, aborted: false, failures: [], rounds: 0, complete: false };
  for (;;) {
    const s = await executeSweep(sweepDir, o);
    for (const k of ["ran", "done", "failed", "interrupted", "busy"] as const) total[k] += s[k];
    total.skipped = total.rounds === 0 ? s.skipped : total.skipped;
    total.failures.push(...s.failures);
    total.aborted = s.aborted;
    total.rounds++;
    if (s.aborted) return total;
    const design = readDesign(sweepDir);
    const st = sweepStatus(sweepDir, design);
    const unfinished = st.total - st.counts.done;
    if (!design.adaptive || o.fixed) { total.complete = unfinished === 0; return total; }
    // a failed or busy point leaves its budget undecided: stop here (the caller exits non-zero)
    if (unfinished > 0) return total;
    const g = growSweep(sweepDir, o.deadline !== undefined ? { seconds: (o.deadline - Date.now()) / 1000, workers: Math.max(1, Math.floor(o.workers ?? 1)) } : undefined);
    o.onGrow?.(g);
    if (g.added === 0) { total.complete = g.complete; return total; }
  }
}

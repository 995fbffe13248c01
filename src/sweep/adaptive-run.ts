// Running a sweep that may grow: the executor runs every unfinished point, then (adaptive designs) the finished
// runs decide the next round (adaptive.ts), whose points are appended to sweep.json with their configs, and
// the loop goes on until the design is complete, a run fails or is held elsewhere, or the user stops it.
// The decision is taken under SWEEP/state/design.lock so that two executors never append the same round.
import { join } from "node:path";
import { writeJsonAtomic } from "../core/files.js";
import { acquireLock } from "../core/lock.js";
import { trainConfigFor } from "../train/config-for.js";
import { decide, type FinishedRun } from "./adaptive.js";
import { pointRun } from "./design.js";
import { executeSweep, type ExecOptions, type ExecSummary } from "./executor.js";
import { collectRuns } from "./fit.js";
import { DESIGN_FILE, ensureDir, pointPaths, readDesign, sweepStatus } from "./layout.js";
import type { AdaptiveEvent } from "./types.js";

export interface GrowResult {
  added: number;
  events: AdaptiveEvent[];
  complete: boolean;
}

/** Decide the next round from the finished runs and append it to the design (no-op for fixed designs). */
export function growSweep(sweepDir: string): GrowResult {
  ensureDir(join(sweepDir, "state"));
  const lock = acquireLock(join(sweepDir, "state", "design.lock"), { resource: `sweep design ${sweepDir}`, what: "plmscale sweep (adaptive design)" });
  try {
    const design = readDesign(sweepDir);
    if (!design.adaptive) return { added: 0, events: [], complete: true };
    const runs: FinishedRun[] = collectRuns(sweepDir, design).map((r) => ({ id: r.id, objective: r.objective, budget: r.budget, N: r.N, D: r.D, loss: r.loss }));
    const d = decide(design, runs);
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

export interface SweepRunOptions extends ExecOptions {
  /** run the points present and never add any (`--fixed`) */
  fixed?: boolean;
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
    const g = growSweep(sweepDir);
    o.onGrow?.(g);
    if (g.added === 0) { total.complete = g.complete; return total; }
  }
}

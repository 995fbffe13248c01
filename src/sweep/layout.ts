// A sweep directory on disk: SWEEP/sweep.json (the design), SWEEP/status.json (last executor snapshot),
// SWEEP/runs/<id>/ (one run directory each, docs/CONTRACTS.md). State is always re-derived from the run
// directories, so a local pool, Slurm array tasks on a shared filesystem and `sweep status` agree.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { readJson, writeJsonAtomic } from "../core/files.js";
import { UserError } from "../core/errors.js";
import type { RunState, RunStatus, SweepDesign, SweepPoint, SweepStatus } from "./types.js";
import { inspectLock } from "../core/lock.js";
import { LOCK_FILE } from "../train/rundir.js";

export const DESIGN_FILE = "sweep.json";
export const STATUS_FILE = "status.json";
/** one row of downstream metrics per evaluated run (`plmscale sweep eval`) */
export const SWEEP_EVAL_FILE = "eval.json";

/** The design of a sweep; a directory that holds none, or an unreadable one, is a UserError (exit 2: the
 * path given is not a sweep) naming the file, so commands take it as it is. */
export function readDesign(sweepDir: string): SweepDesign {
  const p = join(sweepDir, DESIGN_FILE);
  if (!existsSync(p)) throw new UserError(`${sweepDir} is not a sweep directory (no ${DESIGN_FILE}); create one with 'plmscale sweep design'`, 2);
  let d: SweepDesign;
  try {
    d = readJson<SweepDesign>(p);
  } catch (e) {
    throw new UserError((e as Error).message, 2);
  }
  if (d.format !== "plmscale-sweep") throw new UserError(`${p}: not a plmscale sweep design`, 2);
  return d;
}

/**
 * Paths of one point. The run directory belongs to the trainer (`train --out` refuses a non-empty one), so the
 * planned config and the executor's own files live beside it: SWEEP/configs/<id>.json, SWEEP/state/<id>.*.
 */
export function pointPaths(sweepDir: string, p: Pick<SweepPoint, "id">) {
  const run = join(sweepDir, "runs", p.id);
  const state = join(sweepDir, "state");
  return {
    run,
    /** resolved config written by the trainer */
    config: join(run, "config.json"),
    result: join(run, "result.json"),
    metrics: join(run, "metrics.jsonl"),
    checkpoints: join(run, "checkpoints"),
    /** the config the design planned (input to `train --config`) */
    planned: join(sweepDir, "configs", `${p.id}.json`),
    state,
    log: join(state, `${p.id}.log`),
    running: join(state, `${p.id}.running.json`),
    /** the executor's claim on this point (src/core/lock.ts): one executor per point, across pools and Slurm tasks */
    claim: join(state, `${p.id}.claim`),
    /** the trainer's writer lock inside the run directory */
    runLock: join(run, LOCK_FILE),
    failure: join(state, `${p.id}.failure.json`),
  };
}
export type PointPaths = ReturnType<typeof pointPaths>;

/** Written when an executor gives up on a run (after its retry); removed when a later try starts. */
export interface FailureRecord {
  attempts: number;
  exitCode: number | null;
  signal: string | null;
  error: string;
  at: string;
}

/** Written while a run's child process lives; lets `sweep status` tell running from interrupted. */
export interface RunningMarker {
  pid: number;
  host: string;
  startedAt: string;
  attempt: number;
}

export function hasCheckpoint(pp: PointPaths): boolean {
  const c = pp.checkpoints;
  if (!existsSync(c) || !statSync(c).isDirectory()) return false;
  return readdirSync(c).some((f) => !f.includes(".tmp"));
}

/**
 * A point is running while an executor holds its claim or a trainer holds its run's lock — judged by the
 * lock rules (PID + start time + zombie state on this host, heartbeat age elsewhere), not by a PID alone.
 */
export function pointBusy(pp: PointPaths): boolean {
  return inspectLock(pp.claim).state === "held" || inspectLock(pp.runLock).state === "held";
}

export function runStatus(sweepDir: string, p: SweepPoint): RunStatus {
  const pp = pointPaths(sweepDir, p);
  const base = { index: p.index, id: p.id };
  if (existsSync(pp.result)) {
    const r = readJson<{ loss?: number; wallSeconds?: number }>(pp.result);
    return { ...base, state: "done", attempts: 0, loss: r.loss, wallSeconds: r.wallSeconds };
  }
  if (pointBusy(pp)) {
    const m = existsSync(pp.running) ? readJson<RunningMarker>(pp.running) : undefined;
    return { ...base, state: "running", attempts: m?.attempt ?? 0 };
  }
  if (existsSync(pp.failure)) {
    const f = readJson<FailureRecord>(pp.failure);
    return { ...base, state: "failed", attempts: f.attempts, error: f.error };
  }
  const state: RunState = hasCheckpoint(pp) ? "interrupted" : "pending";
  return { ...base, state, attempts: 0 };
}

export function sweepStatus(sweepDir: string, design = readDesign(sweepDir)): SweepStatus {
  const runs = design.points.map((p) => runStatus(sweepDir, p));
  const counts: Record<RunState, number> = { done: 0, failed: 0, running: 0, interrupted: 0, pending: 0 };
  for (const r of runs) counts[r.state]++;
  return { sweep: sweepDir, total: runs.length, counts, runs, updatedAt: new Date().toISOString() };
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export function removeIfExists(path: string): void {
  rmSync(path, { force: true });
}

/** Create SWEEP/sweep.json and SWEEP/configs/<id>.json; refuses a directory that already holds a sweep. */
export function writeSweep(sweepDir: string, design: SweepDesign, configFor: (p: SweepPoint) => unknown): void {
  if (existsSync(join(sweepDir, DESIGN_FILE))) throw new Error(`${sweepDir} already holds a sweep (${DESIGN_FILE}); choose another --out`);
  ensureDir(join(sweepDir, "configs"));
  ensureDir(join(sweepDir, "runs"));
  for (const p of design.points) writeJsonAtomic(pointPaths(sweepDir, p).planned, configFor(p));
  writeJsonAtomic(join(sweepDir, DESIGN_FILE), design);
}

// Local executor: runs a sweep's points as child processes in a pool of `workers`. Skips finished runs
// (result.json), resumes interrupted ones (a checkpoint exists → `train --resume`), retries a failed run once
// and records the failure (failure.json + status.json) without stopping the sweep. On abort (Ctrl-C) it
// forwards one SIGINT to each child so the trainer can checkpoint, escalates to SIGKILL after a grace period,
// and marks those runs interrupted, not failed.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { readJson, writeJsonAtomic } from "../core/files.js";
import {
  ensureDir, hasCheckpoint, pointPaths, readDesign, removeIfExists, STATUS_FILE, sweepStatus,
  type FailureRecord, type PointPaths, type RunningMarker,
} from "./layout.js";
import { join } from "node:path";
import { acquireLock, inspectLock, LockHeldError, type Lock } from "../core/lock.js";
import { parentWatchEnv } from "../core/parent-watch.js";
import { estimateEta, progressLine } from "./progress.js";
import type { SweepPoint } from "./types.js";

export interface ChildContext {
  point: SweepPoint;
  paths: PointPaths;
  /** true when a checkpoint exists and the run should continue from it */
  resume: boolean;
  attempt: number;
  threads?: number;
  /** data-parallel ranks per run (`train --nproc`; one GPU each on CUDA) */
  nproc?: number;
}
export interface ChildSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
}
export type ChildFactory = (ctx: ChildContext) => ChildSpec;

/** `plmscale train --config SWEEP/configs/ID.json --out RUN --json`, or `plmscale train --resume RUN --json`. */
export const trainChild: ChildFactory = ({ paths, resume, nproc }) => {
  const main = fileURLToPath(new URL("../cli/main.js", import.meta.url));
  const args = resume ? [main, "train", "--resume", paths.run, "--json"] : [main, "train", "--config", paths.planned, "--out", paths.run, "--json"];
  // more than one rank: the trainer's own launcher starts and supervises them (src/train/launch.ts)
  if (nproc !== undefined && nproc > 1) args.push("--nproc", String(nproc));
  // the trainer stops (checkpointing) when this pool dies, even by SIGKILL: no orphan keeps writing the run
  return { command: process.execPath, args, env: parentWatchEnv() };
};

/** busy: another executor (pool or Slurm task) holds the point, or a trainer still writes its run */
export type RunOutcome = "done" | "failed" | "interrupted" | "skipped" | "busy";

export interface ExecEvent {
  kind: "start" | "finish" | "retry" | "skip" | "takeover";
  point: SweepPoint;
  outcome?: RunOutcome;
  attempt?: number;
  error?: string;
  line: string;
}

export interface ExecOptions {
  workers?: number;
  /** threads per run: sets OMP_NUM_THREADS and the config's `threads` (fresh runs only) */
  threads?: number;
  /** override the design's device for fresh runs (cuda also switches dtype to bfloat16) */
  device?: "cpu" | "cuda";
  /** ranks per run (each with `threads` threads) */
  nproc?: number;
  /** restrict to these point indices (run-one) */
  only?: number[];
  /** try runs recorded as failed by an earlier invocation again (default true) */
  retryFailed?: boolean;
  /** tries per run in this invocation (default 2: one retry) */
  maxAttempts?: number;
  child?: ChildFactory;
  signal?: AbortSignal;
  onEvent?: (e: ExecEvent) => void;
  /** ms between SIGINT and SIGKILL on abort (default 60 s) */
  killGraceMs?: number;
  /** seconds per FLOP for the ETA before any run finishes */
  priorSecondsPerFlop?: number;
}

export interface ExecSummary {
  ran: number;
  done: number;
  failed: number;
  interrupted: number;
  skipped: number;
  /** points left alone because another executor or a live trainer holds them */
  busy: number;
  aborted: boolean;
  failures: { id: string; error: string }[];
}

const TAIL = 2000;

/** Set threads/device in a fresh run's planned config (a resumed run keeps what its checkpoint was made with). */
function applyOverrides(pp: PointPaths, o: ExecOptions): void {
  if (o.threads === undefined && o.device === undefined) return;
  const path = pp.planned;
  if (!existsSync(path)) return;
  const cfg = readJson<Record<string, unknown>>(path);
  if (o.threads !== undefined) cfg.threads = o.threads;
  if (o.device !== undefined) {
    cfg.device = o.device;
    cfg.dtype = o.device === "cuda" ? "bfloat16" : "float32";
  }
  writeJsonAtomic(path, cfg);
}

interface ChildExit {
  code: number | null;
  signal: string | null;
  tail: string;
}

function runChild(spec: ChildSpec, pp: PointPaths, o: ExecOptions, attempt: number): Promise<ChildExit> {
  return new Promise((resolve) => {
    const log = createWriteStream(pp.log, { flags: "a" });
    log.write(`\n=== attempt ${attempt} ${new Date().toISOString()}: ${spec.command} ${spec.args.join(" ")}\n`);
    const env: Record<string, string | undefined> = { ...process.env, ...spec.env };
    if (o.threads !== undefined) env.OMP_NUM_THREADS = String(o.threads);
    // Own process group: a terminal Ctrl-C reaches only us, and we forward exactly one SIGINT (a second
    // SIGINT makes plmscale quit without checkpointing).
    const child = spawn(spec.command, spec.args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let tail = "";
    const keep = (b: Buffer) => {
      log.write(b);
      tail = (tail + b.toString()).slice(-TAIL);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const marker: RunningMarker = { pid: child.pid ?? -1, host: hostname(), startedAt: new Date().toISOString(), attempt };
    writeJsonAtomic(pp.running, marker);
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      try { child.kill("SIGINT"); } catch { /* already gone */ }
      killTimer = setTimeout(() => { try { child.kill("SIGKILL"); } catch { /* gone */ } }, o.killGraceMs ?? 60_000);
    };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (code: number | null, signal: string | null) => {
      if (killTimer) clearTimeout(killTimer);
      o.signal?.removeEventListener("abort", onAbort);
      removeIfExists(pp.running);
      log.end(`=== exit code=${code} signal=${signal}\n`, () => resolve({ code, signal, tail }));
    };
    child.on("error", (e) => { tail += `\nspawn failed: ${e.message}`; finish(null, null); });
    child.on("close", finish);
  });
}

/** Claim the point (one executor per point), then run it; a point held elsewhere is left alone as "busy". */
async function runPoint(sweepDir: string, p: SweepPoint, o: ExecOptions, emit: (e: ExecEvent) => void, counts: () => string): Promise<{ outcome: RunOutcome; error?: string }> {
  const pp = pointPaths(sweepDir, p);
  ensureDir(pp.state);
  let claim: Lock;
  try {
    claim = acquireLock(pp.claim, {
      resource: `sweep point ${p.id}`, what: "plmscale sweep executor",
      onTakeover: (m) => emit({ kind: "takeover", point: p, line: m }),
    });
  } catch (e) {
    if (e instanceof LockHeldError) return { outcome: "busy", error: e.message };
    throw e;
  }
  try {
    // claimed, yet a trainer may still write the run (an orphan of a pool killed before this fix, or a
    // hand-started `train --resume`): never delete or resume under it
    const runLock = inspectLock(pp.runLock);
    if (runLock.state === "held") {
      return { outcome: "busy", error: `PID ${runLock.owner.pid} on ${runLock.owner.host} still writes ${pp.run}` };
    }
    // finished by another executor since we looked: not ours to count as done
    if (existsSync(pp.result)) return { outcome: "skipped" };
    return await runClaimed(pp, p, o, emit, counts);
  } finally {
    claim.release();
  }
}

async function runClaimed(pp: PointPaths, p: SweepPoint, o: ExecOptions, emit: (e: ExecEvent) => void, counts: () => string): Promise<{ outcome: RunOutcome; error?: string }> {
  const maxAttempts = o.maxAttempts ?? 2;
  let error = "";
  let last: ChildExit | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (o.signal?.aborted) return { outcome: "interrupted" };
    removeIfExists(pp.failure);
    const resume = hasCheckpoint(pp);
    if (!resume) {
      // nothing to continue from: a half-created run directory would make `train --out` refuse
      rmSync(pp.run, { recursive: true, force: true });
      applyOverrides(pp, o);
    }
    const spec = (o.child ?? trainChild)({ point: p, paths: pp, resume, attempt, threads: o.threads, nproc: o.nproc });
    emit({ kind: "start", point: p, attempt, line: `start ${p.id}${resume ? " (resume)" : ""}${attempt > 1 ? ` attempt ${attempt}` : ""}; ${counts()}` });
    last = await runChild(spec, pp, o, attempt);
    if (existsSync(pp.result)) return { outcome: "done" };
    if (o.signal?.aborted) return { outcome: "interrupted" };
    const why = last.signal ? `killed by ${last.signal}` : `exit code ${last.code}`;
    error = `${why} without result.json; last output:\n${last.tail.trim()}`;
    if (attempt < maxAttempts) emit({ kind: "retry", point: p, attempt, error, line: `retry ${p.id}: ${why}` });
  }
  const rec: FailureRecord = { attempts: maxAttempts, exitCode: last?.code ?? null, signal: last?.signal ?? null, error, at: new Date().toISOString() };
  writeJsonAtomic(pp.failure, rec);
  return { outcome: "failed", error };
}

/** Run every unfinished point of the sweep (or `only` those); resolves when all have finished or on abort. */
export async function executeSweep(sweepDir: string, o: ExecOptions = {}): Promise<ExecSummary> {
  const design = readDesign(sweepDir);
  const workers = Math.max(1, Math.floor(o.workers ?? 1));
  const emit = (e: ExecEvent) => o.onEvent?.(e);
  const summary: ExecSummary = { ran: 0, done: 0, failed: 0, interrupted: 0, skipped: 0, busy: 0, aborted: false, failures: [] };
  const initial = sweepStatus(sweepDir, design);
  const selected = design.points.filter((p) => !o.only || o.only.includes(p.index));
  const queue: SweepPoint[] = [];
  const finished: { C: number; wallSeconds: number }[] = [];
  for (const p of selected) {
    const s = initial.runs[p.index]!;
    const skip = s.state === "done" || s.state === "running" || (s.state === "failed" && o.retryFailed === false);
    if (skip) {
      if (s.state === "running") summary.busy++;
      else summary.skipped++;
      if (s.state === "done" && s.wallSeconds) finished.push({ C: p.C, wallSeconds: s.wallSeconds });
      emit({ kind: "skip", point: p, line: `skip ${p.id} (${s.state})` });
    } else queue.push(p);
  }
  // smallest budgets first, objectives interleaved: an interrupted or partial sweep still has whole
  // low-budget IsoFLOP profiles for every objective
  queue.sort((a, b) => a.C - b.C || a.objective.localeCompare(b.objective) || a.index - b.index);
  const live = new Set<SweepPoint>();
  const pendingC = () => [...queue, ...live].map((p) => p.C);
  const counts = () => {
    const st = sweepStatus(sweepDir, design);
    const eta = estimateEta({ remainingC: pendingC(), finished, workers, priorSecondsPerFlop: o.priorSecondsPerFlop });
    return progressLine({ done: st.counts.done, running: st.counts.running, failed: st.counts.failed, total: st.total, eta });
  };
  const snapshot = () => writeJsonAtomic(join(sweepDir, STATUS_FILE), sweepStatus(sweepDir, design));

  const worker = async () => {
    for (;;) {
      if (o.signal?.aborted) return;
      const p = queue.shift();
      if (!p) return;
      live.add(p);
      summary.ran++;
      const t0 = Date.now();
      const r = await runPoint(sweepDir, p, o, emit, counts);
      live.delete(p);
      summary[r.outcome === "skipped" ? "skipped" : r.outcome]++;
      if (r.outcome === "done") finished.push({ C: p.C, wallSeconds: (Date.now() - t0) / 1000 });
      if (r.outcome === "failed") summary.failures.push({ id: p.id, error: r.error ?? "" });
      snapshot();
      const firstLine = r.error ? `: ${r.error.split("\n")[0]}` : "";
      emit({ kind: "finish", point: p, outcome: r.outcome, error: r.error, line: `${r.outcome} ${p.id}${firstLine}; ${counts()}` });
    }
  };
  snapshot();
  await Promise.all(Array.from({ length: Math.min(workers, Math.max(1, queue.length)) }, worker));
  summary.aborted = o.signal?.aborted ?? false;
  snapshot();
  return summary;
}

// The live state behind the page: one row per run, re-derived from the run directories by polling (stat +
// reading appended bytes), which works on network filesystems where change notifications do not.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { nonEmbeddingParams } from "../../scaling/shape.js";
import { hasCheckpoint, pointPaths, type FailureRecord, type PointPaths, type RunningMarker } from "../../sweep/layout.js";
import { inspectLock } from "../../core/lock.js";
import { LOCK_FILE } from "../../train/rundir.js";
import { estimateEta } from "../../sweep/progress.js";
import type { RunState } from "../../sweep/types.js";
import { discover, type Discovery, type RunEntry, type ServedRoot } from "./discover.js";
import { MetricsTail } from "./metrics-tail.js";
import { trainingFlops } from "../../scaling/compute.js";

/** "stopped": a run outside a sweep whose metrics stopped growing without a result. */
export type RowState = RunState | "stopped";

export interface RunRow {
  key: string;
  name: string;
  sweep: string | null;
  objective: string | null;
  state: RowState;
  N: number | null;
  D: number | null;
  C: number | null;
  tokens: number;
  step: number;
  tokensPerSecond: number | null;
  mfu: number | null;
  mfuMegatron: number | null;
  /** what the law of `plan --emit` expected (config.prediction.loss), and the final gap (result.prediction) */
  predictedLoss: number | null;
  predictionGapNats: number | null;
  predictionInside: boolean | null;
  lastValLoss: number | null;
  bestValLoss: number | null;
  lastTrainLoss: number | null;
  etaSeconds: number | null;
  error: string | null;
  lines: number;
  skippedLines: number;
}

export interface SweepRow {
  key: string;
  planned: number;
  counts: Record<RowState, number>;
  etaSeconds: number | null;
}

/** A run outside a sweep counts as running while its metrics.jsonl changed this recently. */
const FRESH_MS = 120_000;

interface Tracked {
  entry: RunEntry;
  tail: MetricsTail;
  row: RunRow;
  /** stat signature of result/failure/marker files, to re-read them only when they change */
  sig: string;
  result: Record<string, unknown> | null;
  config: Record<string, unknown> | null;
  failure: FailureRecord | null;
  marker: RunningMarker | null;
}

const stamp = (p: string) => { try { const s = statSync(p); return `${s.size}:${s.mtimeMs}`; } catch { return "-"; } };
const readObj = <T>(p: string): T | null => { try { return JSON.parse(readFileSync(p, "utf8")) as T; } catch { return null; } };
const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : null);

export class ServeState {
  private tracked = new Map<string, Tracked>();
  discovery: Discovery = { sweeps: [], runs: [], problems: [] };
  /** increases whenever a row changes */
  version = 0;

  constructor(readonly roots: readonly ServedRoot[]) {}

  /** Find runs and sweeps again (new ones appear; vanished ones go). Returns true when the set changed. */
  rescan(): boolean {
    this.discovery = discover(this.roots);
    const keys = new Set(this.discovery.runs.map((r) => r.key));
    let changed = false;
    for (const k of [...this.tracked.keys()]) if (!keys.has(k)) { this.tracked.delete(k); changed = true; }
    for (const entry of this.discovery.runs) {
      if (this.tracked.has(entry.key)) continue;
      this.tracked.set(entry.key, { entry, tail: new MetricsTail(join(entry.dir, "metrics.jsonl")), row: emptyRow(entry), sig: "", result: null, config: null, failure: null, marker: null });
      changed = true;
    }
    if (changed) this.version++;
    return changed;
  }

  /** Poll every run; returns the rows that changed. */
  poll(now = Date.now()): RunRow[] {
    const changed: RunRow[] = [];
    for (const t of this.tracked.values()) {
      const grew = t.tail.poll();
      const files = this.files(t.entry);
      const sig = [files.result, files.config, files.failure, files.running].map((p) => (p ? stamp(p) : "-")).join("|");
      const sigChanged = sig !== t.sig;
      if (sigChanged) {
        t.sig = sig;
        t.result = readObj(files.result);
        t.config = readObj(files.config);
        t.failure = files.failure ? readObj(files.failure) : null;
        t.marker = files.running ? readObj(files.running) : null;
      }
      const row = this.rowFor(t, now);
      if (grew !== 0 || sigChanged || row.state !== t.row.state || row.etaSeconds !== t.row.etaSeconds) {
        t.row = row;
        changed.push(row);
      }
    }
    if (changed.length) this.version++;
    return changed;
  }

  private files(e: RunEntry) {
    const pp = e.sweep ? pointPaths(e.sweep.dir, e.sweep.point) : undefined;
    return { result: join(e.dir, "result.json"), config: join(e.dir, "config.json"), failure: pp?.failure, running: pp?.running };
  }

  private rowFor(t: Tracked, now: number): RunRow {
    const e = t.entry, pts = t.tail.points, last = pts[pts.length - 1];
    const r = t.result, cfg = t.config, point = e.sweep?.point;
    const shape = cfg?.model as Parameters<typeof nonEmbeddingParams>[0] | undefined;
    let N = num(r?.N) ?? point?.N ?? null;
    if (N === null && shape && typeof shape.dModel === "number") { try { N = nonEmbeddingParams(shape); } catch { N = null; } }
    const D = num(r?.D) ?? point?.D ?? num(cfg?.tokens);
    const C = num(r?.C) ?? (N !== null && D !== null ? trainingFlops(N, D) : null);
    let best: number | null = null, lastVal: number | null = null, lastTrain: number | null = null;
    for (const p of pts) {
      if (p.valLoss !== undefined) { lastVal = p.valLoss; if (best === null || p.valLoss < best) best = p.valLoss; }
      if (p.trainLoss !== undefined) lastTrain = p.trainLoss;
    }
    if (r && num(r.loss) !== null) { lastVal = num(r.loss); best = best === null ? lastVal : Math.min(best, lastVal!); }
    let state: RowState;
    const mtime = t.tail.mtimeMs;
    if (r) state = "done";
    // a trainer holds the run's writer lock while it trains (judged by PID + start time, zombies, heartbeats)
    else if (inspectLock(join(e.dir, LOCK_FILE)).state === "held") state = "running";
    else if (t.failure) state = "failed";
    else if (mtime > 0 && now - mtime < FRESH_MS) state = "running";
    else if (mtime > 0 || hasCheckpoint({ checkpoints: join(e.dir, "checkpoints") } as PointPaths)) state = e.sweep ? "interrupted" : "stopped"; // hasCheckpoint reads only .checkpoints
    else state = "pending";
    const tps = num(r?.tokensPerSecond) ?? last?.tokensPerSecond ?? null;
    const eta = state === "running" && D !== null && tps ? Math.max(0, (D - (last?.tokens ?? 0)) / tps) : state === "done" ? 0 : null;
    return {
      ...emptyRow(e),
      objective: (typeof r?.objective === "string" ? r.objective : point?.objective ?? (typeof cfg?.objective === "string" ? cfg.objective : null)),
      state, N, D, C, tokens: last?.tokens ?? 0, step: last?.step ?? 0, tokensPerSecond: tps, mfu: last?.mfu ?? null,
      mfuMegatron: last?.mfuMegatron ?? null, ...predictionOf(cfg, r),
      lastValLoss: lastVal, bestValLoss: best, lastTrainLoss: lastTrain, etaSeconds: eta === null ? null : Math.round(eta),
      error: t.failure ? t.failure.error : null, lines: pts.length, skippedLines: t.tail.skipped,
    };
  }

  rows(): RunRow[] {
    return [...this.tracked.values()].map((t) => t.row);
  }

  get(key: string): { entry: RunEntry; row: RunRow; tail: MetricsTail; result: Record<string, unknown> | null; config: Record<string, unknown> | null } | undefined {
    const t = this.tracked.get(key);
    return t && { entry: t.entry, row: t.row, tail: t.tail, result: t.result, config: t.config };
  }

  sweepRows(): SweepRow[] {
    return this.discovery.sweeps.map((s) => {
      const rows = this.rows().filter((r) => r.sweep === s.key);
      const counts: Record<RowState, number> = { done: 0, failed: 0, running: 0, interrupted: 0, pending: 0, stopped: 0 };
      for (const r of rows) counts[r.state]++;
      const finished = rows.filter((r) => r.state === "done" && r.C !== null).map((r) => ({ C: r.C!, wallSeconds: num(this.tracked.get(r.key)?.result?.wallSeconds) ?? 0 })).filter((f) => f.wallSeconds > 0);
      const remaining = rows.filter((r) => r.state !== "done" && r.state !== "failed" && r.C !== null).map((r) => r.C! * (1 - Math.min(1, r.D ? r.tokens / r.D : 0)));
      const eta = remaining.length === 0 ? 0 : estimateEta({ remainingC: remaining, finished, workers: Math.max(1, counts.running) });
      return { key: s.key, planned: s.design.points.length, counts, etaSeconds: eta === undefined ? null : Math.round(eta) };
    });
  }
}

/** The run's recorded prediction (config.json) and, once finished, how it compared (result.json). */
function predictionOf(cfg: Record<string, unknown> | null, r: Record<string, unknown> | null): Pick<RunRow, "predictedLoss" | "predictionGapNats" | "predictionInside"> {
  const p = cfg?.prediction as { loss?: unknown } | undefined, c = r?.prediction as { gapNats?: unknown; inside?: unknown } | undefined;
  return {
    predictedLoss: num(p?.loss) ?? null, predictionGapNats: num(c?.gapNats) ?? null,
    predictionInside: typeof c?.inside === "boolean" ? c.inside : null,
  };
}

function emptyRow(e: RunEntry): RunRow {
  return {
    key: e.key, name: e.name, sweep: e.sweep?.key ?? null, objective: e.sweep?.point.objective ?? null, state: "pending",
    N: e.sweep?.point.N ?? null, D: e.sweep?.point.D ?? null, C: e.sweep?.point.C ?? null, tokens: 0, step: 0,
    tokensPerSecond: null, mfu: null, mfuMegatron: null, predictedLoss: null, predictionGapNats: null, predictionInside: null, lastValLoss: null, bestValLoss: null, lastTrainLoss: null, etaSeconds: null,
    error: null, lines: 0, skippedLines: 0,
  };
}

// Checkpoint directories: checkpoints/step-00000123/{model.safetensors, optimizer.safetensors (or a sharded
// optimizer-index.json + one file per rank: shard-io.ts), state.json, COMPLETE}.
// Written into a hidden temp directory, every file fsynced, then COMPLETE (sha256 and size of every file)
// written last, then the directory renamed into place. A checkpoint is good only when COMPLETE exists and
// every hash matches: a SIGKILL mid-write leaves either a temp directory (ignored, cleaned later) or
// nothing; bit rot or truncation is caught by the hashes. Loading walks back to the newest good one.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir, fsyncFile, removeStaleTemps, sha256File, writeJsonAtomic } from "../core/files.js";

export const COMPLETE = "COMPLETE";

export interface CheckpointInfo {
  step: number;
  dir: string;
}

export interface CompleteRecord {
  step: number;
  files: Record<string, { sha256: string; bytes: number }>;
  time: string;
}

export function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, "0")}`;
}

/** Write a checkpoint: `fill(tmpDir)` writes the files; this makes the whole directory appear atomically. */
export function writeCheckpoint(root: string, step: number, fill: (dir: string) => void): CheckpointInfo {
  const tmp = beginCheckpoint(root, step);
  try {
    fill(tmp);
    return completeCheckpoint(root, step, tmp);
  } catch (e) {
    // a full disk: give the space back, so the resume is not blocked by this half-written directory
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A fresh hidden temp directory for the checkpoint of `step` (several writers may fill it: sharded checkpoints). */
export function beginCheckpoint(root: string, step: number): string {
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.tmp-${stepDirName(step)}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  return tmp;
}

/** Seal a filled temp directory: fsync and hash every file, write COMPLETE, rename into place. */
export function completeCheckpoint(root: string, step: number, tmp: string): CheckpointInfo {
  const files: CompleteRecord["files"] = {};
  for (const f of readdirSync(tmp).sort()) {
    const p = join(tmp, f);
    fsyncFile(p);
    files[f] = { sha256: sha256File(p), bytes: statSync(p).size };
  }
  writeJsonAtomic(join(tmp, COMPLETE), { step, files, time: new Date().toISOString() } satisfies CompleteRecord);
  fsyncDir(tmp);
  const dest = join(root, stepDirName(step));
  // a checkpoint of the same step from a run killed after its rename: replace it
  if (existsSync(dest)) rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  fsyncDir(root);
  return { step, dir: dest };
}

/** Why a checkpoint directory is not usable, or null when it is good (`quick`: marker and sizes, no hashes). */
export function checkCheckpoint(dir: string, quick = false): string | null {
  const marker = join(dir, COMPLETE);
  if (!existsSync(marker)) return "no COMPLETE marker (partial write)";
  let rec: CompleteRecord;
  try {
    rec = JSON.parse(readFileSync(marker, "utf8")) as CompleteRecord;
  } catch {
    return "unreadable COMPLETE marker";
  }
  for (const [f, want] of Object.entries(rec.files ?? {})) {
    const p = join(dir, f);
    if (!existsSync(p)) return `missing ${f}`;
    const bytes = statSync(p).size;
    if (bytes !== want.bytes) return `${f} has ${bytes} bytes, expected ${want.bytes}`;
    if (!quick && sha256File(p) !== want.sha256) return `${f} checksum mismatch`;
  }
  return null;
}

/** Checkpoint directories by step, newest first (complete or not). */
export function listCheckpoints(root: string): CheckpointInfo[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((n) => /^step-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), dir: join(root, m[0]) }))
    .sort((a, b) => b.step - a.step);
}

/** The newest good checkpoint; bad ones are reported through `warn` and skipped. */
export function latestGoodCheckpoint(root: string, warn: (msg: string) => void = () => {}): CheckpointInfo | null {
  for (const c of listCheckpoints(root)) {
    const why = checkCheckpoint(c.dir);
    if (why === null) return c;
    warn(`skipping corrupt checkpoint ${c.dir}: ${why}`);
  }
  return null;
}

/**
 * Keep the newest `keep` good checkpoints; delete older ones, bad ones older than the newest good, temp dirs
 * and temp files of atomic writers killed before their rename (core/files.ts).
 */
export function pruneCheckpoints(root: string, keep: number): string[] {
  if (!existsSync(root)) return [];
  const removed: string[] = removeStaleTemps(root);
  for (const n of readdirSync(root)) {
    if (n.startsWith(".tmp-")) {
      rmSync(join(root, n), { recursive: true, force: true });
      removed.push(n);
    }
  }
  let good = 0;
  for (const c of listCheckpoints(root)) {
    const ok = checkCheckpoint(c.dir, true) === null; // sizes only: hashing every kept checkpoint each save is slow
    if (ok && good < keep) {
      good++;
      continue;
    }
    if (!ok && good === 0) continue; // a bad one newer than every good one: leave it for inspection
    rmSync(c.dir, { recursive: true, force: true });
    removed.push(c.dir);
  }
  return removed;
}

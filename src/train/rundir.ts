// The run directory (docs/CONTRACTS.md "Runs"): config.json (resolved), metrics.jsonl, checkpoints/,
// result.json (written last, atomically: "finished" means result.json exists).
import type { PredictionCheck } from "../scaling/prediction.js";
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../core/files.js";
import { acquireLock, type Lock } from "../core/lock.js";
import type { TrainConfig } from "./config.js";

export interface RunPaths {
  root: string;
  config: string;
  metrics: string;
  checkpoints: string;
  result: string;
}

export function runPaths(root: string): RunPaths {
  return {
    root,
    config: join(root, "config.json"),
    metrics: join(root, "metrics.jsonl"),
    checkpoints: join(root, "checkpoints"),
    result: join(root, "result.json"),
  };
}

/** One metrics.jsonl line. */
export interface MetricsLine {
  step: number;
  tokens: number;
  flops: number;
  trainLoss: number;
  valLoss?: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  /** model FLOPs utilisation on CUDA: the 6N count, and NVIDIA Megatron's (src/scaling/mfu.ts) */
  mfu?: number;
  mfuMegatron?: number;
  time: number;
}

/** result.json (docs/CONTRACTS.md). */
export interface RunResult {
  objective: "mlm" | "clm";
  N: number;
  Ntotal: number;
  D: number;
  C: number;
  /** C with attention FLOPs (the fuller count) */
  Cfull: number;
  loss: number;
  valLoss: number;
  trainLoss: number;
  steps: number;
  wallSeconds: number;
  tokensPerSecond: number;
  /** model FLOPs per trained token under both counts (src/scaling/mfu.ts) */
  modelFlopsPerToken?: { sixN: number; megatron: number };
  /** how the reached loss compares with the config's recorded prediction (plan --emit) */
  prediction?: PredictionCheck;
  shape: { layers: number; dModel: number; heads: number; ffn: number };
  device: string;
  init: { from: string; checkpoint: string; objective: string; step: number; tokens: number; flops: number; N: number } | null;
  version: string;
  /** ranks of the data-parallel job (1: one process); absent in runs from before distributed training */
  worldSize?: number;
  /** "none" (DDP or one process), "optimizer" (ZeRO-1) or "full" (ZeRO-3: parameters, gradients, moments) */
  shard?: "none" | "optimizer" | "full";
  /** bytes of AdamW moments one rank holds (the largest over ranks; sharded: its slices), counted from the live
   * tensors after the last step */
  optimizerStateBytes?: number;
  /** bytes of parameters one rank holds after the last step (the largest over ranks): the model's parameter
   * tensors as they are then, plus --shard full's slices (whose blocks hold nothing between uses) */
  parameterBytes?: number;
  /** data parallel: seconds per step spent in the gradient all-reduce (this process) */
  commSecondsPerStep?: number;
}

/** Create a fresh run directory; refuses one that already holds a run. */
export function createRunDir(root: string, config: TrainConfig): RunPaths {
  const p = runPaths(root);
  if (existsSync(p.config) || existsSync(p.result)) {
    throw new Error(`${root} already holds a run (use --resume ${root} to continue it, or choose another --out)`);
  }
  if (existsSync(root) && readdirSync(root).some((f) => f !== LOCK_FILE)) throw new Error(`${root} exists and is not empty`);
  mkdirSync(p.checkpoints, { recursive: true });
  writeJsonAtomic(p.config, config);
  return p;
}

/** The run's writer lock (src/core/lock.ts): RUN/.lock while a process trains into RUN. */
export const LOCK_FILE = ".lock";

/**
 * Take RUN's writer lock (creating RUN when it does not exist yet); a second writer gets a UserError
 * "run RUN in use by PID … on HOST since …". A lock left by a dead process is taken over with a message.
 */
export function lockRun(root: string, log: (line: string) => void = () => {}, what = "plmscale train"): Lock {
  mkdirSync(root, { recursive: true });
  return acquireLock(join(root, LOCK_FILE), {
    resource: `run ${root}`,
    what,
    onTakeover: log,
  });
}

export function appendMetrics(p: RunPaths, line: MetricsLine): void {
  appendFileSync(p.metrics, JSON.stringify(line) + "\n");
}

export function readMetrics(p: RunPaths): MetricsLine[] {
  if (!existsSync(p.metrics)) return [];
  const out: MetricsLine[] = [];
  for (const l of readFileSync(p.metrics, "utf8").split("\n")) {
    if (!l.trim()) continue;
    try {
      out.push(JSON.parse(l) as MetricsLine);
    } catch {
      // a line torn by a kill mid-append: dropped
    }
  }
  return out;
}

/** On resume: keep metrics up to and including `step` (later lines are redone), rewriting the file atomically. */
export function truncateMetrics(p: RunPaths, step: number): MetricsLine[] {
  const kept = readMetrics(p).filter((m) => m.step <= step);
  writeFileAtomic(p.metrics, kept.map((m) => JSON.stringify(m) + "\n").join(""));
  return kept;
}

export function writeResult(p: RunPaths, r: RunResult): void {
  writeJsonAtomic(p.result, r);
}

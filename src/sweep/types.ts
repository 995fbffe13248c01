// The sweep design on disk (SWEEP/sweep.json): one entry per training run of an IsoFLOP grid.
import type { ModelShape } from "../scaling/shape.js";
import type { Objective } from "../core/objective.js";

export interface SweepPoint {
  /** position in `points`; the Slurm array index */
  index: number;
  /** directory name under SWEEP/runs, e.g. "clm-C1e13-N1.2M" */
  id: string;
  objective: Objective;
  /** compute budget in FLOPs, C = 6·N·D (paper convention, non-embedding N) */
  C: number;
  /** exact non-embedding parameters of `shape` */
  N: number;
  /** parameters including the tied embedding */
  Ntotal: number;
  /** training tokens, D = C / (6·N) */
  D: number;
  shape: ModelShape;
  /** peak learning rate (falls with size) */
  lr: number;
  /** planned passes over the training split's unique tokens (null when the corpus size is unknown) */
  epochs: number | null;
}

export interface SweepDesign {
  format: "plmscale-sweep";
  version: 1;
  createdAt: string;
  objectives: Objective[];
  budgets: number[];
  /** where the per-budget size centre came from ("preset cheng2024-clm", "fit FILE", …) */
  centreSource: Record<string, string>;
  /** half-width of the size range in decades of N (null for explicit sizes) */
  spanDecades: number | null;
  sizesPerBudget: number;
  corpus: string;
  /** unique training tokens in the corpus (from its manifest), when known */
  uniqueTrainTokens: number | null;
  maxEpochs: number;
  /** fields copied into every run's config.json (context, batchTokens, device, threads, …) */
  train: TrainDefaults;
  points: SweepPoint[];
  warnings: string[];
}

export interface TrainDefaults {
  context: number;
  batchTokens: number;
  device: "cpu" | "cuda";
  dtype: "float32" | "bfloat16";
  threads: number;
  evalEverySteps: number;
  evalTokens: number;
  checkpointEverySteps: number;
  seed: number;
}

/** Run state as seen on disk. */
export type RunState = "done" | "failed" | "running" | "interrupted" | "pending";

export interface RunStatus {
  index: number;
  id: string;
  state: RunState;
  /** tries made by executors so far (from failure.json / attempts) */
  attempts: number;
  error?: string;
  wallSeconds?: number;
  loss?: number;
}

export interface SweepStatus {
  sweep: string;
  total: number;
  counts: Record<RunState, number>;
  runs: RunStatus[];
  updatedAt: string;
}

// The sweep design on disk (SWEEP/sweep.json): one entry per training run of an IsoFLOP grid.
import type { ModelShape } from "../scaling/shape.js";
import type { FamilyName } from "../scaling/families.js";
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
  /** tokens per optimizer step and context of this run (the batch rule, or the design's fixed values) */
  batchTokens?: number;
  context?: number;
  /** the adaptive round that added this point (0 = the initial design) */
  round?: number;
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
  /** present when the design grows as runs finish (src/sweep/adaptive.ts); absent for a fixed grid */
  adaptive?: AdaptiveState;
}

/** Limits of the adaptive design (docs/SWEEPS.md "Adaptive design"). */
export interface AdaptiveLimits {
  /** a size whose run would have fewer optimizer steps is not added */
  minSteps: number;
  /** a size whose run would repeat the training tokens more often is not added (needs the corpus size) */
  maxEpochs: number;
  /** most sizes at one budget, extensions included */
  maxSizesPerBudget: number;
  /** most sizes one extension adds beyond an edge */
  maxAddPerRound: number;
}

/** One decision of the adaptive design about one objective's budget. */
export interface AdaptiveEvent {
  round: number;
  objective: Objective;
  C: number;
  kind: "extend" | "limit" | "bracketed" | "next-budget";
  /** extend/limit: the edge the minimum lies at or beyond */
  edge?: "low" | "high" | "both";
  /** ids of the points added */
  added: string[];
  detail: string;
  at: string;
}

export interface AdaptiveState {
  /** budgets per objective still to come, in order (the design's `budgets` holds them all) */
  limits: AdaptiveLimits;
  /** log10 spacing between neighbouring sizes (decades) */
  spacingDecades: number;
  /** sizes for a budget once a previous budget's minimum is located */
  sizesAfterLocated: number;
  /** the preset law the centre falls back to: N_opt = kN·C^a per objective */
  fallback: Record<string, { kN: number; a: number; source: string }>;
  /** rounds so far (0 = initial points); a round's points are all run before the next decision */
  round: number;
  events: AdaptiveEvent[];
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
  /** the model family of every run (scaling/families.ts); absent = esm2 (sweeps stored before the choice) */
  family?: FamilyName;
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

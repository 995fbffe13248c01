// Saving and loading a run's checkpoint from every rank of a job, in either format:
//   consolidated  rank 0 writes model.safetensors + optimizer.safetensors (one process's AdamW names); under
//                 ZeRO-1 the ranks first all-gather the moments to rank 0 (peak memory: the full moments there)
//   sharded       each rank writes its own slice of the moments (src/train/shard-io.ts), rank 0 the replicated
//                 weights, state.json and the index; nobody gathers anything
// Both land atomically through checkpoint.ts: the ranks fill one temp directory (its name comes from rank 0
// through the store), meet at a barrier, and only then rank 0 writes the index, COMPLETE and renames, so a
// checkpoint that misses a rank's file never becomes loadable. Loading takes either format into either
// optimizer (one process's AdamW or ZeRO-1 at any world size): resharding on load. What differs by strategy
// is behind `OptimizerCheckpoint` (each TrainStrategy supplies one, src/train/strategy.ts): no type tests here.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import type { ParallelConfig, TrainConfig } from "./config.js";
import type { DistOptions } from "./ddp.js";
import { onRank0 } from "./dist-setup.js";
import { beginCheckpoint, completeCheckpoint, pruneCheckpoints, writeCheckpoint } from "./checkpoint.js";
import { loadOptimizerState, writeTrainFiles, type TrainState } from "./state-io.js";
import {
  checkSameLayout, flatLayout, isShardedCheckpoint, MOMENT_KINDS, SHARD_FORMAT, ShardReader, writeShardFile, writeShardIndex,
  type FlatGroupLayout,
} from "./shard-io.js";

export type CheckpointFormat = ParallelConfig["checkpointFormat"];

/** The optimizer's flat layout: AdamW groups (decayGroups order) with the model's parameter names, cut W ways. */
export function optimizerLayout(model: ProteinLM, groups: { params: torch.Tensor[] }[], worldSize: number): FlatGroupLayout[] {
  const nameOf = new Map(model.namedParameters().map(([n, p]) => [p, n] as const));
  return flatLayout(groups.map((g) => g.params.map((p) => {
    const name = nameOf.get(p);
    if (name === undefined) throw new Error("optimizerLayout: an optimizer parameter is not one of the model's");
    return { name, shape: p.shape };
  })), worldSize);
}

/** Tensors handed to the writer; `owned`: the writer disposes them after writing (else they are live state). */
export interface HeldTensors {
  tensors: Map<string, torch.Tensor>;
  owned: boolean;
}

/** How one strategy's optimizer (and, for ZeRO-3, weights) goes into and out of checkpoints. */
export interface OptimizerCheckpoint {
  readonly stepCount: number;
  /** Collective: one process's AdamW moments (exp_avg.G.I, exp_avg_sq.G.I); complete on rank 0. */
  consolidatedMoments(): HeldTensors;
  /** Collective: the weights to save by name, complete on rank 0, when the model's own tensors are not them
   * (ZeRO-3: sharded; bf16-params: the fp32 masters); else null. */
  consolidatedWeights(): HeldTensors | null;
  /** This rank's flat slices KIND.G of the moments under `layout` (the sharded format). */
  momentSlices(layout: FlatGroupLayout[], rank: number, worldSize: number): HeldTensors;
  /** Load one process's AdamW moments (full tensors; each rank keeps what it holds). */
  loadMoments(state: Map<string, torch.Tensor>, stepCount: number): void;
  /** Load from a sharded checkpoint directly (reading only the overlapping rank files), if the strategy can. */
  loadMomentShards?(reader: ShardReader): void;
  /** why the sharded format is refused (ZeRO-3 has none yet), or null */
  readonly shardedRefusal: string | null;
}

export interface SaveContext {
  /** the run's checkpoints directory */
  root: string;
  step: number;
  format: CheckpointFormat;
  dist?: DistOptions;
  /** checkpoints kept (rank 0 prunes after writing) */
  keep: number;
  model: ProteinLM;
  opt: OptimizerCheckpoint;
  /** optimizerLayout(…, world size) */
  layout: FlatGroupLayout[];
  /** state.json's content (called on rank 0 only) */
  state: () => TrainState;
  config: TrainConfig;
}

let saves = 0; // store keys must be fresh per save; every rank saves the same sequence of checkpoints

const release = (h: HeldTensors | null) => {
  if (h?.owned) torch.dispose([...h.tensors.values()]);
};

/** Collective: every rank of the job calls it at the same step. */
export async function saveRunCheckpoint(c: SaveContext): Promise<void> {
  const W = c.dist?.group.worldSize ?? 1, rank = c.dist?.group.rank ?? 0;
  if (c.format === "consolidated") {
    // ZeRO-1 / ZeRO-3: every rank takes part in gathering the moments (ZeRO-3: and the weights); rank 0 then
    // writes them as one process would
    const moments = c.opt.consolidatedMoments();
    const weights = c.opt.consolidatedWeights();
    try {
      if (rank !== 0) return;
      const optState = { stateTensors: () => moments.tensors, stepCount: c.opt.stepCount };
      const modelState = weights ? { stateDict: () => weights.tensors } : c.model;
      writeCheckpoint(c.root, c.step, (dir) => writeTrainFiles(dir, modelState, optState, c.state(), c.config));
      pruneCheckpoints(c.root, c.keep);
    } finally {
      release(moments);
      release(weights);
    }
    return;
  }
  if (c.opt.shardedRefusal) throw new Error(c.opt.shardedRefusal);
  const weights = c.opt.consolidatedWeights();
  const tmp = await onRank0(c.dist, `checkpoint/${saves++}/step-${c.step}`, () => beginCheckpoint(c.root, c.step));
  const slices = c.opt.momentSlices(c.layout, rank, W);
  const dtype = [...slices.tensors.values()][0]?.dtype ?? "float32";
  try {
    writeShardFile(tmp, rank, W, slices.tensors);
  } finally {
    release(slices);
  }
  try {
    // every rank's file is in place before rank 0 can seal the directory
    if (c.dist && W > 1) c.dist.group.barrier();
    if (rank !== 0) return;
    writeTrainFiles(tmp, weights ? { stateDict: () => weights.tensors } : c.model, null, c.state(), c.config);
  } finally {
    release(weights);
  }
  writeShardIndex(tmp, { format: SHARD_FORMAT, worldSize: W, stepCount: c.opt.stepCount, kinds: [...MOMENT_KINDS], dtype, groups: c.layout });
  completeCheckpoint(c.root, c.step, tmp);
  pruneCheckpoints(c.root, c.keep);
}

/** Load a checkpoint's optimizer state (either format, any saved world size) into this rank's optimizer. */
export function loadRunOptimizer(dir: string, opt: OptimizerCheckpoint, layout: FlatGroupLayout[], device: string): void {
  if (!isShardedCheckpoint(dir)) return loadOptimizerState(dir, { loadStateTensors: (s, n) => opt.loadMoments(s, n) }, device);
  const reader = new ShardReader(dir, device);
  try {
    checkSameLayout(reader.index.groups, layout, dir);
    if (opt.loadMomentShards) return opt.loadMomentShards(reader);
    const state = reader.consolidatedState();
    try {
      opt.loadMoments(state, reader.index.stepCount);
    } finally {
      torch.dispose([...state.values()]);
    }
  } finally {
    reader.dispose();
  }
}

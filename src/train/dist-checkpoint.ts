// Saving and loading a run's checkpoint from every rank of a job, in either format:
//   consolidated  rank 0 writes model.safetensors + optimizer.safetensors (one process's AdamW names); under
//                 ZeRO-1 the ranks first all-gather the moments to rank 0 (peak memory: the full moments there)
//   sharded       each rank writes its own slice of the moments (src/train/shard-io.ts), rank 0 the replicated
//                 weights, state.json and the index; nobody gathers anything
// Both land atomically through checkpoint.ts: the ranks fill one temp directory (its name comes from rank 0
// through the store), meet at a barrier, and only then rank 0 writes the index, COMPLETE and renames, so a
// checkpoint that misses a rank's file never becomes loadable. Loading takes either format into either
// optimizer (one process's AdamW or ZeRO-1 at any world size): resharding on load.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import type { ParallelConfig, TrainConfig } from "./config.js";
import type { DistOptions } from "./ddp.js";
import { ShardedAdamW } from "./zero.js";
import { FullyShardedModel } from "./fsdp.js";
import { onRank0 } from "./dist-setup.js";
import { beginCheckpoint, completeCheckpoint, pruneCheckpoints, writeCheckpoint } from "./checkpoint.js";
import { loadOptimizerState, writeTrainFiles, type TrainState } from "./state-io.js";
import {
  checkSameLayout, flatLayout, isShardedCheckpoint, MOMENT_KINDS, SHARD_FORMAT, ShardReader, slicesOfFullState, writeShardFile, writeShardIndex,
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

export interface SaveContext {
  /** the run's checkpoints directory */
  root: string;
  step: number;
  format: CheckpointFormat;
  dist?: DistOptions;
  /** checkpoints kept (rank 0 prunes after writing) */
  keep: number;
  model: ProteinLM;
  opt: torch.AdamW | ShardedAdamW | FullyShardedModel;
  /** optimizerLayout(…, world size) */
  layout: FlatGroupLayout[];
  /** state.json's content (called on rank 0 only) */
  state: () => TrainState;
  config: TrainConfig;
}

let saves = 0; // store keys must be fresh per save; every rank saves the same sequence of checkpoints

/** Collective: every rank of the job calls it at the same step. */
export async function saveRunCheckpoint(c: SaveContext): Promise<void> {
  const W = c.dist?.group.worldSize ?? 1, rank = c.dist?.group.rank ?? 0;
  const sharded = c.opt instanceof ShardedAdamW ? c.opt : null;
  const fsdp = c.opt instanceof FullyShardedModel ? c.opt : null;
  if (c.format === "consolidated") {
    // ZeRO-1 / ZeRO-3: every rank takes part in gathering the moments (ZeRO-3: and the weights); rank 0 then
    // writes them as one process would
    const full = sharded ? sharded.gatherState() : fsdp ? fsdp.gatherState() : null;
    const weights = fsdp ? fsdp.gatherWeights() : null;
    try {
      if (rank !== 0) return;
      const optState = full ? { stateTensors: () => full, stepCount: c.opt.stepCount } : (c.opt as torch.AdamW);
      const modelState = weights ? { stateDict: () => weights } : c.model;
      writeCheckpoint(c.root, c.step, (dir) => writeTrainFiles(dir, modelState, optState, c.state(), c.config));
      pruneCheckpoints(c.root, c.keep);
    } finally {
      if (full) torch.dispose([...full.values()]);
      if (weights) torch.dispose([...weights.values()]);
    }
    return;
  }
  if (fsdp) throw new Error("sharded checkpoints of --shard full are not implemented (refused at start)");
  const tmp = await onRank0(c.dist, `checkpoint/${saves++}/step-${c.step}`, () => beginCheckpoint(c.root, c.step));
  const slices = sharded ? sharded.localSlices() : slicesOfFullState((c.opt as torch.AdamW).stateTensors(), c.layout, rank, W);
  const dtype = [...slices.values()][0]?.dtype ?? "float32";
  try {
    writeShardFile(tmp, rank, W, slices);
  } finally {
    if (!sharded) torch.dispose([...slices.values()]); // (ZeRO-1's slices are its live moments)
  }
  // every rank's file is in place before rank 0 can seal the directory
  if (c.dist && W > 1) c.dist.group.barrier();
  if (rank !== 0) return;
  writeTrainFiles(tmp, c.model, null, c.state(), c.config);
  writeShardIndex(tmp, { format: SHARD_FORMAT, worldSize: W, stepCount: c.opt.stepCount, kinds: [...MOMENT_KINDS], dtype, groups: c.layout });
  completeCheckpoint(c.root, c.step, tmp);
  pruneCheckpoints(c.root, c.keep);
}

/** Load a checkpoint's optimizer state (either format, any saved world size) into this rank's optimizer. */
export function loadRunOptimizer(dir: string, opt: torch.AdamW | ShardedAdamW | FullyShardedModel, layout: FlatGroupLayout[], device: string): void {
  if (!isShardedCheckpoint(dir)) return loadOptimizerState(dir, opt, device);
  const reader = new ShardReader(dir, device);
  try {
    checkSameLayout(reader.index.groups, layout, dir);
    if (opt instanceof ShardedAdamW) return opt.loadFromShards(reader);
    const state = reader.consolidatedState();
    try {
      opt.loadStateTensors(state, reader.index.stepCount);
    } finally {
      torch.dispose([...state.values()]);
    }
  } finally {
    reader.dispose();
  }
}

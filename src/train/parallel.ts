// How a `plmscale train` invocation spreads the run: the config's `parallel` section (written by
// `plan --gpu --gpus --emit`, or a resumed run's config.json) overridden by the flags --nproc, --shard,
// --checkpoint-format, --checkpoint-activations, and the world size of a torchrun/Slurm launch. Pure.
import { UserError } from "../core/errors.js";
import { CHECKPOINT_FORMATS, PARALLEL_SHARD_MODES, type ParallelConfig } from "./config.js";
import { SHARD_MODES, type ShardMode } from "./ddp.js";

export interface ParallelFlags {
  nproc?: number;
  shard?: string;
  checkpointFormat?: string;
  /** the boolean flag: true when given (it cannot switch a config's true off) */
  checkpointActivations?: boolean;
}

export interface ParallelPlan {
  /** ranks of the job: the launcher's world, or the local ranks to start */
  ranks: number;
  shard: ShardMode;
  checkpointFormat: ParallelConfig["checkpointFormat"];
  checkpointActivations: boolean;
  /** start `ranks` local processes (no torchrun/Slurm world around this one) */
  launchLocal: boolean;
  /** where the ranks came from, for messages */
  ranksFrom: "launcher" | "--nproc" | "config";
  /** a note for the log (the world differs from the one the config was planned for) */
  note?: string;
}

/** A shard mode `train` runs (none, optimizer, full), or a usage error naming where the value came from. */
export function runnableShard(s: string, from: string): ShardMode {
  if (!(SHARD_MODES as readonly string[]).includes(s)) throw new UserError(`${from} must be one of ${PARALLEL_SHARD_MODES.join(", ")}, got '${s}'`, 2);
  return s as ShardMode;
}

/** `base`: the config's parallel section; `worldSize`: the torchrun/Slurm world this process is part of, if any. */
export function resolveParallel(base: ParallelConfig, f: ParallelFlags, worldSize?: number): ParallelPlan {
  const shard = runnableShard(f.shard ?? base.shard, f.shard !== undefined ? "--shard" : "parallel.shard");
  const fmt = f.checkpointFormat ?? base.checkpointFormat;
  if (!(CHECKPOINT_FORMATS as readonly string[]).includes(fmt)) throw new UserError(`--checkpoint-format must be one of ${CHECKPOINT_FORMATS.join(", ")}, got '${fmt}'`, 2);
  if (shard === "full" && fmt === "sharded") throw new UserError("--checkpoint-format sharded is not available with --shard full yet (only the AdamW moments of ZeRO-1 and DDP have shard files); use consolidated", 2);
  if (f.nproc !== undefined && !(Number.isInteger(f.nproc) && f.nproc >= 1)) throw new UserError(`--nproc must be a positive integer, got ${f.nproc}`, 2);
  const common = { shard, checkpointFormat: fmt as ParallelPlan["checkpointFormat"], checkpointActivations: f.checkpointActivations === true || base.checkpointActivations };
  if (worldSize !== undefined) {
    const note = base.ranks > 1 && base.ranks !== worldSize
      ? `the config was planned for ${base.ranks} ranks (parallel.ranks); running with ${worldSize}: per-rank memory differs from the plan` : undefined;
    return { ...common, ranks: worldSize, launchLocal: false, ranksFrom: "launcher", ...(note ? { note } : {}) };
  }
  const ranks = f.nproc ?? base.ranks;
  return { ...common, ranks, launchLocal: ranks > 1, ranksFrom: f.nproc !== undefined ? "--nproc" : "config" };
}

/** The config's parallel section as the run actually goes (what the run directory's config.json records). */
export function parallelSection(p: ParallelPlan): ParallelConfig {
  return { ranks: p.ranks, shard: p.shard, checkpointActivations: p.checkpointActivations, checkpointFormat: p.checkpointFormat };
}

/** Nodes × GPUs per node of an sbatch script for `ranks` ranks (flags win; at most 8 GPUs per node by default). */
export function slurmShape(ranks: number, nodes?: number, gpusPerNode?: number): { nodes: number; gpusPerNode: number } {
  const G = gpusPerNode ?? (nodes !== undefined ? Math.ceil(ranks / nodes) : Math.min(ranks, 8));
  const M = nodes ?? Math.ceil(ranks / G);
  if (gpusPerNode === undefined && nodes === undefined && M * G !== ranks) {
    throw new UserError(`parallel.ranks ${ranks} is not a whole number of nodes of ${G} GPUs: give --nodes and --gpus-per-node`, 2);
  }
  return { nodes: M, gpusPerNode: G };
}

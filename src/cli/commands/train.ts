// plmscale train: train an MLM or CLM on a corpus (or a FASTA file) to a token or FLOP budget, or resume a run.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { defineRun, optNum, optStr, flag, type ParsedArgs } from "../command.js";
import { asUserError, UserError } from "../../core/errors.js";
import { configFromFlags, readConfigFile, requireBudget, type TrainFlags } from "../../train/cli-config.js";
import type { RunResult } from "../../train/rundir.js";
import { trainProgress } from "../progress.js";
import { SHARD_MODES, type DistOptions, type ShardMode } from "../../train/ddp.js";
import { readJson } from "../../core/files.js";
import { fileURLToPath } from "node:url";

export function trainFlags(args: ParsedArgs): TrainFlags {
  return {
    config: optStr(args, "config"),
    objective: optStr(args, "objective"),
    params: optNum(args, "params"),
    shape: optStr(args, "shape"),
    tokens: optNum(args, "tokens"),
    flops: optNum(args, "flops"),
    data: optStr(args, "data"),
    context: optNum(args, "context"),
    batchTokens: optNum(args, "batch-tokens"),
    microRows: optNum(args, "micro-rows"),
    lr: optNum(args, "lr"),
    warmup: optNum(args, "warmup"),
    weightDecay: optNum(args, "weight-decay"),
    device: optStr(args, "device"),
    threads: optNum(args, "threads"),
    seed: optNum(args, "seed"),
    evalEvery: optNum(args, "eval-every"),
    evalTokens: optNum(args, "eval-tokens"),
    checkpointEvery: optNum(args, "checkpoint-every"),
    keep: optNum(args, "keep"),
    head: optStr(args, "head"),
  };
}

/** Options that choose how to launch, not what to train: not passed on to the ranks or the sbatch script. */
const LAUNCH_ONLY = new Set(["nproc", "emit", "nodes", "gpus-per-node", "partition", "time", "json", "help"]);

/** The parsed options back as argv (for the ranks a launcher starts and for sbatch scripts). */
function toArgv(args: ParsedArgs): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(args.values)) {
    if (LAUNCH_ONLY.has(k) || v === undefined || v === false) continue;
    out.push(`--${k}`);
    if (v !== true) out.push(String(v));
  }
  return out;
}

function shardMode(args: ParsedArgs): ShardMode {
  const s = optStr(args, "shard") ?? "none";
  if (!(SHARD_MODES as readonly string[]).includes(s)) throw new UserError(`--shard must be one of ${SHARD_MODES.join(", ")}, got '${s}'`, 2);
  return s as ShardMode;
}

export default defineRun({
  async run(args, io) {
    const emit = optStr(args, "emit");
    if (emit !== undefined) {
      if (emit !== "slurm") throw new UserError(`--emit must be 'slurm', got '${emit}'`, 2);
      const { trainSlurmScript } = await import("../../train/slurm-train.js");
      shardMode(args);
      const script = trainSlurmScript({
        nodes: optNum(args, "nodes") ?? 1, gpusPerNode: optNum(args, "gpus-per-node") ?? 1, args: toArgv(args),
        plmscale: `node ${fileURLToPath(new URL("../main.js", import.meta.url))}`, partition: optStr(args, "partition"), time: optStr(args, "time"),
      });
      process.stdout.write(script);
      return undefined as unknown as RunResult;
    }
    const shard = shardMode(args);
    const nproc = optNum(args, "nproc");
    const { rankFromEnv } = await import("../../train/dist-env.js");
    const rankEnv = rankFromEnv();
    if (nproc !== undefined && nproc > 1 && !rankEnv) {
      const { launchLocal } = await import("../../train/launch.js");
      const out = optStr(args, "resume") ?? optStr(args, "out");
      if (!out) throw new UserError("missing required option --out RUN (or --resume RUN)", 2);
      await launchLocal({ nproc, mainPath: fileURLToPath(new URL("../main.js", import.meta.url)), args: ["train", ...toArgv(args)], signal: io.signal, err: io.err });
      return readJson<RunResult>(join(out, "result.json"), "result.json");
    }
    const { train } = await import("../../train/loop.js");
    const quiet = flag(args, "quiet") || (rankEnv !== null && rankEnv.rank !== 0);
    const log = rankEnv === null || rankEnv.rank === 0 ? io.err : () => {};
    let dist: DistOptions | undefined;
    const checkpointActivations = flag(args, "checkpoint-activations");
    try {
      if (rankEnv) {
        const { ProcessGroup } = await import("../../torch/distributed.js");
        const timeoutMs = 1000 * (optNum(args, "dist-timeout") ?? 300);
        dist = { group: new ProcessGroup({ rank: rankEnv.rank, worldSize: rankEnv.worldSize, rendezvous: rankEnv.rendezvous, timeoutMs, host: process.env.PLMSCALE_DIST_HOST }), shard };
      }
      const resume = optStr(args, "resume");
      if (resume !== undefined) {
        if (!existsSync(resume)) throw new UserError(`--resume: no run directory at ${resume}`, 2);
        if (!statSync(resume).isDirectory() || !existsSync(join(resume, "config.json"))) {
          throw new UserError(`--resume: ${resume} is not a run directory (no config.json); start a run with --out`, 2);
        }
        return await train(null, { out: resume, resume: true, signal: io.signal, log, quiet, dist, checkpointActivations, progress: trainProgress(io.err) });
      }
      const out = optStr(args, "out");
      if (!out) throw new UserError("missing required option --out RUN (or --resume RUN)", 2);
      const f = trainFlags(args);
      const file = f.config ? readConfigFile(f.config) : undefined;
      const config = configFromFlags(f, file);
      requireBudget(f, file);
      return await train(config, { out, signal: io.signal, log, quiet, dist, checkpointActivations, progress: trainProgress(io.err) });
    } catch (e) {
      throw asUserError(e);
    } finally {
      dist?.group.destroy();
    }
  },
  human(r: RunResult, io) {
    if (r === undefined) return; // --emit printed a script
    io.out(`finished: ${r.objective} N=${r.N} D=${r.D} C=${r.C.toExponential(3)} — validation loss ${r.valLoss.toFixed(4)} nats/token`);
    io.out(`${r.steps} steps in ${r.wallSeconds.toFixed(1)} s (${Math.round(r.tokensPerSecond)} tokens/s)`);
  },
});

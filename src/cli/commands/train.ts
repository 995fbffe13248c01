// plmscale train: train an MLM or CLM on a corpus (or a FASTA file) to a token or FLOP budget, or resume a run.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { defineRun, optNum, optStr, flag, type ParsedArgs } from "../command.js";
import { asUserError, UserError } from "../../core/errors.js";
import { configFromFlags, readConfigFile, requireBudget, type TrainFlags } from "../../train/cli-config.js";
import type { RunResult } from "../../train/rundir.js";
import { trainProgress } from "../progress.js";
import type { DistOptions } from "../../train/ddp.js";
import { parseTrainConfig, type ParallelConfig } from "../../train/config.js";
import { parallelSection, resolveParallel, slurmShape, type ParallelFlags } from "../../train/parallel.js";
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

/** A CUDA config planned for more ranks than this machine has GPUs is a multi-node plan: say how to launch it. */
async function checkLocalGpus(args: ParsedArgs, ranks: number): Promise<void> {
  const resume = optStr(args, "resume");
  const cfg = resume !== undefined ? parseTrainConfig(readJson(join(resume, "config.json"), "config.json")) : configFromFlags(trainFlags(args), optStr(args, "config") ? readConfigFile(optStr(args, "config")!) : undefined);
  if (cfg.device !== "cuda") return;
  const torch = await import("../../torch/index.js");
  const gpus = torch.cuda.isAvailable() ? torch.cuda.deviceCount() : 0;
  if (ranks > gpus) {
    throw new UserError(`the config asks for ${ranks} ranks, one GPU each (parallel.ranks), and this machine has ${gpus}: launch it with srun or torchrun on enough GPUs (plmscale train … --emit slurm writes the sbatch script), or choose --nproc`, 2);
  }
}

/** The parsed options back as argv (for the ranks a launcher starts and for sbatch scripts). */
function toArgv(args: ParsedArgs, skip: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(args.values)) {
    if (LAUNCH_ONLY.has(k) || skip.has(k) || v === undefined || v === false) continue;
    out.push(`--${k}`);
    if (v !== true) out.push(String(v));
  }
  return out;
}

/** The parallel section the run starts from: the resumed run's config.json, or the --config file / defaults. */
function baseParallel(args: ParsedArgs): ParallelConfig {
  const resume = optStr(args, "resume");
  if (resume !== undefined) {
    if (!existsSync(resume)) throw new UserError(`--resume: no run directory at ${resume}`, 2);
    if (!statSync(resume).isDirectory() || !existsSync(join(resume, "config.json"))) {
      throw new UserError(`--resume: ${resume} is not a run directory (no config.json); start a run with --out`, 2);
    }
    return parseTrainConfig(readJson(join(resume, "config.json"), "config.json")).parallel;
  }
  const file = optStr(args, "config");
  return parseTrainConfig(file ? readConfigFile(file) : {}).parallel;
}

function parallelFlags(args: ParsedArgs): ParallelFlags {
  return {
    nproc: optNum(args, "nproc"), shard: optStr(args, "shard"), checkpointFormat: optStr(args, "checkpoint-format"),
    checkpointActivations: flag(args, "checkpoint-activations") || undefined,
  };
}

/** Launch choices the script resolves itself (from flags or the config), not passed through as given. */
const RESOLVED = new Set(["shard", "checkpoint-format", "checkpoint-activations"]);

export default defineRun({
  async run(args, io) {
    const emit = optStr(args, "emit");
    if (emit !== undefined) {
      if (emit !== "slurm") throw new UserError(`--emit must be 'slurm', got '${emit}'`, 2);
      const { trainSlurmScript } = await import("../../train/slurm-train.js");
      const base = baseParallel(args);
      const p = resolveParallel(base, { ...parallelFlags(args), nproc: undefined });
      const { nodes, gpusPerNode } = slurmShape(base.ranks, optNum(args, "nodes"), optNum(args, "gpus-per-node"));
      // the resolved strategy is spelled out on the srun line: every rank runs exactly it
      const argv = [...toArgv(args, RESOLVED),
        "--shard", p.shard, "--checkpoint-format", p.checkpointFormat, ...(p.checkpointActivations ? ["--checkpoint-activations"] : [])];
      const script = trainSlurmScript({
        nodes, gpusPerNode, args: argv,
        plmscale: `node ${fileURLToPath(new URL("../main.js", import.meta.url))}`, partition: optStr(args, "partition"), time: optStr(args, "time"),
      });
      process.stdout.write(script);
      return undefined as unknown as RunResult;
    }
    const { rankFromEnv } = await import("../../train/dist-env.js");
    const rankEnv = rankFromEnv();
    const resume = optStr(args, "resume");
    const out = resume ?? optStr(args, "out");
    if (!out) throw new UserError("missing required option --out RUN (or --resume RUN)", 2);
    const base = baseParallel(args);
    const par = resolveParallel(base, parallelFlags(args), rankEnv?.worldSize);
    if (par.launchLocal) {
      if (par.ranksFrom === "config") await checkLocalGpus(args, par.ranks);
      const { launchLocal } = await import("../../train/launch.js");
      await launchLocal({ nproc: par.ranks, mainPath: fileURLToPath(new URL("../main.js", import.meta.url)), args: ["train", ...toArgv(args)], signal: io.signal, err: io.err });
      return readJson<RunResult>(join(out, "result.json"), "result.json");
    }
    const { train } = await import("../../train/loop.js");
    const quiet = flag(args, "quiet") || (rankEnv !== null && rankEnv.rank !== 0);
    const log = rankEnv === null || rankEnv.rank === 0 ? io.err : () => {};
    if (par.note) log(`note: ${par.note}`);
    let dist: DistOptions | undefined;
    const common = { signal: io.signal, log, quiet, checkpointActivations: par.checkpointActivations, checkpointFormat: par.checkpointFormat, progress: trainProgress(io.err) };
    try {
      if (rankEnv) {
        const { ProcessGroup } = await import("../../torch/distributed.js");
        const timeoutMs = 1000 * (optNum(args, "dist-timeout") ?? 300);
        dist = {
          group: new ProcessGroup({ rank: rankEnv.rank, worldSize: rankEnv.worldSize, rendezvous: rankEnv.rendezvous, timeoutMs, host: process.env.PLMSCALE_DIST_HOST }),
          shard: par.shard, localRank: rankEnv.localRank,
        };
      }
      if (resume !== undefined) return await train(null, { ...common, out: resume, resume: true, dist });
      const f = trainFlags(args);
      const file = f.config ? readConfigFile(f.config) : undefined;
      const config = configFromFlags(f, file);
      requireBudget(f, file);
      const checks = await import("../../train/memory-check.js");
      checks.checkTrainBudget(config);
      checks.checkTrainMemory(config);
      // the run directory's config.json records the strategy the run actually uses
      config.parallel = parallelSection(par);
      return await train(config, { ...common, out, dist });
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

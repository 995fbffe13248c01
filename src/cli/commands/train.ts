// plmscale train: train an MLM or CLM on a corpus (or a FASTA file) to a token or FLOP budget, or resume a run.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { defineRun, optNum, optStr, flag, optionValues, type ParsedArgs } from "../command.js";
import { TRAIN_OPTIONS } from "../specs/train.js";
import { asUserError, UserError } from "../../core/errors.js";
import { configFromFlags, readConfigFile, requireBudget, type TrainFlags } from "../../train/cli-config.js";
import type { RunResult } from "../../train/rundir.js";
import { trainProgress } from "../progress.js";
import type { DistOptions } from "../../train/ddp.js";
import { parseTrainConfig, type ParallelConfig, type TrainConfig } from "../../train/config.js";
import { parallelSection, resolveParallel, slurmShape, type ParallelFlags } from "../../train/parallel.js";
import { readJson } from "../../core/files.js";
import { fileURLToPath } from "node:url";

type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
/** TRAIN_OPTIONS (the spec) and TrainFlags (what configFromFlags reads) name the same flags: a flag added to one
 * and not the other does not compile. */
type SpecFlags = Camel<Exclude<keyof typeof TRAIN_OPTIONS, "quiet">>;
const sameFlags: [SpecFlags] extends [keyof TrainFlags] ? ([keyof TrainFlags] extends [SpecFlags] ? true : never) : never = true;
void sameFlags;

const camel = (k: string) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The train flags of `args`, typed and range-checked by their declarations (TRAIN_OPTIONS), under TrainFlags' names. */
export function trainFlags(args: ParsedArgs): TrainFlags {
  const typed = optionValues(args, TRAIN_OPTIONS);
  const f: Record<string, unknown> = {};
  for (const k of Object.keys(TRAIN_OPTIONS)) if (k !== "quiet") f[camel(k)] = typed[k as keyof typeof typed];
  // --shape's text is parsed by parseShape (its declaration already checked every part is an integer ≥ 1)
  f.shape = optStr(args, "shape");
  return f as TrainFlags;
}

/** Per process, the --config file is read once and the config the flags make of it is built (and validated) once. */
const memo = new WeakMap<ParsedArgs, { file?: unknown; config?: TrainConfig; resumed?: TrainConfig }>();
function cached(args: ParsedArgs) {
  let m = memo.get(args);
  if (!m) memo.set(args, (m = {}));
  return m;
}
function fileConfig(args: ParsedArgs): unknown {
  const m = cached(args), path = optStr(args, "config");
  if (path !== undefined && m.file === undefined) m.file = readConfigFile(path);
  return m.file;
}
function flagConfig(args: ParsedArgs): TrainConfig {
  const m = cached(args);
  return (m.config ??= configFromFlags(trainFlags(args), fileConfig(args)));
}
function resumedConfig(args: ParsedArgs, resume: string): TrainConfig {
  const m = cached(args);
  return (m.resumed ??= parseTrainConfig(readJson(join(resume, "config.json"), "config.json")));
}

/** Options that choose how to launch, not what to train: not passed on to the ranks or the sbatch script. */
const LAUNCH_ONLY = new Set(["nproc", "emit", "nodes", "gpus-per-node", "cpus-per-node", "partition", "time", "account", "output", "slurm-preamble", "plmscale", "json", "help"]);

/** A CUDA config planned for more ranks than this machine has GPUs is a multi-node plan: say how to launch it. */
async function checkLocalGpus(args: ParsedArgs, ranks: number): Promise<void> {
  const resume = optStr(args, "resume");
  const cfg = resume !== undefined ? resumedConfig(args, resume) : flagConfig(args);
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
    return resumedConfig(args, resume).parallel;
  }
  // flags do not change the parallel section; --emit slurm needs neither data nor a budget, so it reads the file alone
  return optStr(args, "emit") !== undefined ? parseTrainConfig(fileConfig(args) ?? {}).parallel : flagConfig(args).parallel;
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
      const { trainSlurmScript, readPreamble } = await import("../../train/slurm-train.js");
      const { selfCommand } = await import("./sweep-run.js");
      const base = baseParallel(args);
      const p = resolveParallel(base, { ...parallelFlags(args), nproc: undefined });
      const { nodes, gpusPerNode } = slurmShape(base.ranks, optNum(args, "nodes"), optNum(args, "gpus-per-node"));
      // the resolved strategy is spelled out on the srun line: every rank runs exactly it
      const argv = [...toArgv(args, RESOLVED),
        "--shard", p.shard, "--checkpoint-format", p.checkpointFormat, ...(p.checkpointActivations ? ["--checkpoint-activations"] : [])];
      const script = trainSlurmScript({
        nodes, gpusPerNode, args: argv,
        plmscale: optStr(args, "plmscale") ?? selfCommand(), partition: optStr(args, "partition"), time: optStr(args, "time"),
        account: optStr(args, "account"), output: optStr(args, "output"), preamble: readPreamble(optStr(args, "slurm-preamble")),
        cpusPerNode: optNum(args, "cpus-per-node"),
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
    // flags and the config (or the resumed run's config.json) resolved once: the run goes by this section
    const common = { signal: io.signal, log, quiet, parallel: parallelSection(par), progress: trainProgress(io.err) };
    try {
      if (rankEnv) {
        const { ProcessGroup } = await import("../../torch/distributed.js");
        const timeoutMs = 1000 * (optNum(args, "dist-timeout") ?? 300);
        dist = {
          group: new ProcessGroup({ rank: rankEnv.rank, worldSize: rankEnv.worldSize, rendezvous: rankEnv.rendezvous, timeoutMs, host: process.env.PLMSCALE_DIST_HOST }),
          localRank: rankEnv.localRank,
        };
      }
      if (resume !== undefined) return await train(null, { ...common, out: resume, resume: true, dist });
      const config = flagConfig(args);
      requireBudget(trainFlags(args), fileConfig(args));
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
    const f = r.modelFlopsPerToken;
    const rate = f ? `; model FLOP/s ${(f.sixN * r.tokensPerSecond).toExponential(2)} by 6N, ${(f.megatron * r.tokensPerSecond).toExponential(2)} by Megatron's count` : "";
    io.out(`${r.steps} steps in ${r.wallSeconds.toFixed(1)} s (${Math.round(r.tokensPerSecond)} tokens/s${rate})`);
    if (r.prediction) io.out(r.prediction.line);
  },
});

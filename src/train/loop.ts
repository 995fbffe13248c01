// The training loop: one plain function. Per optimizer step: draw the step's rows from the sampler, split
// them into micro-batches whose gradients accumulate (each micro-batch's summed loss divided by the step's
// loss tokens, so the gradient is exactly the whole batch's), average across ranks, clip, AdamW, schedule.
// One tidy scope per micro-batch, one per optimizer update. Evaluation every K steps and at the end;
// checkpoints every K steps and at the end; result.json last. See docs/TRAINING.md.
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../torch/index.js";
import { createModel, type ProteinLM } from "../model/index.js";
import { parseTrainConfig, resolveConfig, periodicEval, type ParallelConfig, type TrainConfig } from "./config.js";
import { budgetFor, flops6ND, lrAt, rowsInStep } from "./schedule.js";
import { peakLrFor } from "../scaling/lr.js";
import { runStep } from "./step.js";
import { openData, type OpenedData } from "./data-source.js";
import {
  appendMetrics, createRunDir, lockRun, runPaths, writeResult, LOCK_FILE, type RunPaths, type RunResult,
} from "./rundir.js";
import type { TrainState } from "./state-io.js";
import { rankDevice } from "./dist-env.js";
import type { ProgressSink } from "./progress.js";
import { mixSeed } from "../core/hash.js";
import { packageVersion } from "../core/version.js";
import { UserError } from "../core/errors.js";
import { readJson, writeJsonAtomic } from "../core/files.js";
import { flopsPerToken } from "../scaling/shape.js";
import { megatronFlopsPerToken, mfu } from "../scaling/mfu.js";
import { checkPrediction } from "../scaling/prediction.js";
import { strideRows, type DistOptions } from "./ddp.js";
import { createStrategy } from "./strategy.js";
import { restoreRun } from "./restore.js";
import { precisionOf } from "./precision.js";
import { onRank0 } from "./dist-setup.js";

export { evaluate } from "./evaluate.js";
export const PEAK_FLOPS_CUDA = 989e12; // H100 dense bf16, for MFU


export interface TrainOptions {
  /** the run directory */
  out: string;
  /** continue the run in `out` from its newest good checkpoint (config = its config.json) */
  resume?: boolean;
  /** raised on Ctrl-C: the current step finishes, a checkpoint is written, UserError(exit code 130) */
  signal?: AbortSignal;
  /** messages (stderr) */
  log?: (line: string) => void;
  quiet?: boolean;
  /** told every step, after the step's metrics line is written and before its checkpoint (an error it throws
   * ends the run right there, with no checkpoint or result for that step: what a kill leaves behind) */
  progress?: ProgressSink;
  /** data parallel (src/train/ddp.ts): this process is one rank of a process group; only rank 0 writes the run */
  dist?: DistOptions;
  /** the run's parallel section as the flags resolved it (src/train/parallel.ts), replacing the config's (a
   * resumed run's config.json is rewritten with it): the strategy, activation checkpointing, checkpoint format */
  parallel?: ParallelConfig;
}

/** Train (or resume) a run; returns result.json's content. */
export async function train(input: TrainConfig | null, opts: TrainOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const paths = runPaths(opts.out);
  if (opts.resume && !existsSync(opts.out)) throw new UserError(`--resume: no run directory at ${opts.out}`, 2);
  const existed = existsSync(opts.out);
  // one writer per run: held until this function returns (or the process dies: the next writer takes over);
  // in a data-parallel job only rank 0 writes, so only rank 0 takes it
  const rank0 = (opts.dist?.group.rank ?? 0) === 0;
  const lock = rank0 ? lockRun(opts.out, log) : null;
  const run: FreshRun = { created: false, started: false };
  try {
    return await trainLocked(input, opts, paths, log, run);
  } catch (e) {
    // a new run that failed before its first step holds nothing worth keeping: remove what it wrote, so the
    // same command (corrected) is not refused with "already holds a run"
    if (rank0 && run.created && !run.started) removeUnstartedRun(opts.out);
    throw e;
  } finally {
    lock?.release();
    if (rank0 && !opts.resume && !run.started && !existed) {
      try { rmdirSync(opts.out); } catch { /* not empty (it finished or another writer came in): keep it */ }
    }
  }
}

/** Whether this call wrote a new run directory, and whether that run got through its first training step
 * (after that, its directory is the user's to resume). */
interface FreshRun { created: boolean; started: boolean }

/** Remove the files a new run wrote before failing (everything but the lock, which its holder releases);
 * createRunDir only writes into a missing or empty directory, so all of it is this run's. */
function removeUnstartedRun(root: string): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    if (name === LOCK_FILE) continue;
    rmSync(join(root, name), { recursive: true, force: true });
  }
}

async function trainLocked(input: TrainConfig | null, opts: TrainOptions, paths: RunPaths, log: (l: string) => void, run: FreshRun): Promise<RunResult> {
  let config: TrainConfig;
  if (opts.resume) {
    if (existsSync(paths.result)) {
      log(`${opts.out} has already finished (result.json exists); nothing to do`);
      return readJson<RunResult>(paths.result, "result.json");
    }
    config = parseTrainConfig(readJson(paths.config, "config.json"));
    // resumed under other flags (another shard mode or world size): config.json records what runs from here
    if (opts.parallel && JSON.stringify(opts.parallel) !== JSON.stringify(config.parallel)) {
      config = { ...config, parallel: opts.parallel };
      if ((opts.dist?.group.rank ?? 0) === 0) writeJsonAtomic(paths.config, config);
    }
  } else {
    if (!input) throw new UserError("train: a config is needed unless resuming");
    config = opts.parallel ? { ...input, parallel: opts.parallel } : input;
  }
  if (config.device === "cuda") torch.requireCuda(`${opts.resume ? paths.config : "the run's config"}: device cuda`, 1);
  // one GPU per rank: cuda:LOCAL_RANK (modulo the GPUs this process sees)
  const device = rankDevice(config.device, opts.dist?.localRank, config.device === "cuda" ? torch.cuda.deviceCount() : 0);
  torch.applyThreads({ asked: config.threads, dModel: config.model.dModel, warn: log });

  // the model first (its size sets the default peak LR), seeded so init is reproducible
  torch.manualSeed(config.seed);
  const model = createModel(config.objective, config.model, device);
  model.computeDtype = precisionOf(config).computeDtype;
  const N = model.nonEmbeddingParams();
  const Ntotal = model.numParameters();
  try {
    if (!opts.resume) {
      const asked = config.tokens;
      config = resolveConfig(config, peakLrFor, N);
      if (config.tokens !== asked) {
        log(`budget: ${Math.round(asked).toLocaleString("en-US")} tokens rounded to ${config.tokens / config.model.context} whole rows of ${config.model.context} = ${config.tokens.toLocaleString("en-US")} tokens`);
      }
    }
    // the data is opened (and checked) before the run directory is written: a corpus without training or
    // validation sequences, or a file that is not FASTA, leaves nothing behind
    const data = await openData(config, config.microBatchRows, { rank: opts.dist?.group.rank ?? 0, worldSize: opts.dist?.group.worldSize ?? 1 });
    log(`data: ${data.describe}`);
    if (!opts.resume) {
      const resolved = config;
      // rank 0 creates the run directory; the other ranks learn whether it could (instead of a dead peer)
      await onRank0(opts.dist, "create-run", () => {
        try {
          createRunDir(opts.out, resolved);
          run.created = true;
        } catch (e) {
          throw new UserError((e as Error).message, 2);
        }
        return null;
      });
    }
    return await runLoop(config, model, N, Ntotal, paths, opts, log, data, run);
  } finally {
    model.dispose();
  }
}

async function runLoop(
  config: TrainConfig, model: ProteinLM, N: number, Ntotal: number, paths: RunPaths, opts: TrainOptions, log: (l: string) => void,
  data: OpenedData, run: FreshRun,
): Promise<RunResult> {
  const device = rankDevice(config.device, opts.dist?.localRank, config.device === "cuda" ? torch.cuda.deviceCount() : 0);
  const T = config.model.context, micro = config.microBatchRows;
  const budget = budgetFor(config.tokens, config.batchTokens, T);
  const dist = opts.dist;
  const worldSize = dist?.group.worldSize ?? 1, rank = dist?.group.rank ?? 0, rank0 = rank === 0;
  // the strategy config.parallel names (one process, DDP, ZeRO-1, ZeRO-3): the loop talks only to it
  const strategy = createStrategy({ model, device, parallel: config.parallel, optimizer: config.optimizer, precision: precisionOf(config), dist });
  try {
    const restored = await restoreRun({
      config, paths, resume: opts.resume === true, dist, log, steps: budget.steps, data,
      loadWeights: (dir, o) => strategy.loadWeights(dir, o), loadOptimizer: (dir) => strategy.loadOptimizer(dir),
    });
    let { step, tokens, lastTrainLoss } = restored;
    const { elapsedBefore, init } = restored;
    // replicas start identical whatever each rank loaded or initialised: rank 0's parameters everywhere
    strategy.start();
    const sink = rank0 && !opts.quiet ? opts.progress ?? null : null;
    const t0 = performance.now();
    const tokens0 = tokens, step0 = step;
    let lastVal: number | undefined;
    const fpt = flopsPerToken(config.model, T).sixN;
    // NVIDIA's per-step count beside 6N (issue 25): plmscale's MLM runs its head on the masked positions only
    const fptMegatron = megatronFlopsPerToken(config.model, config.objective === "mlm" ? config.data.maskProb : 1);
    const saveCheckpoint = () => strategy.save({
      root: paths.checkpoints, step, format: config.parallel.checkpointFormat, keep: config.checkpoint.keep, config,
      state: (): TrainState => ({
        step, tokens, flops: flops6ND(N, tokens), sampler: data.train.state(), elapsed: elapsedBefore + (performance.now() - t0) / 1000,
        trainLoss: lastTrainLoss, objective: config.objective, N,
      }),
    });

    // periodic evaluations within config.eval.periodicFraction of the training tokens; the final one on the whole set
    const periodic = periodicEval(config.eval.everySteps, budget.steps, budget.totalRows * T, data.validation.map((b) => b.rows * b.context), config.eval.periodicFraction);
    model.train();
    while (step < budget.steps) {
      const rows = rowsInStep(budget, step);
      // every rank draws the whole global step (same stream as one process) and keeps rows rank, rank+W, …
      const batch = data.train.next(rows);
      const mine = worldSize > 1 ? strideRows(batch, rank, worldSize) : batch;
      const lr = lrAt(config.lr, step, budget.steps);
      strategy.lr = lr;
      torch.manualSeed(mixSeed(config.seed, step, 0x5eed)); // dropout etc. identical after a resume
      const { loss: stepLoss, gradNorm, stop } = runStep(strategy, mine, {
        microRows: micro, clip: config.optimizer.clip, globalLossTokens: batch.lossTokens, globalRows: rows, stopRequested: opts.signal?.aborted === true,
      });
      step++;
      run.started = true;
      tokens += rows * T;
      lastTrainLoss = stepLoss;
      if (!Number.isFinite(lastTrainLoss)) throw new UserError(`training loss became ${lastTrainLoss} at step ${step} (lr ${lr.toExponential(2)}); lower --lr`);

      const last = step === budget.steps;
      const ev = periodic.everySteps;
      lastVal = last || (ev > 0 && step % ev === 0) ? strategy.evaluate(last ? data.validation : data.validation.slice(0, periodic.batches), micro) : undefined;
      const secs = (performance.now() - t0) / 1000;
      const tps = (tokens - tokens0) / Math.max(secs, 1e-9);
      if (rank0) appendMetrics(paths, {
        step, tokens, flops: flops6ND(N, tokens), trainLoss: lastTrainLoss, ...(lastVal !== undefined ? { valLoss: lastVal } : {}),
        lr, gradNorm, tokensPerSecond: tps, ...(config.device === "cuda" ? { mfu: mfu(fpt, tps, PEAK_FLOPS_CUDA)!, mfuMegatron: mfu(fptMegatron, tps, PEAK_FLOPS_CUDA)! } : {}), time: elapsedBefore + secs,
      });
      sink?.update({
        step, steps: budget.steps, tokens, totalTokens: budget.totalRows * T, trainLoss: lastTrainLoss, valLoss: lastVal, lr,
        tokensPerSecond: tps, elapsedSeconds: secs,
      });
      const ce = config.checkpoint.everySteps;
      if (last || (ce > 0 && step % ce === 0)) await saveCheckpoint();
      // data parallel: `stop` is any rank's interruption, agreed in the step's all-reduce, so all stop together
      if ((stop || opts.signal?.aborted) && !last) {
        if (!(ce > 0 && step % ce === 0)) await saveCheckpoint();
        sink?.done();
        throw new UserError(`interrupted at step ${step}/${budget.steps}; continue with: plmscale train --resume ${paths.root}`, 130);
      }
      await new Promise((res) => setImmediate(res)); // let signals and I/O run between steps
    }
    sink?.done();

    const secs = (performance.now() - t0) / 1000;
    const valLoss = lastVal ?? strategy.evaluate(data.validation, micro);
    const stats = strategy.stats();
    const D = budget.totalRows * T;
    const result: RunResult = {
      objective: config.objective, N, Ntotal, D, C: flops6ND(N, D), Cfull: flopsPerToken(config.model, T).withAttention * D,
      loss: valLoss, valLoss, trainLoss: lastTrainLoss, steps: budget.steps, wallSeconds: elapsedBefore + secs,
      tokensPerSecond: (tokens - tokens0) / Math.max(secs, 1e-9), modelFlopsPerToken: { sixN: fpt, megatron: fptMegatron },
      shape: { layers: config.model.layers, dModel: config.model.dModel, heads: config.model.heads, ffn: config.model.ffn },
      device: config.device, init, version: packageVersion(), worldSize, shard: strategy.shard,
      optimizerStateBytes: stats.optimizerBytes, parameterBytes: stats.parameterBytes,
      ...(stats.commSeconds !== undefined ? { commSecondsPerStep: stats.commSeconds / Math.max(1, budget.steps - step0) } : {}),
    };
    if (config.prediction) result.prediction = checkPrediction(config.prediction, valLoss, result.C);
    if (rank0) writeResult(paths, result);
    return result;
  } finally {
    strategy.dispose();
  }
}

// The training loop: one plain function. Per optimizer step: draw the step's rows from the sampler, split
// them into micro-batches whose gradients accumulate (each micro-batch's summed loss divided by the step's
// loss tokens, so the gradient is exactly the whole batch's), average across ranks, clip, AdamW, schedule.
// One tidy scope per micro-batch, one per optimizer update. Evaluation every K steps and at the end;
// checkpoints every K steps and at the end; result.json last. See docs/TRAINING.md.
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../torch/index.js";
import { createModel, batchTensors, type ProteinLM } from "../model/index.js";
import { parseTrainConfig, resolveConfig, type TrainConfig } from "./config.js";
import { budgetFor, flops6ND, lrAt, microBatches, rowsInStep } from "./schedule.js";
import { peakLrFor } from "../scaling/lr.js";
import { sliceRows, type Batch } from "../data/batch.js";
import { trainStep, decayGroups } from "./step.js";
import { openData, type OpenedData } from "./data-source.js";
import { latestGoodCheckpoint } from "./checkpoint.js";
import {
  appendMetrics, createRunDir, lockRun, runPaths, truncateMetrics, writeResult, LOCK_FILE, type RunPaths, type RunResult,
} from "./rundir.js";
import { loadModelWeights, readState, resolveSourceCheckpoint, type TrainState } from "./state-io.js";
import { loadRunOptimizer, optimizerLayout, saveRunCheckpoint, type CheckpointFormat } from "./dist-checkpoint.js";
import { rankDevice } from "./dist-env.js";
import type { ProgressSink } from "./progress.js";
import { mixSeed } from "../core/hash.js";
import { packageVersion } from "../core/version.js";
import { UserError } from "../core/errors.js";
import { readJson } from "../core/files.js";
import { flopsPerToken } from "../scaling/shape.js";
import { DataParallel, strideRows, type DistOptions } from "./ddp.js";
import { ShardedAdamW } from "./zero.js";
import { FullyShardedModel, modelParameterBytes } from "./fsdp.js";
import { blockwiseLossSum, type UnitHooks } from "./checkpointing.js";
import { onRank0 } from "./dist-setup.js";

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
  /** recompute each block in backward from its saved input (less activation memory, ~1/3 more compute) */
  checkpointActivations?: boolean;
  /** consolidated (default): rank 0 writes one process's files; sharded: each rank its optimizer slice */
  checkpointFormat?: CheckpointFormat;
}

/** Mean loss per loss token over fixed batches, without gradients (data parallel: rank r of W scores batches
 * r, r+W, … and the sums are added across ranks). With `units` (--shard full) blocks are gathered one at a time
 * and every rank runs as many forward passes as the busiest rank (idle ones hold only the collectives). */
export function evaluate(model: ProteinLM, batches: Batch[], device: string, microRows: number, dist?: DistOptions, units?: UnitHooks): number {
  const W = dist?.group.worldSize ?? 1, rank = dist?.group.rank ?? 0;
  const share = (r: number) => batches.filter((_, i) => i % W === r);
  const passes = (bs: Batch[]) => bs.reduce((a, b) => a + microBatches(b.rows, microRows).length, 0);
  const most = units ? Math.max(...Array.from({ length: W }, (_, r) => passes(share(r)))) : 0;
  const { sum, count } = evaluateSums(model, share(rank), device, microRows, units, most);
  if (!dist || W === 1) return count > 0 ? sum / count : NaN;
  const t = torch.tensor(new Float64Array([sum, count]));
  try {
    dist.group.allReduce(t, "sum");
    const [s, c] = t.data() as Float64Array;
    return c! > 0 ? s! / c! : NaN;
  } finally {
    t.dispose();
  }
}

function evaluateSums(model: ProteinLM, batches: Batch[], device: string, microRows: number, units?: UnitHooks, passes = 0): { sum: number; count: number } {
  const wasTraining = model.training;
  model.eval();
  let sum = 0, count = 0, done = 0;
  const cuda = device.startsWith("cuda");
  try {
    torch.noGrad(() => {
      for (const b of batches) {
        for (let r = 0; r < b.rows; r += microRows) {
          const mb = sliceRows(b, r, Math.min(microRows, b.rows - r));
          done++;
          if (mb.lossTokens === 0) {
            if (units) blockwiseLossSum(model, null, null, cuda, units);
            continue;
          }
          sum += torch.tidy(() => {
            const { inputs, target } = batchTensors(mb, device, model.causal);
            if (units) return blockwiseLossSum(model, inputs, target, cuda, units);
            const run = () => model.lossSum(inputs, target).item();
            return cuda ? torch.autocast(run, "bfloat16") : run();
          });
          count += mb.lossTokens;
        }
      }
      for (; done < passes; done++) if (units) blockwiseLossSum(model, null, null, cuda, units);
    });
  } finally {
    model.train(wasTraining);
  }
  return { sum, count };
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
  } else {
    if (!input) throw new UserError("train: a config is needed unless resuming");
    config = input;
  }
  if (config.device === "cuda" && !torch.cuda.isAvailable()) throw new UserError("device cuda requested but this libtorch build has no usable CUDA");
  // one GPU per rank: cuda:LOCAL_RANK (modulo the GPUs this process sees)
  const device = rankDevice(config.device, opts.dist?.localRank, config.device === "cuda" ? torch.cuda.deviceCount() : 0);
  if (config.threads > 0) torch.setNumThreads(config.threads);

  // the model first (its size sets the default peak LR), seeded so init is reproducible
  torch.manualSeed(config.seed);
  const model = createModel(config.objective, config.model, device);
  if (config.device === "cuda") model.computeDtype = "bfloat16";
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
  const T = config.model.context;
  const micro = config.microBatchRows;
  const budget = budgetFor(config.tokens, config.batchTokens, T);
  const dist = opts.dist;
  const worldSize = dist?.group.worldSize ?? 1, rank = dist?.group.rank ?? 0, rank0 = rank === 0;
  if (dist && !["none", "optimizer", "full"].includes(dist.shard)) throw new UserError(`unknown shard mode '${dist.shard}'`, 2);
  if (dist?.shard === "full" && config.model.dropout > 0) throw new UserError("--shard full recomputes each block in backward and needs model.dropout 0 (the recomputed dropout masks would differ)", 2);

  const params = model.parameters();
  const groups = decayGroups(model, config.optimizer.weightDecay);
  const adam = { lr: 0, beta1: config.optimizer.beta1, beta2: config.optimizer.beta2, eps: config.optimizer.eps };
  // ZeRO-1 (src/train/zero.ts) keeps AdamW moments for this rank's slice only
  const sharded = dist && worldSize > 1 && dist.shard === "optimizer" ? new ShardedAdamW(dist.group, groups, adam) : null;
  // ZeRO-3 (src/train/fsdp.ts): parameters, gradients and moments sharded by unit (block), gathered on use
  if (dist?.shard === "full" && opts.checkpointFormat === "sharded") {
    throw new UserError("--checkpoint-format sharded is not available with --shard full yet (only the AdamW moments of ZeRO-1 and DDP have shard files); use --checkpoint-format consolidated", 2);
  }
  const fsdp = dist?.shard === "full" ? new FullyShardedModel(dist.group, model, config.optimizer.weightDecay, adam) : null;
  const opt: torch.AdamW | ShardedAdamW | FullyShardedModel = sharded ?? fsdp ?? new torch.AdamW(groups, adam);
  const layout = optimizerLayout(model, groups, worldSize);

  let step = 0, tokens = 0, elapsedBefore = 0, lastTrainLoss = NaN;
  let init: RunResult["init"] = null;
  // rank 0 picks the checkpoint (it may set aside broken ones); every rank loads the same one
  const resumeFrom = opts.resume ? await onRank0(dist, "resume-from", () => latestGoodCheckpoint(paths.checkpoints, (m) => log(m))) : null;
  try {
    if (resumeFrom) {
      const st = readState(resumeFrom.dir);
      loadModelWeights(resumeFrom.dir, model);
      loadRunOptimizer(resumeFrom.dir, opt, layout, device);
      data.train.restore(st.sampler);
      step = st.step, tokens = st.tokens, elapsedBefore = st.elapsed, lastTrainLoss = st.trainLoss;
      if (rank0) truncateMetrics(paths, step);
      log(`resuming ${paths.root} from ${resumeFrom.dir} (step ${step}/${budget.steps})`);
    } else if (opts.resume) {
      if (rank0) truncateMetrics(paths, 0);
      log(`no usable checkpoint in ${paths.checkpoints}; starting ${paths.root} from step 0`);
    }
    if (config.init) {
      const src = resolveSourceCheckpoint(config.init.from, log);
      const st = readState(src.dir);
      if (!resumeFrom) {
        const fresh = loadModelWeights(src.dir, model, { headMayDiffer: true });
        log(`initialised from ${config.init.objective} checkpoint ${src.dir} (step ${st.step}, ${st.tokens} tokens)${fresh.length ? `; the source has another LM head: ${fresh.join(", ")} start fresh` : ""}`);
      }
      init = { from: config.init.from, checkpoint: src.dir, objective: config.init.objective, step: st.step, tokens: st.tokens, flops: st.flops, N: st.N };
    }

    // replicas start identical whatever each rank loaded or initialised: rank 0's parameters everywhere
    const ddp = dist && worldSize > 1 && !fsdp ? new DataParallel(dist.group, params, dist.bucketBytes) : null;
    ddp?.broadcastParameters();
    sharded?.copyFromParams();
    fsdp?.shardParameters(); // rank 0's parameters, cut into slices; the model's tensors are empty from here on
    const sink = rank0 && !opts.quiet ? opts.progress ?? null : null;
    const t0 = performance.now();
    const tokens0 = tokens, step0 = step;
    let lastVal: number | undefined;
    const fpt = flopsPerToken(config.model, T).sixN;

    const saveCheckpoint = () => saveRunCheckpoint({
      root: paths.checkpoints, step, format: opts.checkpointFormat ?? "consolidated", dist, keep: config.checkpoint.keep, model, opt, layout, config,
      state: (): TrainState => ({
        step, tokens, flops: flops6ND(N, tokens), sampler: data.train.state(), elapsed: elapsedBefore + (performance.now() - t0) / 1000,
        trainLoss: lastTrainLoss, objective: config.objective, N,
      }),
    });

    model.train();
    while (step < budget.steps) {
      const rows = rowsInStep(budget, step);
      // every rank draws the whole global step (same stream as one process) and keeps rows rank, rank+W, …
      const batch = data.train.next(rows);
      const mine = worldSize > 1 ? strideRows(batch, rank, worldSize) : batch;
      const lr = lrAt(config.lr, step, budget.steps);
      opt.lr = lr;
      torch.manualSeed(mixSeed(config.seed, step, 0x5eed)); // dropout etc. identical after a resume
      const { loss: stepLoss, gradNorm, stop } = trainStep(model, opt, params, mine, {
        microRows: micro, device, clip: config.optimizer.clip, globalLossTokens: batch.lossTokens,
        reduce: ddp ? (s) => ddp.reduce(s) : undefined, stopRequested: opts.signal?.aborted === true,
        shardedUpdate: sharded ? (s, clip) => sharded.update(s, clip) : fsdp ? (s, clip) => fsdp.update(s, clip) : undefined,
        checkpointActivations: opts.checkpointActivations,
        // rank 0's share is the largest (rows 0, W, 2W, …): every rank runs as many micro-batches as it does
        ...(fsdp ? { units: fsdp.hooks, microBatchCount: microBatches(Math.ceil(rows / worldSize), micro).length } : {}),
      });
      step++;
      run.started = true;
      tokens += rows * T;
      lastTrainLoss = stepLoss;
      if (!Number.isFinite(lastTrainLoss)) throw new UserError(`training loss became ${lastTrainLoss} at step ${step} (lr ${lr.toExponential(2)}); lower --lr`);

      const last = step === budget.steps;
      const ev = config.eval.everySteps;
      lastVal = (ev > 0 && step % ev === 0) || last ? evaluate(model, data.validation, device, micro, dist, fsdp?.hooks) : undefined;
      const secs = (performance.now() - t0) / 1000;
      const tps = (tokens - tokens0) / Math.max(secs, 1e-9);
      if (rank0) appendMetrics(paths, {
        step, tokens, flops: flops6ND(N, tokens), trainLoss: lastTrainLoss, ...(lastVal !== undefined ? { valLoss: lastVal } : {}),
        lr, gradNorm, tokensPerSecond: tps, ...(config.device === "cuda" ? { mfu: (fpt * tps) / PEAK_FLOPS_CUDA } : {}), time: elapsedBefore + secs,
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
    const valLoss = lastVal ?? evaluate(model, data.validation, device, micro, dist, fsdp?.hooks);
    const bytes = memoryBytes(opt, model, dist);
    const D = budget.totalRows * T;
    const result: RunResult = {
      objective: config.objective, N, Ntotal, D, C: flops6ND(N, D), Cfull: flopsPerToken(config.model, T).withAttention * D,
      loss: valLoss, valLoss, trainLoss: lastTrainLoss, steps: budget.steps, wallSeconds: elapsedBefore + secs,
      tokensPerSecond: (tokens - tokens0) / Math.max(secs, 1e-9),
      shape: { layers: config.model.layers, dModel: config.model.dModel, heads: config.model.heads, ffn: config.model.ffn },
      device: config.device, init, version: packageVersion(), worldSize, shard: dist?.shard ?? "none",
      optimizerStateBytes: bytes.optimizer, parameterBytes: bytes.parameters,
      ...(ddp || sharded || fsdp ? { commSecondsPerStep: ((ddp?.commSeconds ?? 0) + (sharded?.commSeconds ?? 0) + (fsdp?.commSeconds ?? 0)) / Math.max(1, budget.steps - step0) } : {}),
    };
    if (rank0) writeResult(paths, result);
    return result;
  } finally {
    opt.dispose();
  }
}

/** Bytes of AdamW moments and of parameters one rank holds, counted from the live tensors after the last step
 * (--shard full: slices, plus whatever the model's parameter tensors hold; the largest over ranks). */
function memoryBytes(opt: torch.AdamW | ShardedAdamW | FullyShardedModel, model: ProteinLM, dist?: DistOptions): { optimizer: number; parameters: number } {
  const optimizer = opt instanceof torch.AdamW ? [...opt.stateTensors().values()].reduce((a, t) => a + t.numel * 4, 0) : opt.stateBytes();
  const parameters = opt instanceof FullyShardedModel ? opt.parameterBytes() : modelParameterBytes(model);
  if (!dist || dist.group.worldSize === 1) return { optimizer, parameters };
  const t = torch.tensor(new Float64Array([optimizer, parameters]));
  try {
    dist.group.allReduce(t, "max");
    const [o, p] = t.data() as Float64Array;
    return { optimizer: o!, parameters: p! };
  } finally {
    t.dispose();
  }
}


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
import { budgetFor, flops6ND, lrAt, rowsInStep } from "./schedule.js";
import { peakLrFor } from "../scaling/lr.js";
import { sliceRows, type Batch } from "../data/batch.js";
import { trainStep, decayGroups } from "./step.js";
import { openData, type OpenedData } from "./data-source.js";
import { latestGoodCheckpoint, pruneCheckpoints, writeCheckpoint } from "./checkpoint.js";
import {
  appendMetrics, createRunDir, lockRun, runPaths, truncateMetrics, writeResult, LOCK_FILE, type RunPaths, type RunResult,
} from "./rundir.js";
import { loadModelWeights, loadOptimizerState, readState, resolveSourceCheckpoint, writeTrainFiles, type TrainState } from "./state-io.js";
import { progressSink, type ProgressSink } from "./progress.js";
import { mixSeed } from "../core/hash.js";
import { UserError } from "../core/errors.js";
import { readJson } from "../core/files.js";
import { flopsPerToken } from "../scaling/shape.js";

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
  /** data-parallel hook (the DDP issue): average gradients across `worldSize` ranks in place */
  worldSize?: number;
  rank?: number;
  allReduce?: (grads: torch.Tensor[]) => void;
}

/** Mean loss per loss token over fixed batches, without gradients. */
export function evaluate(model: ProteinLM, batches: Batch[], device: string, microRows: number): number {
  const wasTraining = model.training;
  model.eval();
  let sum = 0, count = 0;
  try {
    torch.noGrad(() => {
      for (const b of batches) {
        for (let r = 0; r < b.rows; r += microRows) {
          const mb = sliceRows(b, r, Math.min(microRows, b.rows - r));
          if (mb.lossTokens === 0) continue;
          sum += torch.tidy(() => {
            const { inputs, target } = batchTensors(mb, device, model.causal);
            const run = () => model.lossSum(inputs, target).item();
            return device.startsWith("cuda") ? torch.autocast(run, "bfloat16") : run();
          });
          count += mb.lossTokens;
        }
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return count > 0 ? sum / count : NaN;
}

/** Train (or resume) a run; returns result.json's content. */
export async function train(input: TrainConfig | null, opts: TrainOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const paths = runPaths(opts.out);
  if (opts.resume && !existsSync(opts.out)) throw new UserError(`--resume: no run directory at ${opts.out}`, 2);
  const existed = existsSync(opts.out);
  // one writer per run: held until this function returns (or the process dies: the next writer takes over)
  const lock = lockRun(opts.out, log);
  const run: FreshRun = { created: false, started: false };
  try {
    return await trainLocked(input, opts, paths, log, run);
  } catch (e) {
    // a new run that failed before its first step holds nothing worth keeping: remove what it wrote, so the
    // same command (corrected) is not refused with "already holds a run"
    if (run.created && !run.started) removeUnstartedRun(opts.out);
    throw e;
  } finally {
    lock.release();
    if (!opts.resume && !run.started && !existed) {
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
  const device = config.device;
  if (device === "cuda" && !torch.cuda.isAvailable()) throw new UserError("device cuda requested but this libtorch build has no usable CUDA");
  if (config.threads > 0) torch.setNumThreads(config.threads);

  // the model first (its size sets the default peak LR), seeded so init is reproducible
  torch.manualSeed(config.seed);
  const model = createModel(config.objective, config.model, device);
  if (device === "cuda") model.computeDtype = "bfloat16";
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
    const data = await openData(config, config.microBatchRows);
    log(`data: ${data.describe}`);
    if (!opts.resume) {
      try {
        createRunDir(opts.out, config);
        run.created = true;
      } catch (e) {
        throw new UserError((e as Error).message, 2);
      }
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
  const device = config.device;
  const T = config.model.context;
  const micro = config.microBatchRows;
  const budget = budgetFor(config.tokens, config.batchTokens, T);
  const worldSize = opts.worldSize ?? 1;

  const params = model.parameters();
  const opt = new torch.AdamW(decayGroups(model, config.optimizer.weightDecay), {
    lr: 0, beta1: config.optimizer.beta1, beta2: config.optimizer.beta2, eps: config.optimizer.eps,
  });

  let step = 0, tokens = 0, elapsedBefore = 0, lastTrainLoss = NaN;
  let init: RunResult["init"] = null;
  const resumeFrom = opts.resume ? latestGoodCheckpoint(paths.checkpoints, (m) => log(m)) : null;
  try {
    if (resumeFrom) {
      const st = readState(resumeFrom.dir);
      loadModelWeights(resumeFrom.dir, model);
      loadOptimizerState(resumeFrom.dir, opt, device);
      data.train.restore(st.sampler);
      step = st.step, tokens = st.tokens, elapsedBefore = st.elapsed, lastTrainLoss = st.trainLoss;
      truncateMetrics(paths, step);
      log(`resuming ${paths.root} from ${resumeFrom.dir} (step ${step}/${budget.steps})`);
    } else if (opts.resume) {
      truncateMetrics(paths, 0);
      log(`no usable checkpoint in ${paths.checkpoints}; starting ${paths.root} from step 0`);
    }
    if (config.init) {
      const src = resolveSourceCheckpoint(config.init.from, log);
      const st = readState(src.dir);
      if (!resumeFrom) {
        loadModelWeights(src.dir, model);
        log(`initialised from ${config.init.objective} checkpoint ${src.dir} (step ${st.step}, ${st.tokens} tokens)`);
      }
      init = { from: config.init.from, checkpoint: src.dir, objective: config.init.objective, step: st.step, tokens: st.tokens, flops: st.flops, N: st.N };
    }

    const sink = opts.progress ?? (opts.quiet ? null : progressSink((s) => process.stderr.write(s), process.stderr.isTTY === true));
    const t0 = performance.now();
    const tokens0 = tokens;
    let lastVal: number | undefined;
    const fpt = flopsPerToken(config.model, T).sixN;

    const saveCheckpoint = () => {
      const state: TrainState = {
        step, tokens, flops: flops6ND(N, tokens), sampler: data.train.state(), elapsed: elapsedBefore + (performance.now() - t0) / 1000,
        trainLoss: lastTrainLoss, objective: config.objective, N,
      };
      writeCheckpoint(paths.checkpoints, step, (dir) => writeTrainFiles(dir, model, opt, state, config));
      pruneCheckpoints(paths.checkpoints, config.checkpoint.keep);
    };

    model.train();
    while (step < budget.steps) {
      const rows = rowsInStep(budget, step);
      const batch = data.train.next(rows);
      const lr = lrAt(config.lr, step, budget.steps);
      opt.lr = lr;
      torch.manualSeed(mixSeed(config.seed, step, 0x5eed)); // dropout etc. identical after a resume
      const { loss: stepLoss, gradNorm } = trainStep(model, opt, params, batch, {
        microRows: micro, device, clip: config.optimizer.clip, allReduce: worldSize > 1 ? opts.allReduce : undefined,
      });
      step++;
      run.started = true;
      tokens += rows * T;
      lastTrainLoss = stepLoss;
      if (!Number.isFinite(lastTrainLoss)) throw new UserError(`training loss became ${lastTrainLoss} at step ${step} (lr ${lr.toExponential(2)}); lower --lr`);

      const last = step === budget.steps;
      const ev = config.eval.everySteps;
      lastVal = (ev > 0 && step % ev === 0) || last ? evaluate(model, data.validation, device, micro) : undefined;
      const secs = (performance.now() - t0) / 1000;
      const tps = (tokens - tokens0) / Math.max(secs, 1e-9);
      appendMetrics(paths, {
        step, tokens, flops: flops6ND(N, tokens), trainLoss: lastTrainLoss, ...(lastVal !== undefined ? { valLoss: lastVal } : {}),
        lr, gradNorm, tokensPerSecond: tps, ...(device === "cuda" ? { mfu: (fpt * tps) / PEAK_FLOPS_CUDA } : {}), time: elapsedBefore + secs,
      });
      sink?.update({
        step, steps: budget.steps, tokens, totalTokens: budget.totalRows * T, trainLoss: lastTrainLoss, valLoss: lastVal, lr,
        tokensPerSecond: tps, elapsedSeconds: secs,
      });
      const ce = config.checkpoint.everySteps;
      if (last || (ce > 0 && step % ce === 0)) saveCheckpoint();
      if (opts.signal?.aborted && !last) {
        if (!(ce > 0 && step % ce === 0)) saveCheckpoint();
        sink?.done();
        throw new UserError(`interrupted at step ${step}/${budget.steps}; continue with: plmscale train --resume ${paths.root}`, 130);
      }
      await new Promise((res) => setImmediate(res)); // let signals and I/O run between steps
    }
    sink?.done();

    const secs = (performance.now() - t0) / 1000;
    const valLoss = lastVal ?? evaluate(model, data.validation, device, micro);
    const D = budget.totalRows * T;
    const result: RunResult = {
      objective: config.objective, N, Ntotal, D, C: flops6ND(N, D), Cfull: flopsPerToken(config.model, T).withAttention * D,
      loss: valLoss, valLoss, trainLoss: lastTrainLoss, steps: budget.steps, wallSeconds: elapsedBefore + secs,
      tokensPerSecond: (tokens - tokens0) / Math.max(secs, 1e-9),
      shape: { layers: config.model.layers, dModel: config.model.dModel, heads: config.model.heads, ffn: config.model.ffn },
      device, init, version: packageVersion(),
    };
    writeResult(paths, result);
    return result;
  } finally {
    opt.dispose();
  }
}

function packageVersion(): string {
  try {
    return (readJson<{ version: string }>(join(new URL("../../../package.json", import.meta.url).pathname), "package.json")).version;
  } catch {
    return "unknown";
  }
}

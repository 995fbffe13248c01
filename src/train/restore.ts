// Where a run starts from: its newest good checkpoint (--resume: weights, the strategy's optimizer state,
// the sampler, counters; metrics.jsonl cut back to it), and/or the weights of a transfer source (config.init).
import type { TrainConfig } from "./config.js";
import type { DistOptions } from "./ddp.js";
import type { OpenedData } from "./data-source.js";
import { latestGoodCheckpoint } from "./checkpoint.js";
import { truncateMetrics, type RunPaths, type RunResult } from "./rundir.js";
import { readState, resolveSourceCheckpoint } from "./state-io.js";
import { onRank0 } from "./dist-setup.js";

export interface RestoreInput {
  config: TrainConfig;
  paths: RunPaths;
  resume: boolean;
  dist?: DistOptions;
  log: (l: string) => void;
  /** the run's optimizer steps (for the log line) */
  steps: number;
  /** the strategy's loaders of a checkpoint's weights (bf16-params: into the fp32 masters) and optimizer state */
  loadWeights: (dir: string, o?: { headMayDiffer?: boolean }) => string[];
  loadOptimizer: (dir: string) => void;
  data: OpenedData;
}

export interface Restored {
  step: number;
  tokens: number;
  elapsedBefore: number;
  lastTrainLoss: number;
  init: RunResult["init"];
}

/** Load what the run continues from into the model, the optimizer and the sampler; the counters to go on with. */
export async function restoreRun(r: RestoreInput): Promise<Restored> {
  const { config, paths, log, dist } = r;
  const rank0 = (dist?.group.rank ?? 0) === 0;
  const out: Restored = { step: 0, tokens: 0, elapsedBefore: 0, lastTrainLoss: NaN, init: null };
  // rank 0 picks the checkpoint (it may set aside broken ones); every rank loads the same one
  const resumeFrom = r.resume ? await onRank0(dist, "resume-from", () => latestGoodCheckpoint(paths.checkpoints, (m) => log(m))) : null;
  if (resumeFrom) {
    const st = readState(resumeFrom.dir);
    r.loadWeights(resumeFrom.dir);
    r.loadOptimizer(resumeFrom.dir);
    r.data.train.restore(st.sampler);
    Object.assign(out, { step: st.step, tokens: st.tokens, elapsedBefore: st.elapsed, lastTrainLoss: st.trainLoss });
    if (rank0) truncateMetrics(paths, out.step);
    log(`resuming ${paths.root} from ${resumeFrom.dir} (step ${out.step}/${r.steps})`);
  } else if (r.resume) {
    if (rank0) truncateMetrics(paths, 0);
    log(`no usable checkpoint in ${paths.checkpoints}; starting ${paths.root} from step 0`);
  }
  if (config.init) {
    const src = resolveSourceCheckpoint(config.init.from, log);
    const st = readState(src.dir);
    if (!resumeFrom) {
      const fresh = r.loadWeights(src.dir, { headMayDiffer: true });
      log(`initialised from ${config.init.objective} checkpoint ${src.dir} (step ${st.step}, ${st.tokens} tokens)${fresh.length ? `; the source has another LM head: ${fresh.join(", ")} start fresh` : ""}`);
    }
    out.init = { from: config.init.from, checkpoint: src.dir, objective: config.init.objective, step: st.step, tokens: st.tokens, flops: st.flops, N: st.N };
  }
  return out;
}

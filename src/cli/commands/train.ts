// plmscale train: train an MLM or CLM on a corpus (or a FASTA file) to a token or FLOP budget, or resume a run.
import { existsSync } from "node:fs";
import { defineCommand, optNum, optStr, flag, type OptionDecls, type ParsedArgs } from "../command.js";
import { UserError } from "../../core/errors.js";
import { configFromFlags, readConfigFile, type TrainFlags } from "../../train/cli-config.js";
import type { RunResult } from "../../train/rundir.js";

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
  };
}

/** Options shared by train and transfer (the model, budget and training settings of a train config). */
export const TRAIN_OPTIONS = {
  objective: { type: "string", value: "mlm|clm", group: "Model and budget", description: "training objective (default mlm)" },
  params: { type: "string", value: "N", group: "Model and budget", description: "target non-embedding size; the shape comes from shapeFor(N)" },
  shape: { type: "string", value: "L,d,h[,ffn]", group: "Model and budget", description: "explicit shape (FFN 4d by default)" },
  tokens: { type: "string", value: "D", group: "Model and budget", description: "budget in tokens; the run stops exactly there" },
  flops: { type: "string", value: "C", group: "Model and budget", description: "budget in FLOPs (D = C / 6N)" },
  context: { type: "string", value: "T", group: "Model and budget", description: "tokens per row (default 1024)" },
  data: { type: "string", value: "CORPUS", group: "Model and budget", description: "a corpus directory or a FASTA file" },
  "batch-tokens": { type: "string", value: "B", group: "Training", description: "tokens per optimizer step (default 16384; gradient accumulation reaches it)" },
  "micro-rows": { type: "string", value: "R", group: "Training", description: "rows per forward pass (default: 4096 tokens on CPU, 64k on CUDA)" },
  lr: { type: "string", value: "PEAK", group: "Training", description: "peak LR (default by size: 6e-4 small → 3e-4 at ≥1B)" },
  warmup: { type: "string", value: "F", group: "Training", description: "warm-up fraction of the steps (default 0.01)" },
  "weight-decay": { type: "string", value: "W", group: "Training", description: "AdamW weight decay (default 0.01; β1 0.9, β2 0.95, clip 1.0)" },
  device: { type: "string", value: "cpu|cuda", group: "Training", description: "cuda: bf16 autocast and fused attention" },
  threads: { type: "string", value: "N", group: "Training", description: "CPU threads (default: libtorch's)" },
  seed: { type: "string", value: "S", group: "Training", description: "seed for init, data order and masking" },
  "eval-every": { type: "string", value: "K", group: "Training", description: "validation every K steps (default 100) and at the end" },
  "eval-tokens": { type: "string", value: "E", group: "Training", description: "validation tokens (default 65536)" },
  "checkpoint-every": { type: "string", value: "K", group: "Training", description: "checkpoint every K steps (default 200)" },
  keep: { type: "string", value: "K", group: "Training", description: "keep the last K checkpoints (default 2)" },
  config: { type: "string", value: "FILE", group: "Training", description: "a train config JSON (docs/CONTRACTS.md); flags override it" },
  quiet: { type: "boolean", group: "Training", description: "no progress output" },
} satisfies OptionDecls;

export const trainCommand = defineCommand({
  name: "train",
  summary: "train an MLM or CLM to a token/FLOP budget, or resume a run",
  usage: [
    "--data CORPUS --out RUN [--objective mlm|clm] (--params N | --shape L,d,h) (--tokens D | --flops C) [options]",
    "--resume RUN",
  ],
  description: `Trains with AdamW, linear warm-up then cosine decay to 10% of the peak over the run's own budget, and writes
RUN/config.json, RUN/metrics.jsonl, RUN/checkpoints/ and, last, RUN/result.json (final validation loss in
nats/token, N, D, C). --data is a corpus directory from 'plmscale data prepare' or a FASTA file (.fasta[.gz]).
A killed run continues with --resume (same data stream and schedule, from the newest good checkpoint).
With --json result.json is printed on stdout.`,
  options: {
    ...TRAIN_OPTIONS,
    out: { type: "string", value: "RUN", description: "the run directory to create (required unless --resume)" },
    resume: { type: "string", value: "RUN", description: "continue RUN (other options are ignored; the run's config.json rules)" },
  },
  examples: ["plmscale train --objective clm --shape 4,128,8 --tokens 2M --context 256 --data corpus/ --out runs/clm-tiny --json"],
  async run(args, io) {
    const { train } = await import("../../train/loop.js");
    const quiet = flag(args, "quiet");
    const resume = optStr(args, "resume");
    try {
      if (resume !== undefined) {
        if (!existsSync(resume)) throw new UserError(`--resume: no run directory at ${resume}`, 2);
        return await train(null, { out: resume, resume: true, signal: io.signal, log: io.err, quiet });
      }
      const out = optStr(args, "out");
      if (!out) throw new UserError("missing required option --out RUN (or --resume RUN)", 2);
      const f = trainFlags(args);
      const config = configFromFlags(f, f.config ? readConfigFile(f.config) : undefined);
      return await train(config, { out, signal: io.signal, log: io.err, quiet });
    } catch (e) {
      throw asUserError(e);
    }
  },
  human(r: RunResult, io) {
    io.out(`finished: ${r.objective} N=${r.N} D=${r.D} C=${r.C.toExponential(3)} — validation loss ${r.valLoss.toFixed(4)} nats/token`);
    io.out(`${r.steps} steps in ${r.wallSeconds.toFixed(1)} s (${Math.round(r.tokensPerSecond)} tokens/s)`);
  },
});

/** Expected failures (bad config, missing data, corrupt run, interruption) become a UserError; bugs keep their stack. */
export function asUserError(e: unknown): unknown {
  if (e instanceof UserError) return e;
  // train/loop.ts's TrainError and train/data-source.ts's DataError (which names itself "TrainError") belong to
  // the engine and data-path parts of issue 9; until they are UserErrors, this is the one place that maps them.
  if (e instanceof Error && e.name === "TrainError") {
    const code = (e as Error & { code?: unknown }).code;
    return new UserError(e.message, typeof code === "number" ? code : 1);
  }
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string") return new UserError(e.message, 1);
  return e;
}

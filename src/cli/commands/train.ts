// plmscale train: train an MLM or CLM on a corpus (or a FASTA file) to a token or FLOP budget, or resume a run.
import { existsSync } from "node:fs";
import { CliError, defineCommand, optNum, optStr, flag, type ParsedArgs } from "../command.js";
import { configFromFlags, readConfigFile, type TrainFlags } from "../../train/cli-config.js";
import { ConfigError } from "../../train/config.js";
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
    head: optStr(args, "head"),
  };
}

export const TRAIN_OPTIONS = {
  config: { type: "string" },
  objective: { type: "string" },
  params: { type: "string" },
  shape: { type: "string" },
  tokens: { type: "string" },
  flops: { type: "string" },
  data: { type: "string" },
  out: { type: "string" },
  context: { type: "string" },
  "batch-tokens": { type: "string" },
  "micro-rows": { type: "string" },
  lr: { type: "string" },
  warmup: { type: "string" },
  "weight-decay": { type: "string" },
  device: { type: "string" },
  threads: { type: "string" },
  seed: { type: "string" },
  "eval-every": { type: "string" },
  "eval-tokens": { type: "string" },
  "checkpoint-every": { type: "string" },
  keep: { type: "string" },
  head: { type: "string" },
  quiet: { type: "boolean" },
} as const;

export const TRAIN_OPTIONS_HELP = `Model and budget:
  --objective mlm|clm     training objective (default mlm)
  --params N              target non-embedding size; the shape comes from shapeFor(N)
  --shape L,d,h[,ffn]     explicit shape (FFN 4d by default)
  --tokens D | --flops C  budget in tokens, or in FLOPs (D = C / 6N); the run stops exactly there
  --context T             tokens per row (default 1024)
  --head esm|linear       LM head: ESM-2's (default) or a tied linear one (GPT-NeoX's; a CLM needs it to export)
Training:
  --batch-tokens B        tokens per optimizer step (default 16384; gradient accumulation reaches it)
  --micro-rows R          rows per forward pass (default: 4096 tokens on CPU, 64k on CUDA)
  --lr PEAK               peak LR (default by size: 6e-4 small → 3e-4 at ≥1B)
  --warmup F              warm-up fraction of the steps (default 0.01)
  --weight-decay W        AdamW weight decay (default 0.01; β1 0.9, β2 0.95, clip 1.0)
  --device cpu|cuda       (cuda: bf16 autocast and fused attention)
  --threads N             CPU threads (default: libtorch's)
  --seed S                seed for init, data order and masking
  --eval-every K          validation every K steps (default 100) and at the end
  --eval-tokens E         validation tokens (default 65536)
  --checkpoint-every K    checkpoint every K steps (default 200); --keep K keeps the last K (default 2)
  --config FILE           a train config JSON (docs/CONTRACTS.md); flags override it
  --quiet                 no progress output`;

export const trainCommand = defineCommand({
  name: "train",
  summary: "train an MLM or CLM to a token/FLOP budget, or resume a run",
  help: `Usage: plmscale train --data CORPUS --out RUN [--objective mlm|clm] (--params N | --shape L,d,h) (--tokens D | --flops C) [options]
       plmscale train --resume RUN

Trains with AdamW, linear warm-up then cosine decay to 10% of the peak over the run's own budget, and writes
RUN/config.json, RUN/metrics.jsonl, RUN/checkpoints/ and, last, RUN/result.json (final validation loss in
nats/token, N, D, C). --data is a corpus directory from 'plmscale data prepare' or a FASTA file (.fasta[.gz]).
A killed run continues with --resume (same data stream and schedule, from the newest good checkpoint).

${TRAIN_OPTIONS_HELP}
  --resume RUN            continue RUN (other options are ignored; the run's config.json rules)
  --json                  print result.json on stdout

Example:
  plmscale train --objective clm --shape 4,128,8 --tokens 2M --context 256 --data corpus/ --out runs/clm-tiny --json`,
  options: { ...TRAIN_OPTIONS, resume: { type: "string" } },
  async run(args, io) {
    const { train } = await import("../../train/loop.js");
    const quiet = flag(args, "quiet");
    const resume = optStr(args, "resume");
    try {
      if (resume !== undefined) {
        if (!existsSync(resume)) throw new CliError(`--resume: no run directory at ${resume}`, 2);
        return await train(null, { out: resume, resume: true, signal: io.signal, log: io.err, quiet });
      }
      const out = optStr(args, "out");
      if (!out) throw new CliError("missing required option --out RUN (or --resume RUN)", 2);
      const f = trainFlags(args);
      const config = configFromFlags(f, f.config ? readConfigFile(f.config) : undefined);
      return await train(config, { out, signal: io.signal, log: io.err, quiet });
    } catch (e) {
      throw asCliError(e);
    }
  },
  human(r: RunResult, io) {
    io.out(`finished: ${r.objective} N=${r.N} D=${r.D} C=${r.C.toExponential(3)} — validation loss ${r.valLoss.toFixed(4)} nats/token`);
    io.out(`${r.steps} steps in ${r.wallSeconds.toFixed(1)} s (${Math.round(r.tokensPerSecond)} tokens/s)`);
  },
});

/** Expected failures (bad config, missing data, corrupt run, interruption) become a CliError; bugs keep their stack. */
export function asCliError(e: unknown): unknown {
  if (e instanceof CliError) return e;
  if (e instanceof ConfigError) return new CliError(e.message, 2);
  if (e instanceof Error && e.name === "TrainError") {
    const code = (e as Error & { code?: unknown }).code;
    return new CliError(e.message, typeof code === "number" ? code : 1);
  }
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string") return new CliError(e.message, 1);
  return e;
}

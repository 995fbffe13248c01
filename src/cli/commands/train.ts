// plmscale train: train an MLM or CLM on a corpus (or a FASTA file) to a token or FLOP budget, or resume a run.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { defineRun, optNum, optStr, flag, type ParsedArgs } from "../command.js";
import { asUserError, UserError } from "../../core/errors.js";
import { configFromFlags, readConfigFile, requireBudget, type TrainFlags } from "../../train/cli-config.js";
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

export default defineRun({
  async run(args, io) {
    const { train } = await import("../../train/loop.js");
    const quiet = flag(args, "quiet");
    const resume = optStr(args, "resume");
    try {
      if (resume !== undefined) {
        if (!existsSync(resume)) throw new UserError(`--resume: no run directory at ${resume}`, 2);
        if (!statSync(resume).isDirectory() || !existsSync(join(resume, "config.json"))) {
          throw new UserError(`--resume: ${resume} is not a run directory (no config.json); start a run with --out`, 2);
        }
        return await train(null, { out: resume, resume: true, signal: io.signal, log: io.err, quiet });
      }
      const out = optStr(args, "out");
      if (!out) throw new UserError("missing required option --out RUN (or --resume RUN)", 2);
      const f = trainFlags(args);
      const file = f.config ? readConfigFile(f.config) : undefined;
      const config = configFromFlags(f, file);
      requireBudget(f, file);
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

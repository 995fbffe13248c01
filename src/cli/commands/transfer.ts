// plmscale transfer: start an MLM from a CLM checkpoint (or the reverse) with a fresh optimizer and schedule.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineCommand, optStr, flag } from "../command.js";
import { UserError } from "../../core/errors.js";
import { configFromFlags, readConfigFile } from "../../train/cli-config.js";
import { parseTrainConfig } from "../../train/config.js";
import type { RunResult } from "../../train/rundir.js";
import { TRAIN_OPTIONS, trainFlags, asUserError } from "./train.js";

export const transferCommand = defineCommand({
  name: "transfer",
  summary: "initialise an MLM from a CLM checkpoint (or the reverse) and train it",
  usage: ["--from SOURCE_RUN --objective mlm|clm (--tokens D | --flops C) --out RUN [--data CORPUS] [options]"],
  description: `Copies every weight of the source run's newest good checkpoint one to one into a model of the same shape
(the causal mask is a property of the objective, not a weight), then trains with a fresh AdamW state and a
fresh schedule with 5% warm-up over the new budget. The run records the source checkpoint, its tokens and
FLOPs under "init" in config.json and result.json, so the scaling module can compute transferred tokens.
Shape, context and data default to the source run's; flags override them (the shape must match).`,
  options: {
    ...TRAIN_OPTIONS,
    from: { type: "string", value: "SOURCE_RUN", required: true, description: "the source run directory (or one of its checkpoint directories)" },
    out: { type: "string", value: "RUN", required: true, description: "the run directory to create" },
  },
  examples: ["plmscale transfer --from runs/clm-85M --objective mlm --tokens 10B --out runs/mlm-from-clm --json"],
  async run(args, io) {
    const from = optStr(args, "from");
    const out = optStr(args, "out");
    if (!from) throw new UserError("missing required option --from SOURCE_RUN", 2);
    if (!out) throw new UserError("missing required option --out RUN", 2);
    const runDir = existsSync(join(from, "config.json")) ? from : join(from, "..", "..");
    if (!existsSync(join(runDir, "config.json"))) throw new UserError(`--from: ${from} is not a run directory (no config.json)`, 2);
    try {
      const src = parseTrainConfig(readConfigFile(join(runDir, "config.json")));
      const f = trainFlags(args);
      const base = f.config ? readConfigFile(f.config) : {
        model: src.model, data: { ...src.data }, batchTokens: src.batchTokens, device: src.device, dtype: src.dtype,
        threads: src.threads, eval: src.eval, checkpoint: src.checkpoint, optimizer: src.optimizer,
      };
      const c = configFromFlags({ warmup: 0.05, ...stripUndefined(f) }, base);
      for (const k of ["layers", "dModel", "heads", "ffn", "vocab", "activation", "bias"] as const) {
        if (c.model[k] !== src.model[k]) throw new UserError(`model.${k} must match the source run (${src.model[k]}), got ${c.model[k]}`, 2);
      }
      c.init = { from, objective: src.objective };
      const { train } = await import("../../train/loop.js");
      return await train(c, { out, signal: io.signal, log: io.err, quiet: flag(args, "quiet") });
    } catch (e) {
      throw asUserError(e);
    }
  },
  human(r: RunResult, io) {
    io.out(`finished: ${r.objective} from ${r.init?.objective} checkpoint ${r.init?.checkpoint} — validation loss ${r.valLoss.toFixed(4)} nats/token`);
  },
});

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// plmscale transfer: start an MLM from a CLM checkpoint (or the reverse) with a fresh optimizer and schedule.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineRun, optStr, flag } from "../command.js";
import { asUserError, UserError } from "../../core/errors.js";
import { configFromFlags, readConfigFile, requireBudget } from "../../train/cli-config.js";
import { defaultConfig, parseTrainConfig } from "../../train/config.js";
import type { RunResult } from "../../train/rundir.js";
import { trainFlags } from "./train.js";
import { trainProgress } from "../progress.js";

export default defineRun({
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
      // the source's LM head when the objective stays; otherwise the new objective's default (or --head):
      // heads are objective-specific, the blocks and embedding are what transfers
      const { head: srcHead, ...srcBody } = src.model;
      const sameObjective = (f.objective ?? defaultConfig().objective) === src.objective;
      const base = f.config ? readConfigFile(f.config) : {
        model: sameObjective ? { ...srcBody, head: srcHead ?? "esm" } : srcBody, data: { ...src.data }, batchTokens: src.batchTokens, device: src.device, dtype: src.dtype,
        threads: src.threads, eval: src.eval, checkpoint: src.checkpoint, optimizer: src.optimizer,
      };
      const c = configFromFlags({ warmup: 0.05, ...stripUndefined(f) }, base);
      requireBudget(f, base);
      if ((c.model.family ?? "esm2") !== (src.model.family ?? "esm2")) throw new UserError(`model.family must match the source run (${src.model.family ?? "esm2"}), got ${c.model.family ?? "esm2"}`, 2);
      for (const k of ["layers", "dModel", "heads", "ffn", "vocab", "activation", "bias"] as const) {
        if (c.model[k] !== src.model[k]) throw new UserError(`model.${k} must match the source run (${src.model[k]}), got ${c.model[k]}`, 2);
      }
      c.init = { from, objective: src.objective };
      const { train } = await import("../../train/loop.js");
      return await train(c, { out, signal: io.signal, log: io.err, quiet: flag(args, "quiet"), progress: trainProgress(io.err) });
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

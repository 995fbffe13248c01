// Memory before allocation: the bytes a training run needs (weights, gradients, AdamW state, activations:
// scaling/memory.ts, as `plan` estimates them) against the memory this process may use (its cgroup's limit,
// else physical memory), checked before the model is built. A model that cannot fit is refused with the
// figures instead of allocating until the machine runs out.
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { UserError } from "../core/errors.js";
import { memoryPlan } from "../scaling/memory.js";
import type { TrainConfig } from "./config.js";

export interface MemoryLimit {
  bytes: number;
  /** where the figure comes from, for the message */
  source: string;
}

/** The memory this process may use: the cgroup v2 (or v1) limit when one is set, else physical memory. */
export function processMemoryLimit(): MemoryLimit {
  const phys: MemoryLimit = { bytes: totalmem(), source: "physical memory" };
  for (const [file, source] of [["/sys/fs/cgroup/memory.max", "cgroup limit /sys/fs/cgroup/memory.max"], ["/sys/fs/cgroup/memory/memory.limit_in_bytes", "cgroup limit memory.limit_in_bytes"]] as const) {
    try {
      const v = Number(readFileSync(file, "utf8").trim());
      if (Number.isFinite(v) && v > 0 && v < phys.bytes) return { bytes: v, source };
    } catch {
      // no such cgroup file, or "max": no limit from here
    }
  }
  return phys;
}

const GB = (b: number) => `${(b / 1e9).toFixed(b < 1e10 ? 2 : 0)} GB`;

/** Refuse a CPU run whose estimated memory exceeds `limit` (a CUDA run is bounded by the device, not checked here). */
export function checkTrainMemory(config: TrainConfig, limit: MemoryLimit = processMemoryLimit()): void {
  if (config.device !== "cpu") return;
  const m = config.model;
  const rows = config.microBatchRows > 0 ? config.microBatchRows : 1; // the least a step can use: never a false refusal
  const plan = memoryPlan({ shape: m, context: m.context, microRows: rows, devices: 1, deviceBytes: limit.bytes, precision: "fp32", headroom: 0 });
  const o = plan.options.find((x) => x.strategy === "ddp" && !x.checkpointActivations)!;
  if (o.total <= limit.bytes) return;
  throw new UserError(
    `--shape ${m.layers},${m.dModel},${m.heads}: ${plan.params.toExponential(2)} parameters need about ${GB(o.total)} ` +
      `(weights ${GB(o.weights)}, gradients ${GB(o.grads)}, AdamW state ${GB(o.optimizer)}, activations ${GB(o.activations)} for ${rows} row(s) of ${m.context} tokens) ` +
      `but this process may use ${GB(limit.bytes)} (${limit.source}); choose a smaller --shape (plmscale plan estimates it)`,
  );
}

/** More optimizer steps than any run could take (ESM-2 took 5·10^5): a budget such as --tokens 1e30 is a typo. */
export const MAX_STEPS = 1e9;

/** Refuse a token budget (given, or derived from --flops) that needs more than MAX_STEPS optimizer steps. */
export function checkTrainBudget(config: TrainConfig): void {
  const steps = config.tokens / config.batchTokens;
  if (!(steps <= MAX_STEPS)) {
    throw new UserError(
      `the budget of ${config.tokens.toExponential(2)} tokens is ${steps.toExponential(2)} optimizer steps of ${config.batchTokens} tokens, ` +
        `more than ${MAX_STEPS.toExponential(0)} (ESM-2 took 5e5): check --tokens / --flops (plmscale plan gives a compute-optimal budget)`,
      2,
    );
  }
}

// The training config the planner emits (`plmscale plan --emit FILE`), exactly the shape of docs/CONTRACTS.md
// "Train config": every key the contract lists except the optional `microBatchRows` and `init`.
import type { Plan } from "./planner.js";

export interface EmitOptions {
  corpus?: string;
  device?: "cpu" | "cuda";
  dtype?: "float32" | "bfloat16";
  seed?: number;
  threads?: number;
}

export function trainConfigFor(plan: Plan, o: EmitOptions = {}) {
  const steps = plan.training.steps;
  const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(x)));
  return {
    objective: plan.objective,
    model: {
      layers: plan.shape.layers, dModel: plan.shape.dModel, heads: plan.shape.heads, ffn: plan.shape.ffn,
      vocab: 33, context: plan.training.context, activation: "gelu" as const, bias: true, dropout: 0,
    },
    tokens: Math.round(plan.D),
    batchTokens: plan.training.batchTokens,
    lr: { peak: plan.training.peakLr, warmupFraction: 0.01, minRatio: 0.1 },
    optimizer: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01, clip: 1.0 },
    data: { corpus: o.corpus ?? "corpus", seed: o.seed ?? 0, maskProb: 0.15 },
    // about 50 evaluations and 20 checkpoints over the run
    eval: { everySteps: clamp(steps / 50, 1, 2000), tokens: plan.N >= 1e9 ? 1 << 20 : 65536 },
    checkpoint: { everySteps: clamp(steps / 20, 1, 10000), keep: 2 },
    device: o.device ?? "cuda",
    dtype: o.dtype ?? "bfloat16",
    threads: o.threads ?? 2,
    seed: o.seed ?? 0,
  };
}

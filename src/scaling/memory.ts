// Per-device training memory of a transformer under data parallelism (DDP), ZeRO-1 (optimizer state sharded)
// and full sharding (ZeRO-3 / FSDP: parameters, gradients and optimizer state sharded), with and without
// activation checkpointing, and the cheapest strategy that fits a device. Pure arithmetic.
//
// Model states (Rajbhandari et al. 2020, "ZeRO", §3.1): with Ψ parameters, mixed precision keeps bf16
// parameters (2Ψ) and gradients (2Ψ) plus an fp32 master copy and the two AdamW moments (12Ψ) = 16Ψ bytes;
// fp32 training keeps 4Ψ + 4Ψ + 8Ψ = 16Ψ too but with fp32 weights and gradients replicated. Sharding divides:
//   DDP:    W + G + O            ZeRO-1: W + G + O/K            full: (W + G + O)/K + gathered units
// Full sharding as plmscale builds it (src/train/fsdp.ts) always recomputes blocks in backward (the gather for
// backward is the recomputation: activation checkpointing is part of it); counted here: one block's parameters
// and gradients whole at a time (the trainer's prefetch holds a second block and one gradient in flight, not
// yet counted), plus the root unit (embedding,
// final norm, head), which stays gathered with its gradients through the micro-batch.
// Activations (Korthikanti et al. 2022, "Reducing Activation Recomputation", eq. 2 with fused attention, which
// keeps no s×s scores): ≈ 34·s·b·h bytes per layer for micro-batch b rows of s tokens and width h (bf16);
// ×2 in fp32. With per-block checkpointing only each block's input (2·s·b·h bytes bf16) is kept, plus one
// block's full activations during its recomputation. Logits (b·s·V) are small for a protein vocabulary (33).
// Communication per step, in units of Ψ elements (ring collectives): DDP all-reduce 2Ψ; ZeRO-1 reduce-scatter
// + all-gather 2Ψ; full sharding 3Ψ (gather for forward, again for backward, reduce-scatter) — the order of
// preference when several fit.
import { ESM_VOCAB, paramsPerLayer, totalParams, type ModelShape } from "./shape.js";
import { stateBytesPerParam } from "./precision.js";

export type Strategy = "ddp" | "zero1" | "full";
export const STRATEGIES: readonly Strategy[] = ["ddp", "zero1", "full"];
export type Precision = "mixed" | "fp32";

export interface MemoryInput {
  shape: ModelShape;
  /** tokens per row */
  context: number;
  /** rows per forward pass on one device */
  microRows: number;
  devices: number;
  /** bytes of one device */
  deviceBytes: number;
  precision?: Precision;
  /** fraction of the device kept free for the allocator, CUDA context, fragmentation (default 0.1) */
  headroom?: number;
}

export interface StrategyMemory {
  strategy: Strategy;
  checkpointActivations: boolean;
  /** bytes per device */
  weights: number;
  grads: number;
  optimizer: number;
  activations: number;
  /** full sharding: one block's and the root unit's gathered parameters and gradients */
  workspace: number;
  total: number;
  fits: boolean;
  /** parameter elements moved per device per step (ring), relative to Ψ */
  commPsi: number;
}

export interface MemoryPlan {
  params: number;
  devices: number;
  deviceBytes: number;
  usableBytes: number;
  precision: Precision;
  options: StrategyMemory[];
  /** the fastest to solution among those that fit (recompute ~1/3 more compute), then the least communication */
  chosen: StrategyMemory | null;
}

const COMM: Record<Strategy, number> = { ddp: 2, zero1: 2, full: 3 };

/** Recomputing each block in backward (activation checkpointing) costs about one more forward: ~1/3 more compute. */
export const RECOMPUTE_FACTOR = 4 / 3;

/** Compute of an option relative to no recomputation: what multiplies the time to solution. */
export function computeFactor(o: Pick<StrategyMemory, "checkpointActivations">): number {
  return o.checkpointActivations ? RECOMPUTE_FACTOR : 1;
}

/** Time to solution first (recompute included), then least communication, then the simpler strategy. */
function fasterFirst(a: StrategyMemory, b: StrategyMemory): number {
  return computeFactor(a) - computeFactor(b) || a.commPsi - b.commPsi || STRATEGIES.indexOf(a.strategy) - STRATEGIES.indexOf(b.strategy);
}

export function memoryPlan(i: MemoryInput): MemoryPlan {
  if (!(i.devices >= 1) || !Number.isInteger(i.devices)) throw new RangeError(`devices must be a positive integer, got ${i.devices}`);
  if (!(i.deviceBytes > 0)) throw new RangeError(`device memory must be positive, got ${i.deviceBytes}`);
  if (!(i.microRows >= 1)) throw new RangeError(`micro-batch rows must be >= 1, got ${i.microRows}`);
  const precision = i.precision ?? "mixed";
  const headroom = i.headroom ?? 0.1;
  const P = totalParams(i.shape);
  const K = i.devices;
  // bytes per parameter of the working weights, of gradients, of fp32 master (mixed only) + m + v: the
  // trainer's rule (mixed = train --precision bf16-params)
  const rule = stateBytesPerParam(precision === "mixed" ? "bf16-params" : "fp32");
  const wB = rule.weights, oB = rule.optimizer;
  const actB = precision === "mixed" ? 1 : 2; // Korthikanti's 34·s·b·h is for 16-bit activations
  const s = i.context, b = i.microRows, h = i.shape.dModel, L = i.shape.layers;
  const perLayerFull = 34 * s * b * h * actB;
  const perLayerInput = 2 * s * b * h * actB;
  const logits = s * b * ESM_VOCAB * 4 * 2;
  const activations = (ckpt: boolean) => (ckpt ? L * perLayerInput + perLayerFull : L * perLayerFull) + logits;
  const perBlock = paramsPerLayer(h, i.shape.ffn, i.shape);
  const root = P - L * perBlock; // embedding, final norm, head
  const usable = i.deviceBytes * (1 - headroom);
  const options: StrategyMemory[] = [];
  for (const strategy of STRATEGIES) {
    for (const ckpt of strategy === "full" ? [true] : [false, true]) {
      const weights = strategy === "full" ? (wB * P) / K : wB * P;
      const grads = strategy === "full" ? (rule.grads * P) / K : rule.grads * P;
      const optimizer = strategy === "ddp" ? oB * P : (oB * P) / K;
      const workspace = strategy === "full" ? 2 * wB * (perBlock + root) : 0;
      const act = activations(ckpt);
      const total = weights + grads + optimizer + workspace + act;
      options.push({ strategy, checkpointActivations: ckpt, weights, grads, optimizer, activations: act, workspace, total, fits: total <= usable, commPsi: COMM[strategy] });
    }
  }
  const chosen = options.filter((o) => o.fits).sort(fasterFirst)[0] ?? null;
  return { params: P, devices: K, deviceBytes: i.deviceBytes, usableBytes: usable, precision, options, chosen };
}

export interface DevicePlan extends MemoryPlan {
  /** rows per forward pass of the chosen option (the largest power of two ≤ maxMicroRows that fits) */
  microRows: number;
}

/**
 * The cheapest strategy that fits, each at the largest micro-batch (a power of two ≤ maxMicroRows) with
 * which it fits: gradient accumulation reaches the same global batch with any micro-batch, while the
 * strategy sets the communication. Null chosen when nothing fits even at one row with checkpointing.
 */
export function planDevices(i: Omit<MemoryInput, "microRows">, maxMicroRows: number): DevicePlan {
  let best: DevicePlan | null = null;
  for (let rows = 2 ** Math.floor(Math.log2(Math.max(1, maxMicroRows))); rows >= 1; rows /= 2) {
    const p = memoryPlan({ ...i, microRows: rows });
    if (!p.chosen) continue;
    if (!best || fasterFirst(p.chosen, best.chosen!) < 0) best = { ...p, microRows: rows };
  }
  return best ?? { ...memoryPlan({ ...i, microRows: 1 }), microRows: 1 };
}

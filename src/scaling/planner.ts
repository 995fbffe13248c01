// The compute planner: a budget (FLOPs, GPU-hours, or a published model's) → N_opt, D_opt, expected loss,
// a concrete shape, FLOPs per token, time on GPUs, data epochs, and the ×10-compute growth factors.
import { dataLimits, type DataLimits } from "./data-limits.js";
import { batchAndContextFor, peakLrFor } from "./lr.js";
import { growthFactors, optimalAllocation, type Preset } from "./presets.js";
import type { Objective } from "../core/objective.js";
import { defaultHeadFor, flopsPerToken, nonEmbeddingParams, shapeFor, totalParams, type ModelShape } from "./shape.js";
import type { FamilyName } from "./families.js";
import { flopsToGpuHours, flopsToPfDays, GPUS } from "./units.js";
import { trainingFlops } from "./compute.js";

export interface PlanInput {
  objective: Objective;
  /** compute budget in FLOPs (C = 6·N·D) */
  C: number;
  preset: Preset;
  context?: number;
  /** for time estimates */
  gpu?: string;
  mfu?: number;
  gpus?: number;
  /** unique tokens of the user's corpus, for data limits */
  uniqueTokens?: number;
  /** model family (default esm2): the shape's FFN rule and block, counted in N */
  family?: FamilyName;
}

export interface Plan {
  objective: Objective;
  C: number;
  pfDays: number;
  preset: { name: string; source: string };
  /** the law's optimum */
  N: number;
  D: number;
  /** expected final validation loss (nats/token) when the law has a loss term */
  L?: number;
  tokensPerParam: number;
  /** 6·N_opt·D_opt / C: the released fits are separate power laws, so this is not exactly 1 */
  computeConsistency: number;
  shape: ModelShape & { N: number; Ntotal: number; relError: number };
  flopsPerToken: { sixN: number; withAttention: number };
  /** training FLOPs of the concrete shape over D tokens with the fuller count */
  fullerC: number;
  growthPer10x: { N: number; D: number };
  training: { peakLr: number; batchTokens: number; steps: number; context: number };
  time?: { gpu: string; gpuLabel: string; mfu: number; gpus: number; gpuHours: number; gpuDays: number; wallDays: number };
  data?: DataLimits;
  /** set when the law's N·D would cost more than the budget (attention FLOPs and recompute included): D was cut */
  budgetSplit?: { lawD: number; lawGpuHours: number; computeFactor: number; note: string };
  warnings: string[];
}

/**
 * A plan that costs at most its budget C: the law's N (the model) is kept and its D cut so that the fuller
 * FLOPs count (attention included) times `computeFactor` (recompute of activation checkpointing) fits in C.
 */
export function fitPlanToBudget(plan: Plan, C: number, computeFactor = 1, gpu?: string, mfu?: number): Plan {
  const cost = (D: number) => plan.flopsPerToken.withAttention * D * computeFactor;
  if (cost(plan.D) <= C * (1 + 1e-9)) return plan;
  const D = C / (plan.flopsPerToken.withAttention * computeFactor);
  const out: Plan = { ...plan, D, tokensPerParam: D / plan.N, fullerC: plan.flopsPerToken.withAttention * D, training: { ...plan.training, steps: Math.ceil(D / plan.training.batchTokens) } };
  const lawHours = gpu ? flopsToGpuHours(cost(plan.D), gpu, mfu ?? 0.4) : 0;
  if (plan.time && gpu) {
    const gpuHours = flopsToGpuHours(cost(D), gpu, plan.time.mfu);
    out.time = { ...plan.time, gpuHours, gpuDays: gpuHours / 24, wallDays: gpuHours / 24 / plan.time.gpus };
  }
  const what = gpu ? `${lawHours.toFixed(0)} GPU-hours` : `${cost(plan.D).toExponential(2)} FLOPs`;
  out.budgetSplit = {
    lawD: plan.D, lawGpuHours: lawHours, computeFactor,
    note: `the law's N·D (N ${plan.N.toExponential(2)}, D ${plan.D.toExponential(2)}) would cost ${what} with attention FLOPs${computeFactor > 1 ? " and recompute" : ""} counted: the model is kept and trained on D = ${D.toExponential(2)} tokens to stay within the budget`,
  };
  return out;
}

export function planModel(input: PlanInput): Plan {
  const { C, preset } = input;
  if (!(C > 0) || !Number.isFinite(C)) throw new RangeError(`compute budget must be positive FLOPs, got ${C}`);
  if (preset.objective !== input.objective) {
    throw new Error(`preset ${preset.name} is for ${preset.objective.toUpperCase()}, not ${input.objective.toUpperCase()}`);
  }
  if (input.context !== undefined && (!Number.isInteger(input.context) || input.context < 2)) throw new RangeError(`context must be a whole number of tokens ≥ 2, got ${input.context}`);
  if (input.gpus !== undefined && !(Number.isInteger(input.gpus) && input.gpus >= 1)) throw new RangeError(`gpus must be a whole number ≥ 1, got ${input.gpus}`);
  const opt = optimalAllocation(preset.law, C);
  const warnings: string[] = [];
  checkRange(preset, C, opt.N, warnings);
  const head = defaultHeadFor(input.objective); // the head trainConfigFor gives the run
  const shape = shapeFor(opt.N, { head, family: input.family });
  const Ns = nonEmbeddingParams(shape, head);
  // batch and context by the one rule (scaling/lr.ts); an explicit context is kept
  const { batchTokens, context } = batchAndContextFor(Ns, opt.D, shape.dModel, input.context);
  const fpt = flopsPerToken(shape, context, undefined, head);
  const relError = Ns / opt.N - 1;
  if (Math.abs(relError) > 0.05) warnings.push(`the nearest shape has N=${Ns.toExponential(3)}, ${(relError * 100).toFixed(1)}% from N_opt`);
  const plan: Plan = {
    objective: input.objective,
    C,
    pfDays: flopsToPfDays(C),
    preset: { name: preset.name, source: preset.source },
    N: opt.N,
    D: opt.D,
    ...(opt.L !== undefined ? { L: opt.L } : {}),
    tokensPerParam: opt.D / opt.N,
    computeConsistency: trainingFlops(opt.N, opt.D) / C,
    shape: { ...shape, N: Ns, Ntotal: totalParams(shape, undefined, head), relError },
    flopsPerToken: fpt,
    fullerC: fpt.withAttention * opt.D,
    growthPer10x: growthFactors(preset.law, 10),
    training: { peakLr: peakLrFor(Ns), batchTokens, steps: Math.ceil(opt.D / batchTokens), context },
    warnings,
  };
  if (input.gpu) {
    const mfu = input.mfu ?? 0.4;
    const gpus = input.gpus ?? 1;
    const gpuHours = flopsToGpuHours(plan.fullerC, input.gpu, mfu); // before recompute; plan.ts fits it to the budget
    plan.time = {
      gpu: input.gpu.toLowerCase(), gpuLabel: GPUS[input.gpu.toLowerCase()]!.label, mfu, gpus,
      gpuHours, gpuDays: gpuHours / 24, wallDays: gpuHours / 24 / gpus,
    };
  }
  if (input.uniqueTokens !== undefined) {
    plan.data = dataLimits(opt.D, input.uniqueTokens, input.objective);
    warnings.push(...plan.data.warnings);
  }
  return plan;
}

/** How far beyond the fitted model sizes a plan may reach (a factor in N) before it is refused, not warned. */
export const EXTRAPOLATION_LIMIT = 100;
/** Without a recorded fitted range: no model shape exists below ~1e4 parameters; above 1e13 nothing is plausible. */
const ABSOLUTE_N: [number, number] = [1e4, 1e13];

/** Warn when N_opt lies outside the sizes the law was fitted on; refuse beyond EXTRAPOLATION_LIMIT×, stating the range. */
function checkRange(preset: Preset, C: number, N: number, warnings: string[]): void {
  const fmt = (x: number) => x.toPrecision(2);
  // compute at which the law puts N_opt at n: N = kN·C^a  ⇒  C = (n/kN)^(1/a)
  const cFor = (n: number) => (n / preset.law.kN) ** (1 / preset.law.a);
  const fitted = preset.fittedN;
  const [lo, hi] = fitted ? [fitted[0] / EXTRAPOLATION_LIMIT, fitted[1] * EXTRAPOLATION_LIMIT] : ABSOLUTE_N;
  if (!(N >= lo && N <= hi)) {
    const [cLo, cHi] = [cFor(lo), cFor(hi)].sort((x, y) => x - y) as [number, number];
    const basis = fitted
      ? `the law ${preset.name} was fitted on models of ${fmt(fitted[0])}–${fmt(fitted[1])} parameters; plans reach ${EXTRAPOLATION_LIMIT}× beyond that at most`
      : `the law ${preset.name} records no fitted range; plans need ${fmt(lo)}–${fmt(hi)} parameters`;
    throw new RangeError(`C = ${fmt(C)} FLOPs gives N_opt = ${fmt(N)} parameters, too far outside the law's range to extrapolate: ${basis} (N ${fmt(lo)}–${fmt(hi)}, i.e. C ≈ ${fmt(cLo)}–${fmt(cHi)} FLOPs)`);
  }
  if (fitted && N < fitted[0]) warnings.push(`N_opt is below the smallest model the law was fitted on (${fmt(fitted[0])}); this is an extrapolation`);
  if (fitted && N > fitted[1]) warnings.push(`N_opt is above the largest model the law was fitted on (${fmt(fitted[1])}); this is an extrapolation`);
}

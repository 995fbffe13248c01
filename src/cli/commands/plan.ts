// plmscale plan: which protein LM to train for a compute budget (and data), with a train config to emit.
import { predictionOf } from "../../scaling/prediction.js";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { asUserError } from "../../core/errors.js";
import { readJson, writeFileAtomic } from "../../core/files.js";
import { trainSplitTokens } from "../../data/manifest.js";
import { defineRun, flag, optInt, optNum, optStr, type ParsedArgs } from "../command.js";
import { UserError } from "../../core/errors.js";
import { budgetFlops, namedBudget, NAMED_BUDGETS } from "../../scaling/budgets.js";
import type { ParametricLaw } from "../../scaling/parametric.js";
import { planModel, fitPlanToBudget, type Plan } from "../../scaling/planner.js";
import { optimalAllocation, type Preset } from "../../scaling/presets.js";
import { readPreset } from "../../sweep/preset-source.js";
import { familyOpt } from "./family-opt.js";
import type { Objective } from "../../core/objective.js";
import { parallelFromMemoryPlan, plannedRunOf, trainConfigFor } from "../../train/config-for.js";
import type { ParallelConfig } from "../../train/config.js";
import { CLM_FRACTION_GUIDANCE, planJoint, type JointPlan, type TransferLaw } from "../../scaling/transfer.js";
import { GPUS, gpuHoursToFlops, pfDaysToFlops } from "../../scaling/units.js";
import { planDevices, computeFactor, type DevicePlan, type Precision } from "../../scaling/memory.js";

export interface PlanResult extends Plan {
  /** with --gpu: memory per device under DDP, ZeRO-1 and full sharding, and the strategy chosen */
  memory?: DevicePlan;
  budget: { from: "flops" | "pf-days" | "gpu-hours" | "like"; like?: { name: string; N: number; D: number; source: string; approximate?: string } };
  joint?: JointPlan;
  emitted?: string;
  /** the parallel section written into the emitted config (with --gpu, when a strategy fits) */
  emittedParallel?: ParallelConfig;
}

function loadPreset(spec: string | undefined, objective: Objective): Preset {
  try { return readPreset(spec, objective); }
  catch (e) { throw new UserError((e as Error).message, spec !== undefined && existsSync(spec) ? 1 : 2); }
}

function corpusTokens(path: string): number {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "manifest.json") : path;
  if (!existsSync(file)) throw new UserError(`--corpus: no manifest at ${file}`, 1);
  let m: Record<string, unknown>;
  try { m = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>; }
  catch (e) { throw new UserError(`--corpus: ${file} is not JSON (${(e as Error).message})`, 1); }
  const t = trainSplitTokens(m);
  if (t === null || t <= 0) throw new UserError(`--corpus: found no token count in ${file}; pass --unique-tokens`, 1);
  return t;
}

function resolveBudget(args: ParsedArgs, objectiveArg: string | undefined) {
  const given = ["flops", "pf-days", "gpu-hours", "like"].filter((k) => optStr(args, k) !== undefined);
  if (given.length !== 1) throw new UserError("give exactly one budget: --flops, --pf-days, --gpu-hours or --like", 2);
  const from = given[0] as PlanResult["budget"]["from"];
  if (from !== "like" && optStr(args, "tokens") !== undefined) throw new UserError("--tokens goes with --like", 2);
  let objective = objectiveArg;
  let C: number;
  let like: PlanResult["budget"]["like"];
  if (from === "flops") C = optNum(args, "flops")!;
  else if (from === "pf-days") C = pfDaysToFlops(optNum(args, "pf-days")!);
  else if (from === "gpu-hours") {
    const gpu = optStr(args, "gpu");
    if (!gpu) throw new UserError("--gpu-hours needs --gpu", 2);
    try { C = gpuHoursToFlops(optNum(args, "gpu-hours")!, gpu, optNum(args, "mfu") ?? 0.4); }
    catch (e) { throw new UserError((e as Error).message, 2); }
  } else {
    let b;
    try { b = namedBudget(optStr(args, "like")!); } catch (e) { throw new UserError((e as Error).message, 2); }
    let r;
    try { r = budgetFlops(b, optNum(args, "tokens")); } catch (e) { throw new UserError((e as Error).message, 2); }
    C = r.C;
    objective ??= b.objective;
    like = { name: b.name, N: b.N, D: r.D, source: b.source, ...(b.approximate && optNum(args, "tokens") === undefined ? { approximate: b.approximate } : {}) };
  }
  if (!(C > 0)) throw new UserError("the compute budget must be positive", 2);
  if (objective === undefined) throw new UserError("missing --objective clm|mlm", 2);
  if (objective !== "clm" && objective !== "mlm") throw new UserError(`--objective must be clm or mlm, got '${objective}'`, 2);
  return { C, objective: objective as Objective, budget: { from, ...(like ? { like } : {}) } };
}

/**
 * Why a plan's loss prediction has no interval. The released fits publish point laws only; a saved or sweep law
 * carries marginal intervals of kL and γ, which do not make an interval of kL·C^γ (that needs their joint draws:
 * `sweep fit --holdout` computes one for a budget of the sweep).
 */
function predictionNote(preset: string): string {
  return preset.startsWith("released-") || preset.startsWith("paper-")
    ? "the released fit publishes no interval, and it was fitted on the paper's corpus (UniMeta200B): its loss level need not carry over to another corpus"
    : "the law's file holds no joint draws of kL and γ, so no interval of its loss is claimed";
}

export default defineRun<PlanResult>({
  async run(args) {
    const { C, objective, budget } = resolveBudget(args, optStr(args, "objective"));
    const preset = loadPreset(optStr(args, "preset"), objective);
    const gpu = optStr(args, "gpu");
    if (gpu && !GPUS[gpu.toLowerCase()]) throw new UserError(`unknown GPU '${gpu}' (known: ${Object.keys(GPUS).join(", ")})`, 2);
    const mfu = optNum(args, "mfu");
    const context = optInt(args, "context", 2) ?? 1024;
    const gpus = optInt(args, "gpus", 1) ?? 1;
    const corpus = optStr(args, "corpus");
    const uniqueArg = optNum(args, "unique-tokens");
    const uniqueTokens = uniqueArg ?? (corpus ? corpusTokens(corpus) : undefined);
    const family = familyOpt(args); // a usage error (exit 2), outside the planner's try
    let plan: Plan;
    try {
      plan = planModel({
        objective, C, preset, context, family,
        ...(gpu ? { gpu } : {}), ...(mfu !== undefined ? { mfu } : {}), gpus,
        ...(uniqueTokens !== undefined ? { uniqueTokens } : {}),
      });
    } catch (e) { throw new UserError((e as Error).message, 1); }
    const result: PlanResult = { ...plan, budget };
    if (gpu) {
      const precision = (optStr(args, "precision") ?? "mixed") as Precision;
      // the trainer's CUDA micro-batch default is 65 536 tokens: the search starts there and halves
      result.memory = planDevices({ shape: plan.shape, context: plan.training.context, devices: gpus, deviceBytes: GPUS[gpu.toLowerCase()]!.memoryGB * 1e9, precision }, Math.max(1, Math.floor(65536 / plan.training.context)));
      // the budget is the cap: the chosen strategy's recompute included (`plan` asked for H GPU-hours costs ≤ H)
      Object.assign(result, fitPlanToBudget(plan, C, result.memory.chosen ? computeFactor(result.memory.chosen) : 1, gpu, mfu));
      plan = result;
      if (result.budgetSplit) result.warnings.push(result.budgetSplit.note);
      if (!result.memory.chosen) result.warnings.push(`no strategy fits ${plan.shape.Ntotal.toExponential(2)} parameters on ${gpus} × ${GPUS[gpu.toLowerCase()]!.memoryGB} GB, even fully sharded with activation checkpointing at one row`);
    }
    if (budget.like?.approximate) result.warnings.push(`approximate budget: ${budget.like.approximate}`);
    if (flag(args, "joint") || optStr(args, "clm-fraction") !== undefined) {
      if (objective !== "mlm") throw new UserError("--joint plans CLM pre-training before an MLM: use --objective mlm", 2);
      let transferLaw: TransferLaw | undefined;
      let mlmLaw: ParametricLaw | undefined;
      const tl = optStr(args, "transfer-law");
      if (tl) {
        let j: { fit?: TransferLaw; law?: ParametricLaw };
        try { j = readJson(tl, "--transfer-law file"); } catch (e) { throw new UserError((e as Error).message, 1); }
        if (!j.fit) throw new UserError(`--transfer-law ${tl}: no fitted law in it (needs 'fit' from plmscale fit --method transfer --json)`, 1);
        transferLaw = j.fit;
        mlmLaw = j.law;
      }
      try {
        result.joint = planJoint(C, plan.N, optNum(args, "clm-fraction") ?? CLM_FRACTION_GUIDANCE.default, { ...(transferLaw ? { transferLaw } : {}), ...(mlmLaw ? { mlmLaw } : {}) });
      } catch (e) { throw new UserError((e as Error).message, 2); }
    }
    const emit = optStr(args, "emit");
    if (emit) {
      // both declared as enums: parseCommandArgs refused anything else
      const device = (optStr(args, "device") ?? "cuda") as "cpu" | "cuda";
      const dtype = (optStr(args, "dtype") ?? (device === "cpu" ? "float32" : "bfloat16")) as "float32" | "bfloat16";
      // with --gpu: the strategy the memory plan chose (ranks, shard mode, activation checkpointing, micro-batch)
      const par = result.memory ? parallelFromMemoryPlan(result.memory) : null;
      const prediction = predictionOf(plan, null, predictionNote(plan.preset.name));
      const cfg = { ...trainConfigFor(plannedRunOf(plan, { device, dtype, ...(corpus && statSync(corpus).isDirectory() ? { corpus } : {}) })), ...(par ?? {}), ...(prediction ? { prediction } : {}) };
      if (existsSync(emit) && statSync(emit).isDirectory()) throw new UserError(`--emit ${emit}: is a directory; give a file name such as ${join(emit, "train.json")}`, 2);
      if (!existsSync(dirname(emit) || ".")) throw new UserError(`--emit ${emit}: the directory ${dirname(emit)} does not exist`, 1);
      try { writeFileAtomic(emit, JSON.stringify(cfg, null, 2) + "\n"); } catch (e) { throw asUserError(e, `--emit ${emit}`); }
      result.emitted = emit;
      if (par) result.emittedParallel = par.parallel;
    }
    return result;
  },
  human(r, io) {
    const e = (x: number, p = 3) => x.toExponential(p);
    const big = (x: number) => (x >= 1e12 ? `${(x / 1e12).toFixed(2)}T` : x >= 1e9 ? `${(x / 1e9).toFixed(2)}B` : x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : `${(x / 1e3).toFixed(1)}k`);
    const like = r.budget.like ? ` — the budget of ${r.budget.like.name} (${big(r.budget.like.N)} params × ${big(r.budget.like.D)} tokens)` : "";
    io.out(`${r.objective.toUpperCase()} plan for C = ${e(r.C)} FLOPs (${r.pfDays.toPrecision(3)} PF-days)${like}`);
    io.out(`  law: ${r.preset.name} — ${r.preset.source}`);
    const dLabel = r.budgetSplit ? `D = ${big(r.D)} tokens within the budget (the law's D_opt ${big(r.budgetSplit.lawD)})` : `D_opt = ${big(r.D)} tokens`;
    io.out(`  N_opt = ${big(r.N)} non-embedding parameters   ${dLabel}   (${r.tokensPerParam.toFixed(1)} tokens/param)`);
    if (r.L !== undefined) io.out(`  expected loss ≈ ${r.L.toFixed(3)} nats/token`);
    if (Math.abs(r.computeConsistency - 1) > 0.02) io.out(`  note: 6·N_opt·D_opt = ${r.computeConsistency.toFixed(2)}×C (the law's N and D are separate power-law fits)`);
    const s = r.shape;
    io.out(`  shape: ${s.layers} layers × d=${s.dModel}, ${s.heads} heads, FFN ${s.ffn}${s.family && s.family !== "esm2" ? ` (${s.family}: ${s.activation}, ${s.bias ? "biases" : "no biases"})` : ""} → N = ${s.N.toLocaleString("en-US")} (${(s.relError * 100).toFixed(1)}% from N_opt), ${s.Ntotal.toLocaleString("en-US")} with embeddings`);
    io.out(`  FLOPs/token: 6N = ${e(r.flopsPerToken.sixN)}, with attention (context ${r.training.context}) = ${e(r.flopsPerToken.withAttention)}; run total ${e(r.fullerC)}`);
    io.out(`  ×10 compute → N ×${r.growthPer10x.N.toFixed(2)}, D ×${r.growthPer10x.D.toFixed(2)}`);
    io.out(`  training: peak LR ${r.training.peakLr.toExponential(2)}, ${r.training.batchTokens.toLocaleString("en-US")} tokens/step, ${r.training.steps.toLocaleString("en-US")} steps`);
    if (r.time) io.out(`  time: ${r.time.gpuHours.toFixed(0)} GPU-hours = ${r.time.gpuDays.toFixed(1)} GPU-days on ${r.time.gpuLabel} at ${(r.time.mfu * 100).toFixed(0)}% MFU; ${r.time.wallDays.toFixed(1)} days on ${r.time.gpus} GPU(s)`);
    if (r.memory) {
      const m = r.memory, gb = (x: number) => `${(x / 1e9).toFixed(1)} GB`;
      const name = { ddp: "DDP", zero1: "ZeRO-1", full: "full sharding" } as const;
      io.out(`  memory per device (${m.precision} precision, ${m.devices} × ${gb(m.deviceBytes)}, ${gb(m.usableBytes)} usable; micro-batch ${m.microRows} rows):`);
      for (const o of m.options.filter((o) => !o.checkpointActivations || o.strategy === "full")) {
        const ck = m.options.find((c) => c.strategy === o.strategy && c.checkpointActivations)!;
        const act = o.strategy === "full" ? `activations ${gb(o.activations)} (always checkpointed) → ${gb(o.total)} ${o.fits ? "fits" : "too big"}`
          : `activations ${gb(o.activations)} (${gb(ck.activations)} checkpointed) → ${gb(o.total)} ${o.fits ? "fits" : "too big"} / ${gb(ck.total)} ${ck.fits ? "fits" : "too big"}`;
        io.out(`    ${name[o.strategy].padEnd(13)} weights ${gb(o.weights)}, grads ${gb(o.grads)}, optimizer ${gb(o.optimizer)}${o.workspace ? `, gathered units ${gb(o.workspace)}` : ""}, ${act}`);
      }
      if (m.chosen) {
        const c = m.chosen, full = c.strategy === "full";
        io.out(`  strategy: ${name[c.strategy]}${c.checkpointActivations ? " with activation checkpointing" : ""} (${gb(c.total)} per device) — plmscale train ${c.strategy === "ddp" ? "--nproc/torchrun/srun" : c.strategy === "zero1" ? "--shard optimizer" : "--shard full"}${c.checkpointActivations && !full ? " --checkpoint-activations" : ""}`);
      }
    }
    if (r.data) io.out(`  data: ${r.data.epochs.toFixed(2)} epochs of ${big(r.data.uniqueTokens)} unique tokens; effective ${big(r.data.effectiveTokens)} (${(r.data.effectiveFraction * 100).toFixed(0)}%)`);
    if (r.joint) {
      const j = r.joint;
      io.out(`  joint: CLM ${(j.clmFraction * 100).toFixed(0)}% = ${e(j.clm.C)} FLOPs (${big(j.clm.D)} tokens), then MLM ${e(j.mlm.C)} FLOPs (${big(j.mlm.D)} tokens), same shape`);
      if (j.effectiveMlmTokens) io.out(`         effective MLM tokens with transfer ≈ ${big(j.effectiveMlmTokens)}`);
      if (j.predictedLoss) io.out(`         predicted MLM loss: ${j.predictedLoss.transfer.toFixed(3)} with transfer vs ${j.predictedLoss.scratch.toFixed(3)} from scratch`);
      io.out(`         CLM+MLM pair: ${e(j.pairCost.transfer)} FLOPs via transfer vs ${e(j.pairCost.scratch)} for two from scratch (${(j.pairCost.saving * 100).toFixed(0)}% less)`);
      for (const n of j.notes) io.out(`         note: ${n}`);
    }
    for (const w of r.warnings) io.out(`warning: ${w}`);
    if (r.emitted) {
      const p = r.emittedParallel;
      io.out(`wrote train config: ${r.emitted}${p ? ` (parallel: ${p.ranks} ranks, shard ${p.shard}${p.checkpointActivations ? ", activation checkpointing" : ""}, ${p.checkpointFormat} checkpoints); launch: plmscale train --config ${r.emitted} --emit slurm` : ""}`);
    }
  },
});

// The law's optimum for a budget, re-exported for scripts that want numbers without the CLI.
export { optimalAllocation };

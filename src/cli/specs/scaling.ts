// Declarations of the scaling-law commands (fit, plan): pure math, they never load libtorch.
import { defineCommand } from "../command.js";
import { NAMED_BUDGETS } from "../../scaling/budgets.js";
import { PRESETS } from "../../scaling/presets.js";
import { CLM_FRACTION_GUIDANCE } from "../../scaling/transfer.js";
import { GPUS } from "../../scaling/units.js";

export const fitCommand = defineCommand({
  name: "fit",
  summary: "fit scaling laws (IsoFLOP, parametric, envelope, transfer) to a runs table",
  usage: ["--runs FILE|DIR [--method isoflop|parametric|envelope|transfer] [options]"],
  description: `Fit scaling laws to your own runs. FILE is a runs table (CSV or JSONL with columns objective,N,D,C,loss;
any two of N, D, C suffice, C = 6·N·D; extra columns are kept) or a sweep directory of runs (*/result.json).

Methods:
  isoflop     parabola of loss in ln N per budget → minima → N_opt=kN·C^a, D_opt=kD·C^b, L_opt=kL·(C/cRef)^γ
  parametric  L(N,D) = E + A/N^α + B/D^β (Chinchilla approach 3: Huber δ=1e-3 on log loss, L-BFGS from a grid)
  envelope    lower envelope of loss curves (a sweep directory with metrics.jsonl, or a table with
              columns run,flops,loss[,N]) → L = kL·(C/cRef)^γ and N_opt ∝ C^a
  transfer    MLM runs from scratch vs MLM runs initialised from CLM (column init=clm; optional pair column)
              → effectively transferred tokens D_t and D_t = k·D_F^α·N^β`,
  options: {
    runs: { type: "path", exists: true, value: "FILE|DIR", required: true, description: "runs table or sweep directory" },
    method: { type: "enum", choices: ["isoflop", "parametric", "envelope", "transfer"], value: "NAME", default: "isoflop", description: "isoflop | parametric | envelope | transfer" },
    objective: { type: "enum", choices: ["clm", "mlm"], value: "clm|mlm", description: "which runs to fit (required when the table has both)" },
    bootstrap: { type: "integer", min: 0, value: "N", default: 200, description: "resamples for confidence intervals (0 to skip)" },
    level: { type: "number", min: 0, max: 1, minExclusive: true, maxExclusive: true, value: "X", default: 0.95, description: "interval level" },
    seed: { type: "integer", min: 0, value: "S", default: 0, description: "bootstrap seed" },
    workers: { type: "integer", min: 1, value: "N", description: "threads for the parametric bootstrap (default: cores)" },
    "all-starts": { type: "boolean", description: "parametric: run L-BFGS from every grid start (4,500) instead of the best 200" },
    "skip-bad": { type: "boolean", description: "skip bad rows (the count and the first few are reported) instead of failing" },
    strict: { type: "boolean", description: "isoflop: refuse budgets without an interior minimum instead of skipping them" },
    at: { type: "number", min: 0, minExclusive: true, value: "C", description: "isoflop/parametric: also report the law's optimum N, D, L at C FLOPs" },
    holdout: { type: "string", value: "C|largest", description: "isoflop: fit without budget C (or the largest), predict it with intervals and compare with its measured minimum" },
    "save-preset": { type: "path", value: "FILE", description: "save the fitted allocation law as a preset JSON for 'plmscale plan --preset FILE'" },
    law: { type: "path", exists: true, value: "FILE", description: "transfer: the from-scratch MLM law (JSON of 'fit --method parametric --json');\ndefault: a parametric fit of the scratch rows in the table" },
  },
  examples: ["plmscale fit --runs sweep/ --objective mlm --method isoflop --bootstrap 500 --save-preset my-mlm.json"],
  load: () => import("../commands/fit.js"),
});

export const planCommand = defineCommand({
  name: "plan",
  summary: "plan a compute-optimal protein LM for a budget (size, tokens, shape, GPU time, config)",
  usage: ["--objective clm|mlm (--flops C | --pf-days P | --gpu-hours H --gpu G | --like MODEL) [options]"],
  description: `Compute-optimal model for a budget: N_opt, D_opt and expected loss from a scaling law (default: the released
fits of Cheng et al. 2024), a concrete shape whose exact non-embedding parameter count is close to N_opt,
FLOPs per token, GPU time, data epochs, the ×10-compute growth factors, and a config for 'plmscale train'.`,
  options: {
    flops: { type: "number", min: 0, minExclusive: true, value: "C", group: "Budget (one of)", description: "FLOPs (C = 6·N·D), e.g. 1e21" },
    "pf-days": { type: "number", min: 0, minExclusive: true, value: "P", group: "Budget (one of)", description: "petaFLOP/s-days (1 PF-day = 8.64e19 FLOPs)" },
    "gpu-hours": { type: "number", min: 0, minExclusive: true, value: "H", group: "Budget (one of)", description: "GPU-hours on --gpu at --mfu" },
    like: { type: "string", value: "MODEL", group: "Budget (one of)", description: `a published model's budget 6·N·D: ${Object.keys(NAMED_BUDGETS).join(", ")}` },
    tokens: { type: "number", min: 0, minExclusive: true, value: "D", group: "Budget (one of)", description: "with --like: override (or supply) the model's training tokens" },
    objective: { type: "enum", choices: ["clm", "mlm"], value: "clm|mlm", description: "the objective (default with --like: the model's own)" },
    preset: { type: "string", value: "NAME|FILE", description: `${Object.keys(PRESETS).join(", ")}, or a saved fit ('plmscale fit --save-preset FILE'), a sweep's fit.json or its sweep directory (--objective picks the law)` },
    gpu: { type: "string", value: "NAME", description: `${Object.keys(GPUS).join(", ")} (peak dense bf16) for time estimates` },
    mfu: { type: "number", min: 0, max: 1, minExclusive: true, value: "M", default: 0.4, description: "model-FLOPs utilisation, 0..1" },
    gpus: { type: "integer", min: 1, value: "K", default: 1, description: "GPUs in parallel for wall-clock, and (with --gpu) the per-device memory plan: DDP, ZeRO-1 or full sharding" },
    precision: { type: "enum", choices: ["mixed", "fp32"], value: "mixed|fp32", description: "memory plan: mixed (bf16 weights/grads + fp32 master and moments; default) or fp32" },
    "unique-tokens": { type: "number", min: 0, minExclusive: true, value: "U", description: "unique tokens in your corpus (epochs, effective data under repetition)" },
    corpus: { type: "path", exists: true, value: "DIR|FILE", description: "a corpus directory or manifest.json: unique tokens from its training split" },
    context: { type: "integer", min: 2, value: "T", default: 1024, description: "context length" },
    family: { type: "enum", choices: ["esm2", "llama"], value: "esm2|llama", default: "esm2", description: "model family of the planned shape (and --emit's config): esm2 or llama (RMSNorm, SwiGLU, no biases)" },
    joint: { type: "boolean", description: "MLM: plan CLM pre-training then MLM on this budget (transfer), and the pair cost" },
    "clm-fraction": { type: "number", min: 0, max: 1, minExclusive: true, maxExclusive: true, value: "F", description: `share of a joint budget on CLM (default ${CLM_FRACTION_GUIDANCE.default}; the paper: ${CLM_FRACTION_GUIDANCE.lo}–${CLM_FRACTION_GUIDANCE.hi})` },
    "transfer-law": { type: "path", exists: true, value: "FILE", description: "JSON of 'plmscale fit --method transfer --json' to predict the transfer gain" },
    emit: { type: "path", value: "FILE", description: "write a train config (docs/CONTRACTS.md) for 'plmscale train --config FILE'; with --gpu, its \"parallel\" section holds the chosen strategy (ranks, shard, activation checkpointing) and microBatchRows the plan's micro-batch" },
    device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", default: "cuda", description: "device of the emitted config" },
    dtype: { type: "enum", choices: ["float32", "bfloat16"], value: "float32|bfloat16", description: "dtype of the emitted config (default bfloat16; float32 with --device cpu)" },
  },
  examples: [
    "plmscale plan --objective mlm --like esm2-3b",
    "plmscale plan --objective clm --gpu-hours 10000 --gpu h100 --mfu 0.4 --emit clm.json",
    "plmscale plan --objective mlm --like esm2-3b --gpu a100 --gpus 64",
  ],
  load: () => import("../commands/plan.js"),
});

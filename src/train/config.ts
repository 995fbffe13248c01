// The train config (docs/CONTRACTS.md "Train config"): parsing, validation and defaults.
// Unknown keys are rejected with their dotted path; missing keys take the documented defaults.
// Pure: no tensors, no I/O.

import type { LossPrediction } from "../scaling/prediction.js";
import type { Objective } from "../core/objective.js";
import type { ModelConfig } from "../model/config.js";
import { UserError } from "../core/errors.js";
import { defaultPrecision, TRAIN_PRECISIONS, type TrainPrecision } from "../scaling/precision.js";

export interface TrainConfig {
  objective: Objective;
  model: ModelConfig;
  /** training-token budget D; the run stops exactly there (rounded to whole rows of `context`) */
  tokens: number;
  /** tokens per optimizer step (rows × context); gradient accumulation reaches it */
  batchTokens: number;
  /** rows of `context` per forward pass */
  microBatchRows: number;
  lr: { peak: number; warmupFraction: number; minRatio: number };
  optimizer: { beta1: number; beta2: number; eps: number; weightDecay: number; clip: number };
  data: { corpus: string; seed: number; maskProb: number; sourceWeights: Record<string, number> };
  /**
   * everySteps: periodic evaluations (0 = only the final one); tokens: the fixed validation set, on which the
   * final evaluation (the run's result) always runs; periodicFraction: the periodic evaluations together spend
   * at most this fraction of the training tokens (prefixes of the same set, fewer of them; 0 = no limit).
   */
  eval: { everySteps: number; tokens: number; periodicFraction: number };
  checkpoint: { everySteps: number; keep: number };
  device: "cpu" | "cuda";
  /** the compute dtype, recorded from `precision` by resolveConfig (kept for older configs; read nowhere) */
  dtype: "float32" | "bfloat16";
  /** fp32 | bf16-autocast | bf16-params (src/train/precision.ts); absent until resolved: by device */
  precision?: TrainPrecision;
  threads: number;
  seed: number;
  init: { from: string; objective: Objective } | null;
  /** how the run is spread over devices (what `plan --gpu --gpus --emit` picks; flags of `train` override it) */
  parallel: ParallelConfig;
  /** what the law of `plan --emit` expected of this run (src/scaling/prediction.ts); compared at the end */
  prediction?: LossPrediction;
}

/** Shard modes a config may name: none (DDP), optimizer (ZeRO-1), full (ZeRO-3: parameters too). */
export const PARALLEL_SHARD_MODES = ["none", "optimizer", "full"] as const;
export const CHECKPOINT_FORMATS = ["consolidated", "sharded"] as const;

export interface ParallelConfig {
  /** data-parallel ranks (one GPU each on CUDA) */
  ranks: number;
  shard: (typeof PARALLEL_SHARD_MODES)[number];
  /** recompute each block in backward from its saved input */
  checkpointActivations: boolean;
  /** consolidated: rank 0 writes one process's files; sharded: each rank its optimizer slice plus an index */
  checkpointFormat: (typeof CHECKPOINT_FORMATS)[number];
}

/** A bad train config or flag: a usage error (exit code 2) naming the key. */
export function configError(message: string): UserError {
  return new UserError(message, 2);
}

/** Defaults for everything except the model shape, budget and corpus (those come from the user or a planner). */
export function defaultConfig(): TrainConfig {
  return {
    objective: "mlm",
    model: { layers: 6, dModel: 320, heads: 20, ffn: 1280, vocab: 33, context: 1024, activation: "gelu", bias: true, dropout: 0 },
    tokens: 2e6,
    batchTokens: 16384,
    microBatchRows: 0, // 0 = derive
    lr: { peak: 0, warmupFraction: 0.01, minRatio: 0.1 }, // peak 0 = by size (peakLrFor)
    optimizer: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01, clip: 1.0 },
    data: { corpus: "", seed: 0, maskProb: 0.15, sourceWeights: {} },
    eval: { everySteps: 100, tokens: 65536, periodicFraction: 0.1 },
    checkpoint: { everySteps: 200, keep: 2 },
    device: "cpu",
    dtype: "float32",
    threads: 0, // 0 = libtorch's default
    seed: 0,
    init: null,
    parallel: { ranks: 1, shard: "none", checkpointActivations: false, checkpointFormat: "consolidated" },
  };
}

type Kind = "number" | "int" | "string" | "boolean" | "record" | { enum: readonly string[] };
type Schema = { [k: string]: Kind | Schema };

const SCHEMA: Schema = {
  objective: { enum: ["mlm", "clm"] },
  model: {
    layers: "int", dModel: "int", heads: "int", ffn: "int", vocab: "int", context: "int",
    activation: { enum: ["gelu", "swiglu"] }, bias: "boolean", dropout: "number", tokenDropout: "boolean",
    head: { enum: ["esm", "linear"] }, family: { enum: ["esm2", "llama"] },
  },
  tokens: "number",
  batchTokens: "int",
  microBatchRows: "int",
  lr: { peak: "number", warmupFraction: "number", minRatio: "number" },
  optimizer: { beta1: "number", beta2: "number", eps: "number", weightDecay: "number", clip: "number" },
  data: { corpus: "string", seed: "int", maskProb: "number", sourceWeights: "record" },
  eval: { everySteps: "int", tokens: "number", periodicFraction: "number" },
  checkpoint: { everySteps: "int", keep: "int" },
  device: { enum: ["cpu", "cuda"] },
  dtype: { enum: ["float32", "bfloat16"] },
  precision: { enum: TRAIN_PRECISIONS },
  threads: "int",
  seed: "int",
  init: { from: "string", objective: { enum: ["mlm", "clm"] } },
  parallel: { ranks: "int", shard: { enum: PARALLEL_SHARD_MODES }, checkpointActivations: "boolean", checkpointFormat: { enum: CHECKPOINT_FORMATS } },
  prediction: { source: "string", C: "number", N: "number", D: "number", loss: "number", lo: "number", hi: "number", note: "string" },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkLeaf(path: string, kind: Kind, v: unknown): unknown {
  if (typeof kind === "object") {
    if (typeof v !== "string" || !kind.enum.includes(v)) throw configError(`${path}: expected one of ${kind.enum.join("|")}, got ${JSON.stringify(v)}`);
    return v;
  }
  switch (kind) {
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) throw configError(`${path}: expected a number, got ${JSON.stringify(v)}`);
      return v;
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) throw configError(`${path}: expected an integer, got ${JSON.stringify(v)}`);
      return v;
    case "string":
      if (typeof v !== "string") throw configError(`${path}: expected a string, got ${JSON.stringify(v)}`);
      return v;
    case "boolean":
      if (typeof v !== "boolean") throw configError(`${path}: expected true or false, got ${JSON.stringify(v)}`);
      return v;
    case "record": {
      if (!isPlainObject(v)) throw configError(`${path}: expected an object of numbers`);
      for (const [k, x] of Object.entries(v)) checkLeaf(`${path}.${k}`, "number", x);
      return { ...v };
    }
  }
}

/** Overlay `input` on `base` following `schema`; unknown keys and wrong types throw a usage UserError naming the key. */
function merge(path: string, schema: Schema, base: Record<string, unknown>, input: unknown): Record<string, unknown> {
  if (!isPlainObject(input)) throw configError(`${path || "config"}: expected an object`);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(input)) {
    const p = path ? `${path}.${k}` : k;
    const kind = schema[k];
    if (kind === undefined) throw configError(`unknown key '${p}'`);
    if (p === "init" && v === null) {
      out[k] = null;
      continue;
    }
    if (typeof kind === "object" && !("enum" in kind)) {
      const b = (base[k] ?? {}) as Record<string, unknown>;
      out[k] = merge(p, kind as Schema, b, v);
    } else {
      out[k] = checkLeaf(p, kind as Kind, v);
    }
  }
  return out;
}

/** Rows hold <cls>, at least one residue and <eos>; the sampler needs 3 tokens. */
export const MIN_CONTEXT = 3;
/** The attention mask alone takes context² bytes per row (262 MB at 16384): longer contexts are refused. */
export const MAX_CONTEXT = 16384;
/** Bytes of attention mask one forward pass may build (micro-batch rows × context²). */
export const MAX_MASK_BYTES = 2 ** 31;

function require(cond: boolean, msg: string): void {
  if (!cond) throw configError(msg);
}

/** Parse and validate a config object (from JSON), filling defaults. Derived fields are filled by `resolveConfig`. */
export function parseTrainConfig(input: unknown): TrainConfig {
  const c = mergeTrainConfig(input);
  validate(c);
  return c;
}

/** The defaults overlaid with `input` (keys and types checked) but not yet validated as a whole, so that flags can
 * go on top first (cli-config.ts): a config is validated once, when it is complete. */
export function mergeTrainConfig(input: unknown): TrainConfig {
  const c = merge("", SCHEMA, defaultConfig() as unknown as Record<string, unknown>, input) as unknown as TrainConfig;
  if (c.init) {
    require(typeof c.init.from === "string" && c.init.from.length > 0, "init.from: expected a run directory or checkpoint path");
    if (!c.init.objective) c.init = { ...c.init, objective: "clm" };
  }
  return c;
}

export function validate(c: TrainConfig): void {
  const m = c.model;
  for (const k of ["layers", "dModel", "heads", "ffn", "vocab", "context"] as const) require(m[k] > 0, `model.${k}: must be positive`);
  require(m.context >= MIN_CONTEXT && m.context <= MAX_CONTEXT, `model.context: must be from ${MIN_CONTEXT} to ${MAX_CONTEXT} tokens, got ${m.context}`);
  require(m.dModel % m.heads === 0, `model.dModel (${m.dModel}) must be divisible by model.heads (${m.heads})`);
  require((m.dModel / m.heads) % 2 === 0, `model.dModel / model.heads must be even (rotary embeddings rotate pairs)`);
  require(m.dropout >= 0 && m.dropout < 1, "model.dropout: must be in [0, 1)");
  require(c.tokens > 0, "tokens: must be positive");
  require(c.batchTokens >= m.context, `batchTokens (${c.batchTokens}) must be at least model.context (${m.context})`);
  require(c.batchTokens % m.context === 0, `batchTokens (${c.batchTokens}) must be a multiple of model.context (${m.context})`);
  require(c.microBatchRows >= 0, "microBatchRows: must be >= 0 (0 = derive)");
  // above 1 AdamW's float32 kernels overflow (lr 1e308 failed inside the optimizer) and no model trains anyway
  require(c.lr.peak >= 0 && c.lr.peak <= 1, `lr.peak: must be in [0, 1] (0 = by model size), got ${c.lr.peak}`);
  require(c.lr.warmupFraction >= 0 && c.lr.warmupFraction < 1, "lr.warmupFraction: must be in [0, 1)");
  require(c.lr.minRatio >= 0 && c.lr.minRatio <= 1, "lr.minRatio: must be in [0, 1]");
  const o = c.optimizer;
  require(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, "optimizer.beta1/beta2: must be in [0, 1)");
  require(o.eps > 0, "optimizer.eps: must be positive");
  require(o.weightDecay >= 0, "optimizer.weightDecay: must be >= 0");
  require(o.clip >= 0, "optimizer.clip: must be >= 0 (0 = no clipping)");
  require(c.data.maskProb > 0 && c.data.maskProb < 1, "data.maskProb: must be in (0, 1)");
  require(c.eval.everySteps >= 0, "eval.everySteps: must be >= 0 (0 = only at the end)");
  require(c.eval.periodicFraction >= 0, `eval.periodicFraction: must be >= 0 (0 = no limit), got ${c.eval.periodicFraction}`);
  require(c.eval.tokens >= 1, `eval.tokens: must be at least 1, got ${c.eval.tokens} (the final validation loss is the run's result)`);
  require(c.checkpoint.everySteps >= 0 && c.checkpoint.keep >= 1, "checkpoint.everySteps >= 0 and checkpoint.keep >= 1");
  require(c.threads >= 0, "threads: must be >= 0");
  require(c.parallel.ranks >= 1, `parallel.ranks: must be at least 1, got ${c.parallel.ranks}`);
  require(!(c.precision === "bf16-autocast" && c.device === "cpu"), "precision bf16-autocast needs device cuda (autocast here is CUDA's); on the cpu use fp32 or bf16-params");
}

/**
 * The periodic evaluations of a run of `steps` steps and `trainTokens` tokens, given the tokens of each batch
 * of the fixed validation set: every `everySteps` steps on its first `batches` batches, so that together they
 * spend at most `fraction` of the training tokens — fewer batches first (at least one), then fewer evaluations,
 * then none. The final step always evaluates the whole set (not counted here).
 */
export function periodicEval(everySteps: number, steps: number, trainTokens: number, batchTokens: number[], fraction: number): { everySteps: number; batches: number } {
  const all = batchTokens.length;
  const count = (every: number) => (every > 0 ? Math.floor((steps - 1) / every) : 0);
  let n = count(everySteps);
  if (n === 0 || fraction <= 0 || all === 0) return { everySteps, batches: all };
  const allowed = fraction * trainTokens;
  let batches = 0;
  for (let used = 0; batches < all && n * (used + batchTokens[batches]!) <= allowed; batches++) used += batchTokens[batches]!;
  if (batches > 0) return { everySteps, batches };
  // one batch per evaluation is still too much: evaluate less often
  n = Math.floor(allowed / batchTokens[0]!);
  if (n === 0) return { everySteps: 0, batches: 0 };
  return { everySteps: Math.max(everySteps, Math.ceil(steps / (n + 1))), batches: 1 };
}

/** Rows of `context` per optimizer step. */
export function rowsPerStep(c: TrainConfig): number {
  return c.batchTokens / c.model.context;
}

/**
 * Fill derived fields: the token budget rounded to whole rows (so the run can stop exactly there),
 * micro-batch rows (default: the whole step on CUDA, ≤ 4096 tokens per pass on CPU) and the peak LR by size.
 */
export function resolveConfig(c: TrainConfig, peakLrFor: (nonEmbedding: number) => number, nonEmbedding: number): TrainConfig {
  const r: TrainConfig = structuredClone(c);
  const T = r.model.context;
  r.tokens = Math.max(T, Math.round(r.tokens / T) * T);
  const R = rowsPerStep(r);
  if (r.microBatchRows === 0) {
    r.microBatchRows = r.device === "cuda" ? Math.min(R, Math.max(1, Math.floor(65536 / T))) : Math.min(R, Math.max(1, Math.floor(4096 / T)));
  }
  r.microBatchRows = Math.min(r.microBatchRows, R);
  const maskBytes = r.microBatchRows * T * T;
  if (maskBytes > MAX_MASK_BYTES) {
    throw configError(`microBatchRows (${r.microBatchRows}) × context² (${T}²) = ${(maskBytes / 2 ** 30).toFixed(1)} GiB of attention mask per forward pass (at most ${MAX_MASK_BYTES / 2 ** 30} GiB): lower --micro-rows or --context`);
  }
  if (r.lr.peak === 0) r.lr.peak = peakLrFor(nonEmbedding);
  if (r.precision === undefined && r.device === "cpu" && r.dtype === "bfloat16") throw configError("dtype bfloat16 is for device cuda; use float32 on cpu (or precision bf16-params)");
  // what runs is recorded: the precision (by device unless given) and its compute dtype
  r.precision ??= defaultPrecision(r.device);
  r.dtype = r.precision === "fp32" ? "float32" : "bfloat16";
  validate(r);
  return r;
}

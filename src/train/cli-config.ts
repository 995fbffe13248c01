// Builds a train config from `plmscale train` options: defaults ← --config FILE ← flags. Pure except for
// reading the config file. Shared by the train and transfer commands.
import { readFileSync } from "node:fs";
import { mergeTrainConfig, parseTrainConfig, type TrainConfig, configError, MAX_CONTEXT, MIN_CONTEXT } from "./config.js";
import { defaultHeadFor, shapeFor, nonEmbeddingParams, withFamily, type LmHeadKind, type ModelShape } from "../scaling/shape.js";
import { batchAndContextFor } from "../scaling/lr.js";
import { tokensForFlops } from "../scaling/compute.js";
import { TRAIN_PRECISIONS, type TrainPrecision } from "../scaling/precision.js";
import { FAMILIES, FAMILY_NAMES, familyDefaults, type FamilyName } from "../scaling/families.js";

export interface TrainFlags {
  config?: string;
  objective?: string;
  params?: number;
  shape?: string;
  tokens?: number;
  flops?: number;
  data?: string;
  context?: number;
  batchTokens?: number;
  microRows?: number;
  lr?: number;
  warmup?: number;
  device?: string;
  precision?: string;
  threads?: number;
  seed?: number;
  evalEvery?: number;
  evalTokens?: number;
  checkpointEvery?: number;
  keep?: number;
  weightDecay?: number;
  head?: string;
  family?: string;
}

/** "L,d,h" or "L,d,h,ffn" → shape (FFN by the family's rule by default: esm2 4d). */
export function parseShape(text: string, family?: FamilyName): ModelShape {
  const parts = text.split(",").map((s) => Number(s.trim()));
  if ((parts.length !== 3 && parts.length !== 4) || parts.some((x) => !Number.isInteger(x) || x <= 0)) {
    throw configError(`--shape: expected L,d,h or L,d,h,ffn with positive integers, got '${text}'`);
  }
  const [layers, dModel, heads, ffn] = parts as [number, number, number, number?];
  return { layers, dModel, heads, ffn: ffn ?? FAMILIES[family ?? "esm2"].ffnFor(dModel) };
}

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw configError(`cannot read --config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw configError(`--config ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Apply flags on top of a (file or default) config; the result is validated but not yet resolved. */
export function configFromFlags(f: TrainFlags, fileConfig?: unknown): TrainConfig {
  const c = mergeTrainConfig(fileConfig ?? {});
  if (f.objective !== undefined) {
    if (f.objective !== "mlm" && f.objective !== "clm") throw configError(`--objective: expected mlm or clm, got '${f.objective}'`);
    c.objective = f.objective;
  }
  if (f.head !== undefined) {
    if (f.head !== "esm" && f.head !== "linear") throw configError(`--head: expected esm or linear, got '${f.head}'`);
    c.model.head = f.head;
  }
  // a head nobody chose (no flag, no key in --config) is the objective's default; set before --params picks a
  // shape, since the head counts in N
  if (c.model.head === undefined) c.model.head = defaultHeadFor(c.objective);
  if (f.family !== undefined) {
    if (!(FAMILY_NAMES as readonly string[]).includes(f.family)) throw configError(`--family: expected ${FAMILY_NAMES.join(" or ")}, got '${f.family}'`);
    // the family's block (activation, biases) and, unless a shape below sets it, its FFN rule at the width
    Object.assign(c.model, familyDefaults(f.family as FamilyName), { ffn: FAMILIES[f.family as FamilyName].ffnFor(c.model.dModel) });
  }
  if (f.params !== undefined && f.shape !== undefined) throw configError("give either --params or --shape, not both");
  if (f.params !== undefined) Object.assign(c.model, shapeForFlag(f.params, c.model.head, c.model.family));
  if (f.shape !== undefined) Object.assign(c.model, parseShape(f.shape, c.model.family));
  if (f.context !== undefined) {
    // checked here, before the batch is rounded to whole rows of it (a bad context must not be blamed on batchTokens)
    if (!Number.isInteger(f.context) || f.context < MIN_CONTEXT || f.context > MAX_CONTEXT) {
      throw configError(`--context must be a whole number of tokens from ${MIN_CONTEXT} to ${MAX_CONTEXT}, got ${f.context}`);
    }
    c.model.context = f.context;
  }
  if (f.tokens !== undefined && f.flops !== undefined) throw configError("give either --tokens or --flops, not both");
  if (f.tokens !== undefined) c.tokens = f.tokens;
  if (f.flops !== undefined) c.tokens = tokensForFlops(f.flops, nonEmbeddingParams(c.model));
  if (f.data !== undefined) c.data.corpus = f.data;
  if (f.batchTokens !== undefined) c.batchTokens = f.batchTokens;
  if (f.microRows !== undefined) c.microBatchRows = f.microRows;
  if (f.lr !== undefined) c.lr.peak = f.lr;
  if (f.warmup !== undefined) c.lr.warmupFraction = f.warmup;
  if (f.weightDecay !== undefined) c.optimizer.weightDecay = f.weightDecay;
  if (f.device !== undefined) {
    if (f.device !== "cpu" && f.device !== "cuda") throw configError(`--device: expected cpu or cuda, got '${f.device}'`);
    c.device = f.device;
    c.dtype = f.device === "cuda" ? "bfloat16" : "float32";
  }
  if (f.precision !== undefined) {
    if (!(TRAIN_PRECISIONS as readonly string[]).includes(f.precision)) throw configError(`--precision: expected one of ${TRAIN_PRECISIONS.join(", ")}, got '${f.precision}'`);
    c.precision = f.precision as TrainPrecision;
  }
  if (f.threads !== undefined) c.threads = f.threads;
  if (f.seed !== undefined) c.seed = c.data.seed = f.seed;
  if (f.evalEvery !== undefined) c.eval.everySteps = f.evalEvery;
  if (f.evalTokens !== undefined) {
    if (!(f.evalTokens >= 1)) throw configError(`--eval-tokens must be at least 1, got ${f.evalTokens} (the final validation loss is the run's result)`);
    c.eval.tokens = f.evalTokens;
  }
  if (f.checkpointEvery !== undefined) c.checkpoint.everySteps = f.checkpointEvery;
  if (f.keep !== undefined) c.checkpoint.keep = f.keep;
  // batch and context nobody chose (no flag, no key in --config) follow the one rule by size and budget
  // (scaling/lr.ts batchAndContextFor): ~500 optimizer steps on small budgets, the paper's batches at scale
  const file = (fileConfig ?? {}) as { batchTokens?: unknown; model?: { context?: unknown } };
  const contextGiven = f.context !== undefined || file.model?.context !== undefined;
  const batchGiven = f.batchTokens !== undefined || file.batchTokens !== undefined;
  if (!contextGiven || !batchGiven) {
    const rule = batchAndContextFor(nonEmbeddingParams(c.model), c.tokens, c.model.dModel, contextGiven ? c.model.context : undefined);
    if (!contextGiven) c.model.context = rule.context;
    if (!batchGiven) c.batchTokens = rule.batchTokens;
  }
  // small contexts: keep the batch a whole number of rows
  if (c.batchTokens % c.model.context !== 0) c.batchTokens = Math.max(1, Math.round(c.batchTokens / c.model.context)) * c.model.context;
  if (!c.data.corpus) throw configError("no training data: give --data CORPUS_DIR or FASTA (or data.corpus in --config)");
  return parseTrainConfig(JSON.parse(JSON.stringify(c))); // the one validation of the complete config
}

/** The smallest model shapeFor builds (1 layer, d=32, 2 heads): --params below it has no shape. */
export const SMALLEST_SHAPE: ModelShape = { layers: 1, dModel: 32, heads: 2, ffn: 128 };

function shapeForFlag(params: number, head: LmHeadKind, family?: FamilyName): ModelShape {
  const min = nonEmbeddingParams(withFamily(SMALLEST_SHAPE, family), head);
  if (!(params >= min)) throw configError(`--params ${params}: the smallest model has ${min.toLocaleString("en-US")} non-embedding parameters (1 layer × d=32); give at least that or --shape L,d,h`);
  return shapeFor(params, { head, family });
}

/** The usage requires a budget: --tokens or --flops, or tokens in the --config file (no silent default). */
export function requireBudget(f: TrainFlags, fileConfig: unknown): void {
  if (f.tokens !== undefined || f.flops !== undefined) return;
  if (fileConfig && typeof fileConfig === "object" && (fileConfig as { tokens?: unknown }).tokens !== undefined) return;
  throw configError("missing budget: give --tokens D or --flops C (or \"tokens\" in the --config file)");
}

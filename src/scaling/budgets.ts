// Named compute budgets from published models: C = 6·N·D with N the non-embedding parameters and D tokens.
import { nonEmbeddingParams, type ModelShape } from "./shape.js";
import type { Objective } from "../core/objective.js";
import { trainingFlops } from "./compute.js";

export interface NamedBudget {
  name: string;
  objective: Objective;
  /** the published model's non-embedding parameters */
  N: number;
  /** training tokens (undefined where no published figure is stored: pass --tokens) */
  D?: number;
  shape?: ModelShape;
  source: string;
  /** set when the stored token count is an approximation: says why */
  approximate?: string;
}

// ESM-2 shapes: Lin et al. 2023, "Evolutionary-scale prediction of atomic-level protein structure with a
// language model", Science 379 (Table S1): layers, embedding width, heads (FFN = 4·d). The block layout is
// exactly plmscale's counting rule, so N is computed, not quoted. Tokens: 500k updates × ~2M tokens per batch
// ≈ 1e12 tokens (Lin et al. 2023 supplement: "All language models were trained for 500K updates, except the 15B
// language model" and "All models used 2 million tokens as batch size except the 15B model"). The 15B model's own
// figures are not stored here, so 1e12 stands in for it, flagged as approximate (pass --tokens to override).
const ESM2_TOKENS = 1e12;
const ESM2_SRC = "Lin et al. 2023 (ESM-2, Science 379): shape from Table S1; tokens ≈ 500k updates × 2M tokens = 1e12";

function esm2(name: string, layers: number, dModel: number, heads: number): NamedBudget {
  const shape = { layers, dModel, heads, ffn: 4 * dModel };
  return { name, objective: "mlm", N: nonEmbeddingParams(shape), D: ESM2_TOKENS, shape, source: ESM2_SRC };
}

// ProGen2: Nijkamp et al. 2023, "ProGen2: Exploring the Boundaries of Protein Language Models", Cell Systems
// (Table 1: 151M, 764M, 2.7B, 6.4B; GPT-J blocks, vocabulary 32, so total ≈ non-embedding parameters).
// Tokens: ProGen2-xlarge ≈ 350B tokens, the figure Cheng et al. 2024 use for their equal-compute comparison
// (not re-checked offline here). No token figures are stored for the smaller ProGen2 models: pass --tokens.
const PROGEN2_SRC = "Nijkamp et al. 2023 (ProGen2, Cell Systems), Table 1 sizes";

export const NAMED_BUDGETS: Record<string, NamedBudget> = {
  "esm2-8m": esm2("esm2-8m", 6, 320, 20),
  "esm2-35m": esm2("esm2-35m", 12, 480, 20),
  "esm2-150m": esm2("esm2-150m", 30, 640, 20),
  "esm2-650m": esm2("esm2-650m", 33, 1280, 20),
  "esm2-3b": esm2("esm2-3b", 36, 2560, 40),
  "esm2-15b": {
    ...esm2("esm2-15b", 48, 5120, 40),
    approximate: "ESM-2 15B used its own update count and batch size (Lin et al. 2023 supplement); 1e12 tokens is a stand-in: pass --tokens for its exact figure",
  },
  "progen2-small": { name: "progen2-small", objective: "clm", N: 151e6, source: PROGEN2_SRC },
  "progen2-medium": { name: "progen2-medium", objective: "clm", N: 764e6, source: PROGEN2_SRC },
  "progen2-large": { name: "progen2-large", objective: "clm", N: 2.7e9, source: PROGEN2_SRC },
  "progen2-xlarge": {
    name: "progen2-xlarge", objective: "clm", N: 6.4e9, D: 350e9,
    source: `${PROGEN2_SRC}; tokens ≈ 350B as used by Cheng et al. 2024 for the equal-compute comparison`,
    approximate: "ProGen2-xlarge's 350B tokens were not re-checked against the ProGen2 paper offline",
  },
};

export function namedBudget(name: string): NamedBudget {
  const b = NAMED_BUDGETS[name.toLowerCase()];
  if (!b) throw new Error(`unknown model '${name}' for --like (known: ${Object.keys(NAMED_BUDGETS).join(", ")})`);
  return b;
}

/** Compute budget C = 6·N·D of a named model; `tokens` overrides (or supplies) D. */
export function budgetFlops(b: NamedBudget, tokens?: number): { C: number; D: number } {
  const D = tokens ?? b.D;
  if (D === undefined) throw new Error(`no published token count stored for ${b.name}: pass --tokens D`);
  return { C: trainingFlops(b.N, D), D };
}

// Transformer shapes and exact parameter / FLOP counts, summed over the family descriptor's parameter list
// (families.ts). For esm2's default block (docs/CONTRACTS.md): per layer q,k,v,o with bias 4(d²+d), two
// LayerNorms 4d, GELU FFN d·f+f + f·d+d; SwiGLU doubles fc1's rows, bias: false drops the linear biases,
// llama's RMSNorms have d weights each. Non-embedding N adds the final norm and, for ESM-2's LM head, its dense
// (d²+d) and LayerNorm (2d); the token embedding (tied with the decoder) and the decoder bias are excluded,
// as in Kaplan et al. 2020 and Cheng et al. 2024, whose laws are stated in non-embedding parameters.
// The "linear" head (GPT-NeoX's tied decoder, the CLM default: it exports to transformers) adds nothing.
import type { Objective } from "../core/objective.js";
import { blockParamSpecs, FAMILIES, familyDefaults, headParamSpecs, isEmbeddingParam, paramSpecs, sumNumel, type BlockChoice, type FamilyName } from "./families.js";
import { trainingFlops } from "./compute.js";

export interface ModelShape extends BlockChoice {
  layers: number;
  dModel: number;
  heads: number;
  ffn: number;
}

export const ESM_VOCAB = 33;

/** LM head: "esm" (dense → GELU → LayerNorm → tied decoder + bias, ESM-2's) or "linear" (tied decoder only). */
export type LmHeadKind = "esm" | "linear";

/**
 * The head a new run of an objective gets when nobody chose one: ESM-2's for an MLM, GPT-NeoX's tied linear
 * head for a CLM, the one transformers' causal LMs have (so that a default CLM exports; docs/INTEROP.md).
 * Runs stored without a head are ESM-headed (their configs predate the choice).
 */
export function defaultHeadFor(objective: Objective): LmHeadKind {
  return objective === "clm" ? "linear" : "esm";
}

/** Non-embedding parameters of the LM head. */
export function headParams(dModel: number, head: LmHeadKind = "esm"): number {
  return sumNumel(headParamSpecs(dModel, ESM_VOCAB, head).filter((p) => !isEmbeddingParam(p.name)));
}

/** Parameters of one transformer block (block choices absent: esm2's GELU block with biases). */
export function paramsPerLayer(dModel: number, ffn: number, block: BlockChoice = {}): number {
  return sumNumel(blockParamSpecs({ layers: 1, dModel, heads: 1, ffn, ...block }));
}

/** Non-embedding N of a shape with the given head (absent = "esm", as in stored runs). */
export function nonEmbeddingParams(s: ModelShape & { head?: LmHeadKind }, head: LmHeadKind = s.head ?? "esm"): number {
  return sumNumel(paramSpecs(s, ESM_VOCAB, head).filter((p) => !isEmbeddingParam(p.name)));
}

/** All trainable parameters: non-embedding + tied token embedding (+ the ESM head's decoder bias). */
export function totalParams(s: ModelShape & { head?: LmHeadKind }, vocab = ESM_VOCAB, head: LmHeadKind = s.head ?? "esm"): number {
  return sumNumel(paramSpecs(s, vocab, head));
}

/**
 * Training FLOPs per token. `sixN` is the paper's convention C = 6·N·D; `withAttention` adds the
 * attention-score and attention-value matmuls, 2·L·T·d per token forward, ×3 for forward+backward
 * (Kaplan et al. 2020, Table 1), plus the LM-head logits 2·d·V ×3.
 */
export function flopsPerToken(s: ModelShape & { head?: LmHeadKind }, context: number, vocab = ESM_VOCAB, head: LmHeadKind = s.head ?? "esm"): { sixN: number; withAttention: number } {
  const sixN = trainingFlops(nonEmbeddingParams(s, head), 1);
  return { sixN, withAttention: sixN + 6 * s.layers * context * s.dModel + 6 * s.dModel * vocab };
}

/** Head size by width: 16 below d = 256, 32 below 512, 64 up to 4096, 128 above (ESM-2 uses 16–128). */
export function headDimFor(dModel: number): number {
  return dModel < 256 ? 16 : dModel < 512 ? 32 : dModel <= 4096 ? 64 : 128;
}

/**
 * Width/depth ratio the shape search aims for: d/L = 32·(N/1e6)^0.1 (32 at 1M, 64 at 1B, 80 at 10B).
 * Kaplan et al. 2020 (Fig. 5) found loss within ~1% over aspect ratios 20–200; this rule keeps small models
 * deep enough to learn and large ones wide enough to be fast.
 */
export function targetAspect(n: number): number {
  return 32 * Math.pow(Math.max(n, 1e4) / 1e6, 0.1);
}

export interface ShapeOptions {
  /** FFN width as a multiple of d (default 4, as in ESM-2) */
  ffnMult?: number;
  /** relative tolerance on N within which aspect ratio decides (default 0.03) */
  tolerance?: number;
  maxLayers?: number;
  /** the LM head counted in N (default "esm") */
  head?: LmHeadKind;
  /** the model family (default esm2): its FFN rule and block defaults (activation, biases) */
  family?: FamilyName;
}

/**
 * Pick layers, width, heads and FFN for a target non-embedding size. Among shapes whose exact N is within
 * `tolerance` of the target, the one closest to targetAspect(N) wins; when none is, the closest in N.
 */
export function shapeFor(targetN: number, opts: ShapeOptions = {}): ModelShape {
  if (!Number.isFinite(targetN) || targetN <= 0) throw new Error(`shapeFor: target N must be positive, got ${targetN}`);
  const ffnMult = opts.ffnMult ?? 4;
  const family = opts.family ? FAMILIES[opts.family] : FAMILIES.esm2;
  // esm2 shapes stay bare (as stored runs); another family's carry its block choices
  const choice: BlockChoice = opts.family && opts.family !== "esm2" ? familyDefaults(opts.family) : {};
  const ffnOf = (d: number) => family.ffnFor(d, ffnMult);
  const tol = opts.tolerance ?? 0.03;
  const maxLayers = opts.maxLayers ?? 160;
  const aspect = targetAspect(targetN);
  let best: { s: ModelShape; within: boolean; score: number } | undefined;
  for (let layers = 1; layers <= maxLayers; layers++) {
    // width solving 12·L·d² ≈ N, then nearby multiples of the head size
    const dGuess = Math.sqrt(targetN / (layers * (choice.activation === "swiglu" ? 4 + (3 * ffnOf(1024)) / 1024 : 4 + 2 * ffnMult)));
    for (const step of [16, 32, 64, 128]) {
      const base = Math.round(dGuess / step) * step;
      for (const d of [base - step, base, base + step]) {
        if (d < 32 || headDimFor(d) !== step || d % step !== 0) continue;
        const s: ModelShape = { layers, dModel: d, heads: d / step, ffn: ffnOf(d), ...choice };
        const n = nonEmbeddingParams(s, opts.head);
        const errN = Math.abs(Math.log(n / targetN));
        const within = Math.abs(n / targetN - 1) <= tol;
        const score = within ? Math.abs(Math.log(d / layers / aspect)) : errN;
        if (!best || (within && !best.within) || (within === best.within && score < best.score)) best = { s, within, score };
      }
    }
  }
  if (!best) throw new Error(`shapeFor: no shape found for N=${targetN}`);
  return best.s;
}

/** `s` as a shape of `family`: its FFN rule and block defaults (esm2 or absent: `s` unchanged, bare as stored runs). */
export function withFamily(s: ModelShape, family?: FamilyName): ModelShape {
  if (!family || family === "esm2") return s;
  return { ...s, ffn: FAMILIES[family].ffnFor(s.dModel), ...familyDefaults(family) };
}

export function describeShape(s: ModelShape): string {
  return `${s.layers} layers × d=${s.dModel}, ${s.heads} heads, FFN ${s.ffn}${s.family && s.family !== "esm2" ? ` (${s.family})` : ""}`;
}

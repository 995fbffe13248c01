// Transformer shapes and exact parameter / FLOP counts for plmscale's ESM-2-style blocks.
// Counting rule (docs/CONTRACTS.md): per layer q,k,v,o with bias 4(d²+d), two LayerNorms 4d,
// GELU FFN d·f+f + f·d+d. Non-embedding N adds the final LayerNorm (2d) and, for ESM-2's LM head, its dense
// (d²+d) and LayerNorm (2d); the token embedding (tied with the decoder) and the decoder bias are excluded,
// as in Kaplan et al. 2020 and Cheng et al. 2024, whose laws are stated in non-embedding parameters.
// The "linear" head (GPT-NeoX's tied decoder, the CLM default: it exports to transformers) adds nothing.
import type { Objective } from "../core/objective.js";
import { trainingFlops } from "./compute.js";

export interface ModelShape {
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
  return head === "esm" ? dModel * dModel + dModel + 2 * dModel : 0;
}

/** Parameters of one pre-LN transformer block. */
export function paramsPerLayer(dModel: number, ffn: number): number {
  const d = dModel;
  return 4 * (d * d + d) + 4 * d + (d * ffn + ffn) + (ffn * d + d);
}

/** Non-embedding N of a shape with the given head (absent = "esm", as in stored runs). */
export function nonEmbeddingParams(s: ModelShape & { head?: LmHeadKind }, head: LmHeadKind = s.head ?? "esm"): number {
  const d = s.dModel;
  return s.layers * paramsPerLayer(d, s.ffn) + 2 * d + headParams(d, head);
}

/** All trainable parameters: non-embedding + tied token embedding (+ the ESM head's decoder bias). */
export function totalParams(s: ModelShape & { head?: LmHeadKind }, vocab = ESM_VOCAB, head: LmHeadKind = s.head ?? "esm"): number {
  return nonEmbeddingParams(s, head) + vocab * s.dModel + (head === "esm" ? vocab : 0);
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
}

/**
 * Pick layers, width, heads and FFN for a target non-embedding size. Among shapes whose exact N is within
 * `tolerance` of the target, the one closest to targetAspect(N) wins; when none is, the closest in N.
 */
export function shapeFor(targetN: number, opts: ShapeOptions = {}): ModelShape {
  if (!Number.isFinite(targetN) || targetN <= 0) throw new Error(`shapeFor: target N must be positive, got ${targetN}`);
  const ffnMult = opts.ffnMult ?? 4;
  const tol = opts.tolerance ?? 0.03;
  const maxLayers = opts.maxLayers ?? 160;
  const aspect = targetAspect(targetN);
  let best: { s: ModelShape; within: boolean; score: number } | undefined;
  for (let layers = 1; layers <= maxLayers; layers++) {
    // width solving 12·L·d² ≈ N, then nearby multiples of the head size
    const dGuess = Math.sqrt(targetN / (layers * (4 + 2 * ffnMult)));
    for (const step of [16, 32, 64, 128]) {
      const base = Math.round(dGuess / step) * step;
      for (const d of [base - step, base, base + step]) {
        if (d < 32 || headDimFor(d) !== step || d % step !== 0) continue;
        const s: ModelShape = { layers, dModel: d, heads: d / step, ffn: ffnMult * d };
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

export function describeShape(s: ModelShape): string {
  return `${s.layers} layers × d=${s.dModel}, ${s.heads} heads, FFN ${s.ffn}`;
}

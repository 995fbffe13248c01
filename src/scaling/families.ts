// Model families: the pure part of each family's descriptor (layer 3: no tensors). A family fixes the block's
// norm and its defaults (activation, biases, feed-forward width rule); from a shape it gives every parameter's
// name and shape in the model's registration order, so the counts below (N per layer, per head kind, FLOPs per
// token in shape.ts) are sums over the same list the model builds, and the unit (block index or "root") each
// parameter belongs to for activation checkpointing and ZeRO-3 sharding. src/model builds the modules
// (src/model/families.ts), src/interop maps the names to transformers'.
//
//   esm2   pre-LayerNorm (weight + bias, always), GELU FFN 4d, biases on every linear (ESM-2's block)
//   llama  pre-RMSNorm (weight only), SwiGLU FFN ffnFor(d) = 64·⌈(8/3)·d / 64⌉, no biases (LLaMA's, AMPLIFY's)
// Both use the same rotary attention (rotate_half over the two halves of the head dim) and the same heads.
// activation and bias stay free per run (the model accepts any pair); the family gives their defaults.
import type { LmHeadKind, ModelShape } from "./shape.js";

export type FamilyName = "esm2" | "llama";
export const FAMILY_NAMES: readonly FamilyName[] = ["esm2", "llama"];
export type Activation = "gelu" | "swiglu";
export type NormKind = "layernorm" | "rmsnorm";

/** A shape with the block choices that change N (absent: esm2, GELU, biases — runs stored before the choice). */
export interface BlockChoice {
  family?: FamilyName;
  activation?: Activation;
  bias?: boolean;
}

export interface FamilyDescriptor {
  name: FamilyName;
  norm: NormKind;
  /** the block's defaults for a new run of this family */
  activation: Activation;
  bias: boolean;
  /** feed-forward width for width d (`mult`: esm2's multiple of d, default 4; llama ignores it) */
  ffnFor(dModel: number, mult?: number): number;
  /** one line for help and docs */
  summary: string;
  /** the transformers class each objective exports as (null: none has this block); the name tables of each
   *  class are in src/interop (names.ts, llama.ts) */
  transformers: { mlm: "EsmForMaskedLM" | null; clm: "GPTNeoXForCausalLM" | "LlamaForCausalLM" };
}

export const FAMILIES: Record<FamilyName, FamilyDescriptor> = {
  esm2: {
    name: "esm2", norm: "layernorm", activation: "gelu", bias: true,
    ffnFor: (d, mult = 4) => mult * d,
    summary: "ESM-2's block: pre-LayerNorm, GELU FFN 4d, biases",
    transformers: { mlm: "EsmForMaskedLM", clm: "GPTNeoXForCausalLM" },
  },
  llama: {
    name: "llama", norm: "rmsnorm", activation: "swiglu", bias: false,
    // LLaMA's 2/3·4d hidden size, rounded up to a multiple of 64 (LLaMA rounds to 256, which at the d = 64…512
    // of small protein models would inflate the FFN by up to 50%; 64 keeps it within 9% of 8/3·d from d = 128)
    ffnFor: (d) => 64 * Math.ceil((8 * d) / 3 / 64),
    summary: "LLaMA's block: pre-RMSNorm, SwiGLU FFN 64·⌈8d/3/64⌉, no biases",
    transformers: { mlm: null, clm: "LlamaForCausalLM" },
  },
};

/** RMSNorm's epsilon in the llama family (LLaMA-2's rms_norm_eps); LayerNorm's is 1e-5 (ESM-2's). */
export const RMS_NORM_EPS = 1e-6;
export const LAYER_NORM_EPS = 1e-5;

export function parseFamily(text: string, where = "--family"): FamilyName {
  if ((FAMILY_NAMES as readonly string[]).includes(text)) return text as FamilyName;
  throw new Error(`${where}: expected ${FAMILY_NAMES.join(" or ")}, got '${text}'`);
}

export function familyOf(s: BlockChoice): FamilyDescriptor {
  return FAMILIES[s.family ?? "esm2"];
}

/** The block choices a shape resolves to (absent fields: esm2's GELU with biases, as stored runs). */
export function blockOf(s: BlockChoice): { family: FamilyName; norm: NormKind; activation: Activation; bias: boolean } {
  const f = familyOf(s);
  return { family: f.name, norm: f.norm, activation: s.activation ?? "gelu", bias: s.bias ?? true };
}

/** The block choices a new run of `family` gets (its activation and bias defaults). */
export function familyDefaults(family: FamilyName): Required<BlockChoice> {
  const f = FAMILIES[family];
  return { family, activation: f.activation, bias: f.bias };
}

export interface ParamSpec {
  name: string;
  shape: number[];
}

function norm(prefix: string, d: number, kind: NormKind): ParamSpec[] {
  return kind === "layernorm" ? [{ name: `${prefix}.weight`, shape: [d] }, { name: `${prefix}.bias`, shape: [d] }] : [{ name: `${prefix}.weight`, shape: [d] }];
}

function linear(prefix: string, out: number, inp: number, bias: boolean): ParamSpec[] {
  return bias ? [{ name: `${prefix}.weight`, shape: [out, inp] }, { name: `${prefix}.bias`, shape: [out] }] : [{ name: `${prefix}.weight`, shape: [out, inp] }];
}

/** One block's parameters, layer-local names ("ln1.weight", "attn.qkv.weight", …), in registration order. */
export function blockParamSpecs(s: ModelShape & BlockChoice): ParamSpec[] {
  const b = blockOf(s), d = s.dModel;
  const inner = b.activation === "swiglu" ? 2 * s.ffn : s.ffn; // SwiGLU's fc1 holds the gate and value halves
  return [
    ...norm("ln1", d, b.norm),
    ...linear("attn.qkv", 3 * d, d, b.bias),
    ...linear("attn.out", d, d, b.bias),
    ...norm("ln2", d, b.norm),
    ...linear("ffn.fc1", inner, d, b.bias),
    ...linear("ffn.fc2", d, s.ffn, b.bias),
  ];
}

/** The LM head's parameters (the "esm" head is the same in every family: dense + GELU + LayerNorm + bias). */
export function headParamSpecs(d: number, vocab: number, head: LmHeadKind): ParamSpec[] {
  if (head === "linear") return [];
  // a module lists its own parameters before its submodules' (nn.Module.namedParameters)
  return [{ name: "head.bias", shape: [vocab] }, ...linear("head.dense", d, d, true), ...norm("head.norm", d, "layernorm")];
}

/** Every parameter of the model, with its full dotted name, in the order the model registers them. */
export function paramSpecs(s: ModelShape & BlockChoice, vocab: number, head: LmHeadKind): ParamSpec[] {
  const out: ParamSpec[] = [{ name: "embed.weight", shape: [vocab, s.dModel] }];
  const block = blockParamSpecs(s);
  for (let i = 0; i < s.layers; i++) for (const p of block) out.push({ name: `layers.${i}.${p.name}`, shape: p.shape });
  out.push(...norm("final_norm", s.dModel, blockOf(s).norm), ...headParamSpecs(s.dModel, vocab, head));
  return out;
}

/** Tied embedding and decoder bias: the parameters N leaves out (Kaplan et al. 2020). */
export function isEmbeddingParam(name: string): boolean {
  return name === "embed.weight" || name === "head.bias";
}

export function numel(p: ParamSpec): number {
  return p.shape.reduce((a, b) => a * b, 1);
}

export function sumNumel(ps: ParamSpec[]): number {
  return ps.reduce((a, p) => a + numel(p), 0);
}

/** The unit of a parameter for activation checkpointing and ZeRO-3: its block index, or "root" (embedding,
 *  final norm, head). */
export function unitOfParam(name: string): number | "root" {
  const m = /^layers\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : "root";
}

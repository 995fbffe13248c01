// A llama-family CLM ↔ transformers' LlamaForCausalLM (model_type llama; also read by vLLM and llama.cpp):
// config.json, tensor names both ways, and the checks an import needs to be exact.
//   plmscale                     LlamaForCausalLM
//   embed.weight                 model.embed_tokens.weight (+ lm_head.weight, tie_word_embeddings: true)
//   layers.i.ln1.weight          model.layers.i.input_layernorm.weight
//   layers.i.attn.qkv [3D, D]    model.layers.i.self_attn.{q,k,v}_proj (rows q | k | v, each [H·Dh, D])
//   layers.i.attn.out            model.layers.i.self_attn.o_proj
//   layers.i.ln2.weight          model.layers.i.post_attention_layernorm.weight
//   layers.i.ffn.fc1 [2F, D]     model.layers.i.mlp.gate_proj (rows 0..F) | up_proj (rows F..2F)
//   layers.i.ffn.fc2 [D, F]      model.layers.i.mlp.down_proj
//   final_norm.weight            model.norm.weight
// Biases (bias: true) map alike, with attention_bias and mlp_bias set. Rotary: plmscale rotates
// rotate_half-style (the head's first half against its second, src/model/rotary.ts), which is transformers'
// llama convention, so q_proj/k_proj are plmscale's rows unpermuted. (Meta's original llama checkpoints pair
// interleaved dimensions instead; transformers' converter permutes their q/k rows into this layout. Neither
// plmscale's export nor its import takes that path: a Meta-layout checkpoint must be converted first.)
import { cat, dispose, tidy, type Tensor } from "../torch/index.js";
import { UserError } from "../core/errors.js";
import type { ModelConfig } from "../model/config.js";
import { RMS_NORM_EPS } from "../scaling/families.js";
import { CLS, EOS, PAD } from "../data/tokenizer.js";
import { countLayers, type SourceTensors } from "./names.js";
import { ROTARY_BASE, type HfDtype } from "./hf-files.js";

/** plmscale layer-local name → LlamaForCausalLM layer-local name (q/k/v and gate/up handled apart). */
export const LLAMA_LAYER: Record<string, string> = {
  ln1: "input_layernorm", "attn.out": "self_attn.o_proj", ln2: "post_attention_layernorm", "ffn.fc2": "mlp.down_proj",
};

/** Why a model cannot be written as LlamaForCausalLM (null: it can). */
export function llamaBlocker(m: ModelConfig): string | null {
  if ((m.head ?? "esm") !== "linear") return 'LlamaForCausalLM has a linear LM head: train the llama CLM with --head linear (the CLM default)';
  if (m.activation !== "swiglu") return `model.activation is ${m.activation}: LlamaForCausalLM's MLP is gated (SwiGLU); train with --family llama's default activation`;
  if (m.tokenDropout) return "a CLM with token dropout: LlamaForCausalLM has no token dropout";
  return null;
}

export function llamaConfig(m: ModelConfig, dtype: HfDtype): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    vocab_size: m.vocab,
    hidden_size: m.dModel,
    intermediate_size: m.ffn,
    num_hidden_layers: m.layers,
    num_attention_heads: m.heads,
    num_key_value_heads: m.heads, // no grouped-query attention
    head_dim: m.dModel / m.heads,
    hidden_act: "silu",
    max_position_embeddings: m.context,
    rms_norm_eps: RMS_NORM_EPS,
    rope_theta: ROTARY_BASE,
    rope_scaling: null,
    attention_bias: m.bias,
    mlp_bias: m.bias,
    attention_dropout: m.dropout,
    pretraining_tp: 1,
    tie_word_embeddings: true,
    bos_token_id: CLS,
    eos_token_id: EOS,
    pad_token_id: PAD,
    initializer_range: 0.02,
    use_cache: true,
    torch_dtype: dtype,
  };
}

/** plmscale state dict → LlamaForCausalLM tensors, each passed to `put` (which copies and casts it). */
export function llamaTensors(sd: Map<string, Tensor>, m: ModelConfig, put: (name: string, t: Tensor) => void): void {
  const get = (name: string): Tensor => {
    const t = sd.get(name);
    if (!t) throw new Error(`internal: the model has no parameter ${name}`);
    return t;
  };
  const D = m.dModel, F = m.ffn;
  const both = (src: string, dst: string, split: string[], rows: number) => {
    for (const s of m.bias ? ["weight", "bias"] : ["weight"]) {
      const t = get(`${src}.${s}`);
      split.forEach((n, j) => put(`${dst}${n}.${s}`, t.narrow(0, j * rows, rows)));
    }
  };
  put("model.embed_tokens.weight", get("embed.weight"));
  for (let i = 0; i < m.layers; i++) {
    const src = `layers.${i}.`, dst = `model.layers.${i}.`;
    both(`${src}attn.qkv`, dst, ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"], D);
    both(`${src}ffn.fc1`, dst, ["mlp.gate_proj", "mlp.up_proj"], F);
    for (const [ours, theirs] of Object.entries(LLAMA_LAYER)) {
      put(`${dst}${theirs}.weight`, get(`${src}${ours}.weight`));
      if (sd.has(`${src}${ours}.bias`)) put(`${dst}${theirs}.bias`, get(`${src}${ours}.bias`));
    }
  }
  put("model.norm.weight", get("final_norm.weight"));
  // tied: written as well, so that a reader that does not re-tie still has the right output layer
  put("lm_head.weight", get("embed.weight"));
}

function requireEq(what: string, got: unknown, want: unknown): void {
  const same = typeof want === "number" && typeof got === "number" ? Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)) : got === want;
  if (!same) throw new UserError(`config.json ${what} is ${JSON.stringify(got)}; plmscale's llama blocks need ${JSON.stringify(want)}, so this model cannot be imported exactly`);
}

/** The model config of a LlamaForCausalLM directory's config.json, refused where plmscale's llama block differs. */
export function llamaModelConfig(hf: Record<string, unknown>, names: string[], context?: number): ModelConfig {
  const int = (k: string): number => {
    const v = hf[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new UserError(`config.json ${k} is ${JSON.stringify(v)}: expected a positive integer`);
    return v;
  };
  const D = int("hidden_size"), H = int("num_attention_heads");
  requireEq("hidden_act", hf.hidden_act ?? "silu", "silu");
  requireEq("rms_norm_eps", hf.rms_norm_eps, RMS_NORM_EPS);
  requireEq("rope_theta", hf.rope_theta ?? 10000, ROTARY_BASE);
  if (hf.rope_scaling != null) throw new UserError("config.json rope_scaling is set; plmscale's rotary embeddings are unscaled");
  requireEq("num_key_value_heads (grouped-query attention)", hf.num_key_value_heads ?? H, H);
  requireEq("head_dim", hf.head_dim ?? D / H, D / H);
  requireEq("pretraining_tp", hf.pretraining_tp ?? 1, 1);
  requireEq("vocab_size", hf.vocab_size, 33);
  const bias = hf.attention_bias === true;
  requireEq("mlp_bias (plmscale has one bias choice for the block)", hf.mlp_bias ?? false, bias);
  const layers = countLayers(names, "model.layers.");
  if (layers === 0) throw new UserError("no transformer layers found (model.layers.*)");
  if (hf.num_hidden_layers !== undefined) requireEq("num_hidden_layers (vs the tensors)", hf.num_hidden_layers, layers);
  return {
    layers, dModel: D, heads: H, ffn: int("intermediate_size"), vocab: 33, context: context ?? int("max_position_embeddings"),
    activation: "swiglu", bias, dropout: 0, head: "linear", family: "llama",
  };
}

/** LlamaForCausalLM tensors → plmscale state dict (new float32 tensors); every source tensor is used or refused. */
export function llamaStateDict(src: SourceTensors, m: ModelConfig): Map<string, Tensor> {
  const names = src.names();
  const used = new Set<string>();
  const out = new Map<string, Tensor>();
  const take = (n: string): Tensor => {
    if (!names.includes(n)) throw new UserError(`the checkpoint has no ${n}`);
    used.add(n);
    return src.get(n);
  };
  const put = (ours: string, t: Tensor) => out.set(ours, tidy(() => t.to("float32").contiguous()));
  const joined = (ours: string, parts: string[]) => {
    for (const s of m.bias ? ["weight", "bias"] : ["weight"]) {
      const ts = parts.map((p) => take(`${p}.${s}`));
      put(`${ours}.${s}`, tidy(() => cat(ts, 0)));
      dispose(ts);
    }
  };
  try {
    const embed = take("model.embed_tokens.weight");
    put("embed.weight", embed);
    if (names.includes("lm_head.weight")) {
      const dec = take("lm_head.weight");
      const same = tidy(() => dec.shape.join() === embed.shape.join() && dec.to("float32").eq(embed.to("float32")).all().item() === 1);
      dec.dispose();
      if (!same) throw new UserError("lm_head.weight differs from model.embed_tokens.weight: plmscale ties the output layer to the embedding, so an untied model cannot be imported exactly");
    }
    embed.dispose();
    for (let i = 0; i < m.layers; i++) {
      const lp = `model.layers.${i}.`, ours = `layers.${i}.`;
      joined(`${ours}attn.qkv`, ["q_proj", "k_proj", "v_proj"].map((n) => `${lp}self_attn.${n}`));
      joined(`${ours}ffn.fc1`, [`${lp}mlp.gate_proj`, `${lp}mlp.up_proj`]);
      for (const [o, theirs] of Object.entries(LLAMA_LAYER)) {
        const hasBias = o.startsWith("ln") ? [] : m.bias ? ["bias"] : [];
        for (const s of ["weight", ...hasBias]) {
          const t = take(`${lp}${theirs}.${s}`);
          put(`${ours}${o}.${s}`, t);
          t.dispose();
        }
      }
    }
    const norm = take("model.norm.weight");
    put("final_norm.weight", norm);
    norm.dispose();
    const unknown = names.filter((n) => !used.has(n) && !/rotary_emb\.inv_freq$/.test(n));
    if (unknown.length) throw new UserError(`the checkpoint holds tensors plmscale has no place for: ${unknown.slice(0, 8).join(", ")}${unknown.length > 8 ? ` and ${unknown.length - 8} more` : ""}`);
    return out;
  } catch (e) {
    dispose([...out.values()]);
    throw e;
  }
}

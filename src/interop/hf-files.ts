// The non-weight files of a Hugging Face model directory: config.json (EsmConfig or GPTNeoXConfig), the
// EsmTokenizer files (vocab.txt, tokenizer_config.json, special_tokens_map.json), generation_config.json for
// the CLM, and the model card. Pure: values in, JSON/text out.
import { VOCAB, CLS, EOS, PAD, MASK } from "../data/tokenizer.js";
import type { ModelConfig } from "../model/config.js";

export type HfFamily = "esm" | "gpt_neox" | "llama";

/** The transformers architecture of each exported family. */
export const HF_ARCHITECTURE: Record<HfFamily, string> = { esm: "EsmForMaskedLM", gpt_neox: "GPTNeoXForCausalLM", llama: "LlamaForCausalLM" };
export type HfDtype = "float32" | "bfloat16";

/** ESM-2's LayerNorm epsilon, and plmscale's (nn.LayerNorm(d, 1e-5) in block.ts / transformer.ts) */
export const LAYER_NORM_EPS = 1e-5;
export const ROTARY_BASE = 10000;

export function esmConfig(m: ModelConfig, dtype: HfDtype): Record<string, unknown> {
  return {
    architectures: ["EsmForMaskedLM"],
    model_type: "esm",
    vocab_size: m.vocab,
    hidden_size: m.dModel,
    num_hidden_layers: m.layers,
    num_attention_heads: m.heads,
    intermediate_size: m.ffn,
    hidden_act: "gelu",
    hidden_dropout_prob: m.dropout,
    attention_probs_dropout_prob: m.dropout,
    max_position_embeddings: m.context,
    initializer_range: 0.02,
    layer_norm_eps: LAYER_NORM_EPS,
    position_embedding_type: "rotary",
    emb_layer_norm_before: false,
    token_dropout: m.tokenDropout === true,
    mask_token_id: MASK,
    pad_token_id: PAD,
    is_folding_model: false,
    esmfold_config: null,
    vocab_list: null,
    tie_word_embeddings: true,
    use_cache: true,
    torch_dtype: dtype,
  };
}

export function neoxConfig(m: ModelConfig, dtype: HfDtype): Record<string, unknown> {
  return {
    architectures: ["GPTNeoXForCausalLM"],
    model_type: "gpt_neox",
    vocab_size: m.vocab,
    hidden_size: m.dModel,
    num_hidden_layers: m.layers,
    num_attention_heads: m.heads,
    intermediate_size: m.ffn,
    hidden_act: "gelu", // exact (erf) GELU in transformers' ACT2FN, as plmscale's F.gelu
    rotary_pct: 1.0,
    partial_rotary_factor: 1.0,
    rotary_emb_base: ROTARY_BASE,
    rope_theta: ROTARY_BASE,
    rope_scaling: null,
    max_position_embeddings: m.context,
    layer_norm_eps: LAYER_NORM_EPS,
    use_parallel_residual: false, // x + attn(ln1 x), then + mlp(ln2 ·): plmscale's sequential pre-LN block
    attention_bias: true, // biases are written (zeros when the model has none)
    attention_dropout: m.dropout,
    hidden_dropout: m.dropout,
    tie_word_embeddings: true,
    bos_token_id: CLS,
    eos_token_id: EOS,
    pad_token_id: PAD,
    initializer_range: 0.02,
    use_cache: true,
    torch_dtype: dtype,
  };
}

export function generationConfig(): Record<string, unknown> {
  return { bos_token_id: CLS, eos_token_id: EOS, pad_token_id: PAD, decoder_start_token_id: CLS };
}

export function vocabTxt(): string {
  return VOCAB.join("\n") + "\n";
}

export function specialTokensMap(): Record<string, string> {
  return { cls_token: "<cls>", eos_token: "<eos>", mask_token: "<mask>", pad_token: "<pad>", unk_token: "<unk>" };
}

export function tokenizerConfig(context: number): Record<string, unknown> {
  return { tokenizer_class: "EsmTokenizer", model_max_length: context, do_lower_case: false, ...specialTokensMap() };
}

export interface CardFacts {
  objective: "mlm" | "clm";
  family: HfFamily;
  model: ModelConfig;
  dtype: HfDtype;
  N: number;
  Ntotal: number;
  tokens?: number;
  flops?: number;
  valLoss?: number;
  corpus?: string;
  version: string;
  run: string;
}

export function modelCard(f: CardFacts): string {
  const m = f.model;
  const arch = HF_ARCHITECTURE[f.family];
  const auto = f.family === "esm" ? "AutoModelForMaskedLM" : "AutoModelForCausalLM";
  const fmt = (x: number | undefined, d = 4) => (x === undefined || !Number.isFinite(x) ? "unknown" : Number(x.toPrecision(d)).toExponential().replace("e+", "e"));
  const usage = f.family === "esm"
    ? `# the tokenizer is case-sensitive (lower-case letters become <unk>): upper-case sequences first
tok = AutoTokenizer.from_pretrained("DIR")
model = ${auto}.from_pretrained("DIR").eval()
logits = model(**tok(["MKTAYIAKQR<mask>ISFVKSH"], return_tensors="pt")).logits`
    : `# the tokenizer is case-sensitive (lower-case letters become <unk>): upper-case sequences first
tok = AutoTokenizer.from_pretrained("DIR")
model = ${auto}.from_pretrained("DIR").eval()
ids = tok("MKTAYIAK", return_tensors="pt").input_ids[:, :-1]  # <cls> residues, without the closing <eos>
out = model.generate(ids, max_new_tokens=50, do_sample=False)
print(tok.decode(out[0], skip_special_tokens=True).replace(" ", ""))`;
  return `---
library_name: transformers
pipeline_tag: ${f.family === "esm" ? "fill-mask" : "text-generation"}
tags: [protein, protein-language-model, plmscale]
---
# ${f.objective.toUpperCase()} protein language model trained with plmscale

A ${f.objective === "mlm" ? "masked" : "causal"} protein language model in transformers' \`${arch}\` layout,
exported by plmscale ${f.version} from run \`${f.run}\`.

| | |
|---|---|
| architecture | ${m.layers} layers × d ${m.dModel}, ${m.heads} heads, FFN ${m.ffn}, ${f.family === "llama" ? `SwiGLU, pre-RMSNorm, ${m.bias ? "biases" : "no biases"}` : "GELU, pre-LayerNorm"}, rotary positions |
| parameters | ${f.N.toLocaleString("en-US")} non-embedding, ${f.Ntotal.toLocaleString("en-US")} in all |
| tokens | ESM-2's 33-token vocabulary; every sequence is \`<cls> residues <eos>\`; upper-case residues only (the tokenizer maps lower case to \`<unk>\`, as fair-esm does; plmscale's own commands fold lower case and say so)${m.tokenDropout ? "; token dropout as ESM-2" : ""} |
| training tokens | ${fmt(f.tokens)} |
| training FLOPs (6·N·D) | ${fmt(f.flops)} |
| final validation loss | ${f.valLoss === undefined || !Number.isFinite(f.valLoss) ? "unknown" : f.valLoss.toFixed(4)} nats/token |
| training data | ${f.corpus ? `\`${f.corpus}\`` : "unknown"} |
| weights | ${f.dtype} |

\`\`\`python
from transformers import AutoTokenizer, ${auto}
${usage}
\`\`\`
`;
}

// Parameter names and layouts between plmscale and other tools (one table per format):
//   plmscale            HF EsmForMaskedLM (model_type esm)                      fair-esm ESM-2 (.pt)
//   embed.weight        esm.embeddings.word_embeddings.weight (+ lm_head.decoder.weight, tied)  embed_tokens.weight (+ lm_head.weight)
//   layers.i.ln1        esm.encoder.layer.i.attention.LayerNorm                 layers.i.self_attn_layer_norm
//   layers.i.attn.qkv   ….attention.self.{query,key,value} (rows q | k | v)     layers.i.self_attn.{q,k,v}_proj
//   layers.i.attn.out   ….attention.output.dense                                layers.i.self_attn.out_proj
//   layers.i.ln2        esm.encoder.layer.i.LayerNorm                           layers.i.final_layer_norm
//   layers.i.ffn.fc1    ….intermediate.dense                                    layers.i.fc1
//   layers.i.ffn.fc2    ….output.dense                                          layers.i.fc2
//   final_norm          esm.encoder.emb_layer_norm_after                        emb_layer_norm_after
//   head.dense / .norm  lm_head.dense / lm_head.layer_norm                      lm_head.dense / lm_head.layer_norm
//   head.bias           lm_head.bias                                            lm_head.bias
// GPT-NeoX (CLM, head "linear"): embed_in, layers.i.{input_layernorm, attention.query_key_value,
// attention.dense, post_attention_layernorm, mlp.dense_h_to_4h, mlp.dense_4h_to_h}, final_layer_norm,
// embed_out (tied). NeoX's fused projection is per head [H, (q k v), Dh] where plmscale's is [(q k v), H, Dh].
import { keep, tidy, type Tensor } from "../torch/index.js";

export interface SourceTensors {
  names(): string[];
  /** a new tensor (the caller disposes it) */
  get(name: string): Tensor;
}

/** plmscale layer-local name → format layer-local name (weights and biases alike), q/k/v handled apart. */
export const ESM_HF_LAYER: Record<string, string> = {
  ln1: "attention.LayerNorm", "attn.out": "attention.output.dense", ln2: "LayerNorm", "ffn.fc1": "intermediate.dense", "ffn.fc2": "output.dense",
};
export const ESM_FAIR_LAYER: Record<string, string> = {
  ln1: "self_attn_layer_norm", "attn.out": "self_attn.out_proj", ln2: "final_layer_norm", "ffn.fc1": "fc1", "ffn.fc2": "fc2",
};
export const NEOX_LAYER: Record<string, string> = {
  ln1: "input_layernorm", "attn.out": "attention.dense", ln2: "post_attention_layernorm", "ffn.fc1": "mlp.dense_h_to_4h", "ffn.fc2": "mlp.dense_4h_to_h",
};

/** [(q k v), H, Dh] rows ↔ [H, (q k v), Dh] rows of a fused projection weight [3D, D] or bias [3D]. */
export function qkvToPerHead(t: Tensor, heads: number): Tensor {
  return tidy(() => {
    const rest = t.shape.slice(1), D3 = t.shape[0]!, Dh = D3 / 3 / heads;
    return t.view(3, heads, Dh, ...rest).transpose(0, 1).reshape(D3, ...rest).contiguous();
  });
}
export function qkvFromPerHead(t: Tensor, heads: number): Tensor {
  return tidy(() => {
    const rest = t.shape.slice(1), D3 = t.shape[0]!, Dh = D3 / 3 / heads;
    return t.view(heads, 3, Dh, ...rest).transpose(0, 1).reshape(D3, ...rest).contiguous();
  });
}

/** Names of the layer indices present under `prefix` (e.g. "esm.encoder.layer."). */
export function countLayers(names: string[], prefix: string): number {
  let n = 0;
  for (const s of names) {
    if (!s.startsWith(prefix)) continue;
    const i = Number(s.slice(prefix.length).split(".")[0]);
    if (Number.isInteger(i)) n = Math.max(n, i + 1);
  }
  return n;
}

/** For export: the tensor under `name` as a contiguous copy kept out of any scope. */
export function kept(t: Tensor): Tensor {
  return keep(tidy(() => t.contiguous().clone()));
}

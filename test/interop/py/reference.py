# An independent reference forward pass over a plmscale export, written from the Hugging Face transformers
# semantics of EsmForMaskedLM (model_type esm), GPTNeoXForCausalLM (model_type gpt_neox) and LlamaForCausalLM
# (model_type llama), with nothing but
# python3-torch: the safetensors file is parsed by hand, every layer is spelled out here. It shares no code
# with plmscale. Used by test/interop/parity.test.ts where `transformers` itself cannot be installed.
#
# Usage: reference.py EXPORT_DIR REQUEST.json OUT.bin
#   REQUEST: {"sequences": [[ids...], ...], "greedy": {"prompt": [ids], "max_new": n}}   (greedy: CLM only)
#   OUT.bin: float32 logits of every sequence, concatenated ([T_i, V] each, padding rows excluded);
#   OUT.bin.json: {"greedy": [ids...]} when asked.
import json, math, struct, sys
import torch

torch.set_num_threads(1)
DT = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "I64": torch.int64}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    assert meta.get("format") == "pt", "transformers requires safetensors metadata format=pt"
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        buf = bytearray(raw[8 + n + b : 8 + n + end])
        out[name] = torch.frombuffer(buf, dtype=DT[e["dtype"]]).reshape(e["shape"]).float() if end > b else torch.zeros(e["shape"])
    return out


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def gelu(x):  # erf form, as transformers' esm.gelu and ACT2FN["gelu"]
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rope(T, dim, base):
    inv = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
    f = torch.outer(torch.arange(T).float(), inv)
    emb = torch.cat((f, f), dim=-1)
    return emb.cos()[None, None], emb.sin()[None, None]


def esm_forward(c, W, ids, attn):
    """EsmForMaskedLM: ids [B,T], attn [B,T] (1 = token, 0 = padding) → logits [B,T,V]."""
    H, D = c["num_attention_heads"], c["hidden_size"]
    Dh, eps = D // H, c["layer_norm_eps"]
    x = W["esm.embeddings.word_embeddings.weight"][ids]
    if c["token_dropout"]:
        is_mask = (ids == c["mask_token_id"])
        x = x.masked_fill(is_mask.unsqueeze(-1), 0.0)
        observed = is_mask.sum(-1).float() / attn.sum(-1)
        x = x * (1 - 0.15 * 0.8) / (1 - observed)[:, None, None]
    x = x * attn.unsqueeze(-1)
    B, T = ids.shape
    bias = (1.0 - attn[:, None, None, :]) * torch.finfo(torch.float32).min
    cos, sin = rope(T, Dh, 10000.0)
    for i in range(c["num_hidden_layers"]):
        p = f"esm.encoder.layer.{i}."
        h = layer_norm(x, W[p + "attention.LayerNorm.weight"], W[p + "attention.LayerNorm.bias"], eps)
        def proj(n):
            return (h @ W[p + f"attention.self.{n}.weight"].T + W[p + f"attention.self.{n}.bias"]).view(B, T, H, Dh).transpose(1, 2)
        q, k, v = proj("query") * Dh ** -0.5, proj("key"), proj("value")
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        a = torch.softmax(q @ k.transpose(-1, -2) + bias, dim=-1) @ v
        a = a.transpose(1, 2).reshape(B, T, D)
        x = x + a @ W[p + "attention.output.dense.weight"].T + W[p + "attention.output.dense.bias"]
        h = layer_norm(x, W[p + "LayerNorm.weight"], W[p + "LayerNorm.bias"], eps)
        h = gelu(h @ W[p + "intermediate.dense.weight"].T + W[p + "intermediate.dense.bias"])
        x = x + h @ W[p + "output.dense.weight"].T + W[p + "output.dense.bias"]
    x = layer_norm(x, W["esm.encoder.emb_layer_norm_after.weight"], W["esm.encoder.emb_layer_norm_after.bias"], eps)
    h = gelu(x @ W["lm_head.dense.weight"].T + W["lm_head.dense.bias"])
    h = layer_norm(h, W["lm_head.layer_norm.weight"], W["lm_head.layer_norm.bias"], eps)
    dec = W.get("lm_head.decoder.weight", W["esm.embeddings.word_embeddings.weight"])
    return h @ dec.T + W["lm_head.bias"]


def neox_forward(c, W, ids):
    """GPTNeoXForCausalLM with use_parallel_residual=false: ids [1,T] → logits [1,T,V]."""
    H, D = c["num_attention_heads"], c["hidden_size"]
    Dh, eps = D // H, c["layer_norm_eps"]
    assert c["use_parallel_residual"] is False and c["rotary_pct"] == 1.0
    rot = int(Dh * c["rotary_pct"])
    x = W["gpt_neox.embed_in.weight"][ids]
    B, T = ids.shape
    cos, sin = rope(T, rot, float(c.get("rope_theta", c.get("rotary_emb_base"))))
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(c["num_hidden_layers"]):
        p = f"gpt_neox.layers.{i}."
        h = layer_norm(x, W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], eps)
        qkv = (h @ W[p + "attention.query_key_value.weight"].T + W[p + "attention.query_key_value.bias"]).view(B, T, H, 3 * Dh)
        q, k, v = (qkv[..., j * Dh : (j + 1) * Dh].permute(0, 2, 1, 3) for j in range(3))
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        s = (q @ k.transpose(-1, -2)) * Dh ** -0.5
        s = torch.where(causal, s, torch.tensor(torch.finfo(torch.float32).min))
        a = (torch.softmax(s, dim=-1) @ v).permute(0, 2, 1, 3).reshape(B, T, D)
        x = x + a @ W[p + "attention.dense.weight"].T + W[p + "attention.dense.bias"]  # sequential residual
        h = layer_norm(x, W[p + "post_attention_layernorm.weight"], W[p + "post_attention_layernorm.bias"], eps)
        h = gelu(h @ W[p + "mlp.dense_h_to_4h.weight"].T + W[p + "mlp.dense_h_to_4h.bias"])
        x = x + h @ W[p + "mlp.dense_4h_to_h.weight"].T + W[p + "mlp.dense_4h_to_h.bias"]
    x = layer_norm(x, W["gpt_neox.final_layer_norm.weight"], W["gpt_neox.final_layer_norm.bias"], eps)
    out = W["embed_out.weight"] if not c.get("tie_word_embeddings") or "embed_out.weight" in W else W["gpt_neox.embed_in.weight"]
    return x @ out.T


def rms_norm(x, w, eps):  # LlamaRMSNorm: statistic in float32, weight after the cast back
    var = x.float().pow(2).mean(-1, keepdim=True)
    return w * (x.float() * torch.rsqrt(var + eps)).to(x.dtype)


def silu(x):
    return x * torch.sigmoid(x)


def llama_forward(c, W, ids):
    """LlamaForCausalLM (no GQA, no rope scaling, tied or untied lm_head): ids [1,T] → logits [1,T,V]."""
    H, D = c["num_attention_heads"], c["hidden_size"]
    Dh, eps = c.get("head_dim") or D // H, c["rms_norm_eps"]
    assert c.get("num_key_value_heads", H) == H and c.get("rope_scaling") is None and c.get("pretraining_tp", 1) == 1
    x = W["model.embed_tokens.weight"][ids]
    B, T = ids.shape
    cos, sin = rope(T, Dh, float(c.get("rope_theta", 10000.0)))
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    def lin(h, p, name):
        y = h @ W[p + name + ".weight"].T
        return y + W[p + name + ".bias"] if p + name + ".bias" in W else y
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q, k, v = (lin(h, p, f"self_attn.{n}_proj").view(B, T, H, Dh).transpose(1, 2) for n in "qkv")
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin  # HF layout: halves, not interleaved
        s = (q @ k.transpose(-1, -2)) * Dh ** -0.5
        s = torch.where(causal, s, torch.tensor(torch.finfo(torch.float32).min))
        a = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(B, T, H * Dh)
        x = x + lin(a, p, "self_attn.o_proj")
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        x = x + lin(silu(lin(h, p, "mlp.gate_proj")) * lin(h, p, "mlp.up_proj"), p, "mlp.down_proj")
    x = rms_norm(x, W["model.norm.weight"], eps)
    out = W["lm_head.weight"] if "lm_head.weight" in W else W["model.embed_tokens.weight"]
    return x @ out.T


def causal_forward(c, W, ids):
    return llama_forward(c, W, ids) if c["model_type"] == "llama" else neox_forward(c, W, ids)


def main():
    d, req_path, out_path = sys.argv[1:4]
    c = json.load(open(f"{d}/config.json"))
    W = read_safetensors(f"{d}/model.safetensors")
    req = json.load(open(req_path))
    seqs = req["sequences"]
    chunks = []
    with torch.no_grad():
        if c["model_type"] == "esm":
            # one padded batch, as a transformers user would run it (attention_mask marks the padding)
            T = max(len(s) for s in seqs)
            ids = torch.full((len(seqs), T), c["pad_token_id"], dtype=torch.long)
            attn = torch.zeros(len(seqs), T)
            for r, s in enumerate(seqs):
                ids[r, : len(s)] = torch.tensor(s)
                attn[r, : len(s)] = 1
            logits = esm_forward(c, W, ids, attn)
            chunks = [logits[r, : len(s)] for r, s in enumerate(seqs)]
        else:
            chunks = [causal_forward(c, W, torch.tensor([s]))[0] for s in seqs]
        extra = {}
        if "greedy" in req:
            ids = list(req["greedy"]["prompt"])
            for _ in range(req["greedy"]["max_new"]):
                nxt = int(causal_forward(c, W, torch.tensor([ids]))[0, -1].argmax())
                ids.append(nxt)
                if nxt == c["eos_token_id"]:
                    break
            extra["greedy"] = ids
    open(out_path, "wb").write(torch.cat([x.reshape(-1) for x in chunks]).float().numpy().tobytes())
    json.dump(extra, open(out_path + ".json", "w"))


if __name__ == "__main__":
    main()

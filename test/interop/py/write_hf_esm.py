# Writes a Hugging Face EsmForMaskedLM-style directory as transformers' save_pretrained(safe_serialization=False)
# lays it out for ESM-2 (config.json + pytorch_model.bin with "esm." names, contact head, rotary inv_freq
# buffers, no lm_head.decoder.weight since it is tied), with random weights, and the logits reference.py's
# EsmForMaskedLM forward gives for the ids in REQUEST.json.
# Usage: write_hf_esm.py OUT_DIR REQUEST.json LOGITS.bin
import collections, json, os, sys
import torch
sys.path.insert(0, os.path.dirname(__file__))
from reference import esm_forward

out, req_path, logits_path = sys.argv[1:4]
torch.manual_seed(1)
L, D, H, F, V = 2, 40, 5, 80, 33
cfg = {"architectures": ["EsmForMaskedLM"], "model_type": "esm", "vocab_size": V, "hidden_size": D, "num_hidden_layers": L,
       "num_attention_heads": H, "intermediate_size": F, "hidden_act": "gelu", "hidden_dropout_prob": 0.0,
       "attention_probs_dropout_prob": 0.0, "max_position_embeddings": 1026, "layer_norm_eps": 1e-5,
       "position_embedding_type": "rotary", "emb_layer_norm_before": False, "token_dropout": True,
       "mask_token_id": 32, "pad_token_id": 1, "is_folding_model": False, "torch_dtype": "float32"}
W = collections.OrderedDict()
def lin(name, o, i):
    W[name + ".weight"] = torch.randn(o, i) * 0.15
    W[name + ".bias"] = torch.randn(o) * 0.1
def ln(name):
    W[name + ".weight"] = 1 + torch.randn(D) * 0.2
    W[name + ".bias"] = torch.randn(D) * 0.1
W["esm.embeddings.word_embeddings.weight"] = torch.randn(V, D) * 0.5
for i in range(L):
    p = f"esm.encoder.layer.{i}."
    for n in ["query", "key", "value"]:
        lin(p + f"attention.self.{n}", D, D)
    W[p + "attention.self.rotary_embeddings.inv_freq"] = 1.0 / (10000 ** (torch.arange(0, D // H, 2).float() / (D // H)))
    lin(p + "attention.output.dense", D, D)
    ln(p + "attention.LayerNorm")
    lin(p + "intermediate.dense", F, D)
    lin(p + "output.dense", D, F)
    ln(p + "LayerNorm")
ln("esm.encoder.emb_layer_norm_after")
lin("esm.contact_head.regression", 1, L * H)
lin("lm_head.dense", D, D)
ln("lm_head.layer_norm")
W["lm_head.bias"] = torch.randn(V) * 0.1
os.makedirs(out, exist_ok=True)
json.dump(cfg, open(os.path.join(out, "config.json"), "w"))
torch.save(W, os.path.join(out, "pytorch_model.bin"))
ids = json.load(open(req_path))["sequences"]
with torch.no_grad():
    chunks = [esm_forward(cfg, W, torch.tensor([s]), torch.ones(1, len(s)))[0] for s in ids]
open(logits_path, "wb").write(torch.cat([c.reshape(-1) for c in chunks]).numpy().tobytes())

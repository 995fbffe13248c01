# Writes real torch.save files for the unpickler tests (run by test/interop/pickle.test.ts with python3-torch).
# Usage: write_checkpoints.py OUT_DIR  → OUT_DIR/*.pt plus OUT_DIR/expected.json (values to compare against).
import collections, json, os, sys
import torch

out = sys.argv[1]
torch.manual_seed(0)
expected = {}

def record(name, t):
    expected[name] = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
                      "values": t.detach().float().reshape(-1).tolist()}

# 1. fp32 / bf16 / int64, a non-contiguous transpose, a view with an offset, two tensors sharing one storage
base = torch.randn(6, 8)
sd = collections.OrderedDict()
sd["plain"] = torch.randn(3, 4)
sd["bf16"] = torch.randn(5, 3).to(torch.bfloat16)
sd["ints"] = torch.arange(-3, 9, dtype=torch.int64).reshape(3, 4)
sd["transposed"] = base.t()                # stride (1, 8)
sd["offset_view"] = base[2:5, 1:7]         # offset 17, stride (8, 1)
sd["shared_a"] = base                      # same storage as the two views above
sd["strided_step"] = base[::2, ::3]        # stride (16, 3)
sd["scalar"] = torch.tensor(2.5)
sd["param"] = torch.nn.Parameter(torch.randn(2, 2))
for k, v in sd.items():
    record("views/" + k, v)
torch.save(sd, os.path.join(out, "views.pt"))

# 2. an ESM-2 8M-shaped state dict in fair-esm naming, wrapped as fair-esm does ({"model": ..., "cfg": ...})
L, D, H, F, V = 6, 320, 20, 1280, 33
esm = collections.OrderedDict()
p = "encoder.sentence_encoder."
esm[p + "embed_tokens.weight"] = torch.randn(V, D) * 0.02
for i in range(L):
    q = f"{p}layers.{i}."
    for n in ["k_proj", "v_proj", "q_proj", "out_proj"]:
        esm[q + f"self_attn.{n}.weight"] = torch.randn(D, D) * 0.05
        esm[q + f"self_attn.{n}.bias"] = torch.randn(D) * 0.02
    esm[q + "self_attn.rot_emb.inv_freq"] = 1.0 / (10000 ** (torch.arange(0, D // H, 2).float() / (D // H)))
    for n in ["self_attn_layer_norm", "final_layer_norm"]:
        esm[q + f"{n}.weight"] = 1 + torch.randn(D) * 0.1
        esm[q + f"{n}.bias"] = torch.randn(D) * 0.1
    esm[q + "fc1.weight"] = torch.randn(F, D) * 0.05
    esm[q + "fc1.bias"] = torch.randn(F) * 0.02
    esm[q + "fc2.weight"] = torch.randn(D, F) * 0.03
    esm[q + "fc2.bias"] = torch.randn(D) * 0.02
esm[p + "emb_layer_norm_after.weight"] = 1 + torch.randn(D) * 0.1
esm[p + "emb_layer_norm_after.bias"] = torch.randn(D) * 0.1
esm[p + "lm_head.dense.weight"] = torch.randn(D, D) * 0.05
esm[p + "lm_head.dense.bias"] = torch.randn(D) * 0.02
esm[p + "lm_head.layer_norm.weight"] = 1 + torch.randn(D) * 0.1
esm[p + "lm_head.layer_norm.bias"] = torch.randn(D) * 0.1
esm[p + "lm_head.weight"] = esm[p + "embed_tokens.weight"]   # tied: one storage
esm[p + "lm_head.bias"] = torch.randn(V) * 0.1
esm[p + "contact_head.regression.weight"] = torch.randn(1, L * H)
esm[p + "contact_head.regression.bias"] = torch.randn(1)
import argparse
cfg = {"model": argparse.Namespace(encoder_layers=L, encoder_embed_dim=D, encoder_ffn_embed_dim=F,
                                   encoder_attention_heads=H, token_dropout=True)}
torch.save({"model": esm, "cfg": cfg}, os.path.join(out, "esm2_t6_8M_fairesm.pt"))
expected["esm2/embed_sum"] = float(esm[p + "embed_tokens.weight"].double().sum())
expected["esm2/fc1_0_sum"] = float(esm[p + "layers.0.fc1.weight"].double().sum())

# 3. a legacy (non-zip) checkpoint
torch.save({"w": torch.ones(2)}, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)

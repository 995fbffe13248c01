# Step 2 of bench/device-interop.sh — UNTESTED: written where `transformers` could not be installed; it has
# never run. Loads every plmscale export under OUT_DIR with transformers itself (from_pretrained, AutoTokenizer,
# no custom code) and compares with what plmscale computed (bench/interop-dump.ts): max |Δlogit| in fp32
# (goal < 1e-4) and, for the CLM, greedy generate() token for token. Prints one JSON line per model; exits 1
# on any failure.
# Usage: python3 bench/device-interop.py OUT_DIR
import json, os, sys
import torch
from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

out = sys.argv[1]
ok = True
for name in sorted(os.listdir(out)):
    rec_path = os.path.join(out, name, "plmscale.json")
    if not os.path.exists(rec_path):
        continue
    rec = json.load(open(rec_path))
    hf = os.path.join(out, name, "hf")
    tok = AutoTokenizer.from_pretrained(hf)
    auto = AutoModelForMaskedLM if rec["objective"] == "mlm" else AutoModelForCausalLM
    model = auto.from_pretrained(hf, torch_dtype=torch.float32, attn_implementation="eager").eval()
    worst, tok_ok = 0.0, True
    with torch.no_grad():
        for seq, ids, ref in zip(rec["sequences"], rec["ids"], rec["logits"]):
            enc = tok(seq)["input_ids"]
            plain = [i for i in ids]
            if rec["objective"] == "mlm":
                tok_ok &= len(enc) == len(plain) and all(a == b or b == 32 for a, b in zip(enc, plain))
            else:
                tok_ok &= enc == plain
            x = torch.tensor([ids])
            logits = model(input_ids=x, attention_mask=torch.ones_like(x)).logits[0]
            worst = max(worst, float((logits - torch.tensor(ref).view_as(logits)).abs().max()))
        result = {"model": name, "max_abs_dlogit": worst, "tokenizer_ids_match": bool(tok_ok)}
        good = worst < 1e-4 and tok_ok
        if rec["objective"] == "clm":
            prompt = torch.tensor([rec["greedy"][:3]])
            gen = model.generate(prompt, max_new_tokens=len(rec["greedy"]) - 3, do_sample=False, num_beams=1,
                                 eos_token_id=2, pad_token_id=1)[0].tolist()
            result["greedy_identical"] = gen == rec["greedy"]
            good &= result["greedy_identical"]
    result["ok"] = bool(good)
    ok &= good
    print(json.dumps(result), flush=True)
sys.exit(0 if ok else 1)

"""GPU benchmark for issue 5, run by the lead on the device machine (H100/H200, PyTorch 2.x, transformers).
Side by side in one process: Hugging Face EsmForMaskedLM (SDPA, bf16 autocast, fused AdamW) and plmscale's
architecture in eager PyTorch (bench/plm_ref.py: same kernels plmscale calls through the dispatcher), at
ESM-2 8M/35M/150M/650M shapes, seq 1024:
  (a) synthetic full-context batches: tokens/s and MFU = 6·N·tokens/s / peak (N non-embedding);
  (b) real Swiss-Prot batches: non-padding tokens/s — HF pads each sequence to the context, the packed
      implementations pack sequences into rows (dense block-diagonal mask, and varlen flash attention when
      this PyTorch exposes it).
The plmscale (Node) side is measured by bench/gpu-train-node.ts, driven by bench/gpu-train.sh.
Every configuration is in its own try/except; timing after warm-up with torch.cuda.synchronize().
Prints one JSON document on stdout (and progress on stderr)."""
import argparse, json, math, os, random, sys, time, traceback
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plm_ref import PlmRef, make_optimizer  # noqa: E402

SHAPES = {  # ESM-2 published shapes
    "8M": (6, 320, 20), "35M": (12, 480, 20), "150M": (30, 640, 20), "650M": (33, 1280, 20),
}
ROWS = {"8M": 32, "35M": 32, "150M": 16, "650M": 8}  # rows of 1024 per optimizer step
PEAK = 989e12  # H100/H200 dense bf16
T = 1024


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def non_embedding(L, d):
    f = 4 * d
    per = 4 * (d * d + d) + 4 * d + (d * f + f) + (f * d + d)
    return L * per + 2 * d + (d * d + d) + 2 * d


def mlm_mask(tokens, special, g):
    # 15% of non-special positions; 80% <mask>, 10% random, 10% kept. tokens [B, T] long
    target = torch.full_like(tokens, -100)
    sel = (torch.rand(tokens.shape, generator=g) < 0.15) & ~special
    target[sel] = tokens[sel]
    r = torch.rand(tokens.shape, generator=g)
    inp = tokens.clone()
    inp[sel & (r < 0.8)] = 32
    rnd = sel & (r >= 0.8) & (r < 0.9)
    inp[rnd] = torch.randint(4, 24, (int(rnd.sum()),), generator=g)
    return inp, target


def synthetic(rows, g):
    tok = torch.randint(4, 24, (rows, T), generator=g)
    tok[:, 0], tok[:, -1] = 0, 2
    special = torch.zeros_like(tok, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    inp, tgt = mlm_mask(tok, special, g)
    pos = torch.arange(T).expand(rows, T).contiguous()
    seg = torch.zeros(rows, T, dtype=torch.long)
    return dict(input=inp, target=tgt, position=pos, segment=seg, attn=None, real=rows * T)


def encode(s):
    ids = {c: i for i, c in enumerate("LAGVSERTIDPKQNFYMHWCXBUZO", start=4)}
    return [0] + [ids.get(c, 3) for c in s[: T - 2]] + [2]


def padded_batches(seqs, rows, n, g):
    """HF style: one sequence per row, padded to T."""
    out, i = [], 0
    for _ in range(n):
        tok = torch.ones(rows, T, dtype=torch.long)
        attn = torch.zeros(rows, T, dtype=torch.long)
        real = 0
        for r in range(rows):
            e = encode(seqs[i % len(seqs)]); i += 1
            tok[r, : len(e)] = torch.tensor(e)
            attn[r, : len(e)] = 1
            real += len(e)
        special = (tok == 0) | (tok == 2) | (tok == 1)
        inp, tgt = mlm_mask(tok, special, g)
        out.append(dict(input=inp, target=tgt, attn=attn, real=real))
    return out


def packed_batches(seqs, rows, n, g):
    """plmscale style: first-fit decreasing over a window of 8·rows sequences into rows of T (as
    bench/gpu-train-node.ts), positions reset per sequence, segment ids."""
    out, i = [], 0
    for _ in range(n):
        window = sorted((encode(seqs[(i + k) % len(seqs)]) for k in range(8 * rows)), key=len, reverse=True)
        i += 8 * rows
        bins, room = [[] for _ in range(rows)], [T] * rows
        for e in window:
            j = next((j for j in range(rows) if room[j] >= len(e)), None)
            if j is not None:
                bins[j].append(e); room[j] -= len(e)
        tok = torch.ones(rows, T, dtype=torch.long)
        pos = torch.zeros(rows, T, dtype=torch.long)
        seg = torch.full((rows, T), -1, dtype=torch.long)
        cu, real = [], 0
        for r in range(rows):
            col, s = 0, 0
            for e in bins[r]:
                tok[r, col: col + len(e)] = torch.tensor(e)
                pos[r, col: col + len(e)] = torch.arange(len(e))
                seg[r, col: col + len(e)] = s
                cu.append(r * T + col)
                col += len(e); s += 1; real += len(e)
            if col < T:
                cu.append(r * T + col)  # the padding tail is its own "sequence" for varlen attention
        cu.append(rows * T)
        special = (tok == 0) | (tok == 2) | (tok == 1)
        inp, tgt = mlm_mask(tok, special, g)
        lens = [b - a for a, b in zip(cu[:-1], cu[1:])]
        out.append(dict(input=inp, target=tgt, position=pos, segment=seg, real=real,
                        cu=torch.tensor(cu, dtype=torch.int32), maxlen=max(lens)))
    return out


def make_varlen(cu, maxlen):
    """Varlen flash attention through aten::_flash_attention_forward/backward (PyTorch 2.x), as an autograd
    Function; q,k,v [B, H, T, Dh] → [B, H, T, Dh]. Returns None when the ops are unavailable."""
    fwd = getattr(torch.ops.aten, "_flash_attention_forward", None)
    bwd = getattr(torch.ops.aten, "_flash_attention_backward", None)
    if fwd is None or bwd is None:
        return None

    class Varlen(torch.autograd.Function):
        @staticmethod
        def forward(ctx, q, k, v, causal):
            B, H, TT, Dh = q.shape
            qf, kf, vf = (x.transpose(1, 2).reshape(B * TT, H, Dh).contiguous() for x in (q, k, v))  # [B*T, H, Dh]
            o, lse, rng, unused, _ = fwd(qf, kf, vf, cu, cu, maxlen, maxlen, 0.0, causal, False)
            ctx.save_for_backward(qf, kf, vf, o, lse, rng, unused)
            ctx.causal, ctx.shape = causal, (B, H, TT, Dh)
            return o.view(B, TT, H, Dh).transpose(1, 2)

        @staticmethod
        def backward(ctx, go):
            qf, kf, vf, o, lse, rng, unused = ctx.saved_tensors
            B, H, TT, Dh = ctx.shape
            g = go.transpose(1, 2).reshape(B * TT, H, Dh).contiguous()
            dq, dk, dv = bwd(g, qf, kf, vf, o, lse, cu, cu, maxlen, maxlen, 0.0, ctx.causal, rng, unused)
            f = lambda x: x.view(B, TT, H, Dh).transpose(1, 2)
            return f(dq), f(dk), f(dv), None

    return lambda q, k, v, causal: Varlen.apply(q, k, v, causal)


def dev(b):
    return {k: (v.cuda(non_blocking=True) if torch.is_tensor(v) else v) for k, v in b.items()}


def hf_model(L, d, h):
    from transformers import EsmConfig, EsmForMaskedLM
    cfg = EsmConfig(vocab_size=33, hidden_size=d, num_hidden_layers=L, num_attention_heads=h, intermediate_size=4 * d,
                    max_position_embeddings=T + 2, position_embedding_type="rotary", pad_token_id=1, mask_token_id=32,
                    token_dropout=True, emb_layer_norm_before=False, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    try:
        m = EsmForMaskedLM._from_config(cfg, attn_implementation="sdpa")
    except Exception as e:  # older/newer transformers without the keyword
        log("hf: sdpa keyword refused:", e)
        m = EsmForMaskedLM(cfg)
    return m.cuda()


def hf_step(model, opt, b):
    opt.zero_grad(set_to_none=True)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = model(input_ids=b["input"], attention_mask=b["attn"], labels=b["target"])
    out.loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def ref_step(model, opt, b, varlen):
    opt.zero_grad(set_to_none=True)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        logits = model(b["input"], b["position"], b["segment"], False, varlen)
        loss = F.cross_entropy(logits.float().view(-1, 33), b["target"].view(-1), ignore_index=-100)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def timed(step, batches, warmup, iters):
    for i in range(warmup):
        step(batches[i % len(batches)])
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    real = 0
    for i in range(iters):
        b = batches[i % len(batches)]
        step(b)
        real += b["real"]
    torch.cuda.synchronize()
    return real / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="8M,35M,150M,650M")
    ap.add_argument("--seqs", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "swissprot-sample.fasta.gz"))
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--budget", type=float, default=240, help="seconds; remaining configurations are skipped after it")
    a = ap.parse_args()
    t_start = time.perf_counter()
    torch.backends.cuda.matmul.allow_tf32 = True
    g = torch.Generator().manual_seed(0)
    seqs = []
    if os.path.exists(a.seqs):
        import gzip
        opener = gzip.open if a.seqs.endswith(".gz") else open
        cur = []
        with opener(a.seqs, "rt") as f:
            for line in f:
                if line.startswith(">"):
                    if cur:
                        seqs.append("".join(cur))
                    cur = []
                elif line.strip():
                    cur.append(line.strip())
        if cur:
            seqs.append("".join(cur))
        random.Random(0).shuffle(seqs)
    log(f"{len(seqs)} Swiss-Prot sequences")
    res = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "seq": T, "peakFlops": PEAK, "results": []}
    try:
        import transformers
        res["transformers"] = transformers.__version__
    except Exception as e:
        res["transformers"] = None
        log("transformers unavailable:", e)
    # tasks in priority order: the HF/plmscale-architecture pairs for every size first, varlen last, so a
    # tight time budget cuts the optional measurements, not the 650M comparison
    sizes = a.sizes.split(",")
    tasks = [(s, i, m) for s in sizes for m in ("synthetic", "swissprot") for i in ("hf", "ref")]
    tasks += [(s, "ref-varlen", "swissprot") for s in sizes]
    cache = {}
    for size, impl, mode in tasks:
        L, d, h = SHAPES[size]
        N, rows = non_embedding(L, d), ROWS[size]
        if size not in cache:
            cache.clear()  # one size's batches on the GPU at a time
            cache[size] = {
                "syn": [dev(synthetic(rows, g)) for _ in range(2)],
                "pad": [dev(b) for b in padded_batches(seqs, rows, 4, g)] if seqs else [],
                "pk": [dev(b) for b in packed_batches(seqs, rows, 4, g)] if seqs else [],
            }
        syn, pad, pk = cache[size]["syn"], cache[size]["pad"], cache[size]["pk"]
        if time.perf_counter() - t_start > a.budget:
            res["results"].append({"size": size, "impl": impl, "mode": mode, "skipped": "time budget"})
            continue
        if mode == "swissprot" and not seqs:
            continue
        r = {"size": size, "impl": impl, "mode": mode, "N": N, "rows": rows}
        try:
            torch.manual_seed(0)
            if impl == "hf":
                model = hf_model(L, d, h)
                opt = make_optimizer(model, fused=True)
                batches = syn if mode == "synthetic" else pad
                step = lambda b: hf_step(model, opt, b)
            else:
                model = PlmRef(L, d, h, 4 * d).cuda()
                opt = make_optimizer(model, fused=True)
                batches = syn if mode == "synthetic" else pk
                if impl == "ref-varlen":
                    fns = [make_varlen(b["cu"], b["maxlen"]) for b in batches]
                    if fns[0] is None:
                        raise RuntimeError("no aten::_flash_attention_forward in this PyTorch")
                    for b, fn in zip(batches, fns):
                        b["varlen"] = fn
                    step = lambda b: ref_step(model, opt, b, b["varlen"])
                else:
                    step = lambda b: ref_step(model, opt, b, None)
            tps = timed(step, batches, a.warmup, a.iters)
            r["tokensPerSecond"] = tps
            r["mfu"] = 6 * N * tps / PEAK
            r["maxMemoryGiB"] = torch.cuda.max_memory_allocated() / 2**30
            log(f"{size} {impl} {mode}: {tps:,.0f} tok/s, MFU {r['mfu']*100:.1f}%")
        except Exception as e:
            r["error"] = f"{type(e).__name__}: {e}"[:500]
            log(f"{size} {impl} {mode}: FAILED {r['error']}")
            traceback.print_exc(file=sys.stderr)
        finally:
            model = opt = step = None
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        res["results"].append(r)
    # ratios vs HF per size and mode
    by = {(r["size"], r["impl"], r["mode"]): r.get("tokensPerSecond") for r in res["results"]}
    res["ratios"] = {}
    for (size, impl, mode), v in by.items():
        hf = by.get((size, "hf", mode))
        if impl != "hf" and v and hf:
            res["ratios"][f"{size}/{impl}/{mode}"] = v / hf
    res["wallSeconds"] = time.perf_counter() - t_start
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()

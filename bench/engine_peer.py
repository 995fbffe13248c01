# The PyTorch peer of bench/engine-worker.ts: the same computations in PyTorch's Python API on the same
# libtorch (Debian python3-torch). Prints one JSON line. Usage: engine_peer.py overhead|step N THREADS
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

mode, n, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)

def attention(q, k, v):
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return torch.ops.aten._scaled_dot_product_attention(q, k, v, None, 0.0, False, True)[0]

class Block(nn.Module):
    def __init__(self, d, h, f):
        super().__init__()
        self.h = h
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.up, self.down = nn.Linear(d, f), nn.Linear(f, d)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4).unbind(0)
        a = attention(q, k, v).transpose(1, 2).reshape(B, T, D)
        x = x + self.o(a)
        return x + self.down(F.gelu(self.up(self.ln2(x))))

class Model(nn.Module):
    def __init__(self, vocab=33, d=256, h=8, f=1024, layers=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList([Block(d, h, f) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):
        x = self.emb(ids)
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln(x))

if mode == "overhead":
    a, b = torch.ones(1), torch.ones(1)
    for _ in range(100_000):  # as many warm-up calls as the plmscale worker makes per path (WARM_CALLS)
        torch.add(a, b)
    t0 = time.process_time()  # CPU time of the process: robust to other load on a shared machine
    for _ in range(n):
        c = torch.add(a, b)
    dt = time.process_time() - t0
    print(json.dumps({"usPerCall": dt / n * 1e6}))
else:
    B, T = 16, 256
    model = Model()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.01, foreach=True)
    ids = torch.randint(0, 33, (B, T))
    target = torch.randint(0, 33, (B * T,))
    def step():
        logits = model(ids).view(B * T, -1)
        loss = F.cross_entropy(logits, target, ignore_index=-100)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()
    step()  # warm-up
    times, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    med = sorted(times)[len(times) // 2]
    cmed = sorted(cpu)[len(cpu) // 2]
    print(json.dumps({"stepSeconds": med, "tokensPerSecond": B * T / med, "cpuSeconds": cmed,
                      "tokensPerCpuSecond": B * T / cmed, "steps": n,
                      "params": sum(p.numel() for p in model.parameters())}))

"""plmscale's ESM-2-style model written in plain PyTorch: the peer of `npm run bench:train` (CPU, Debian
torch 1.13) and the eager reference of bench/gpu-train.py (CUDA, torch 2.x). Same architecture as
src/model (pre-LN blocks, rotary q/k with per-sequence positions, block-diagonal segment mask, GELU FFN,
final LayerNorm, LM head dense→GELU→LayerNorm→tied decoder + bias) and the same AdamW settings."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")  # PyTorch >= 2.0
HAS_SDPA113 = hasattr(F, "_scaled_dot_product_attention")  # 1.13's (what plmscale's engine calls there)


def rotary(x, pos, inv_freq):
    # x [B, H, T, Dh], pos [B, T]
    freqs = pos[:, None, :, None].to(inv_freq.dtype) * inv_freq  # [B, 1, T, Dh/2]
    cos, sin = freqs.cos(), freqs.sin()
    cos = torch.cat((cos, cos), -1).to(x.dtype)
    sin = torch.cat((sin, sin), -1).to(x.dtype)
    x1, x2 = x.chunk(2, -1)
    return x * cos + torch.cat((-x2, x1), -1) * sin


class Block(nn.Module):
    def __init__(self, d, h, f):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, f)
        self.fc2 = nn.Linear(f, d)
        dh = d // h
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, dh, 2).float() / dh)), persistent=False)

    def forward(self, x, pos, mask, causal, varlen):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)  # [B, H, T, Dh] each
        q, k = rotary(q, pos, self.inv_freq), rotary(k, pos, self.inv_freq)
        if varlen is not None:
            a = varlen(q, k, v, causal)  # [B, H, T, Dh]
        elif HAS_SDPA:
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal and mask is None)
        elif HAS_SDPA113:
            a, _ = F._scaled_dot_product_attention(q, k, v, mask, 0.0, False, causal and mask is None)
        else:
            s = q @ k.transpose(-1, -2) / math.sqrt(D // self.h)  # [B, H, T, T]
            if mask is not None:
                s = s.masked_fill(~mask, float("-inf"))
            elif causal:
                s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
            a = s.softmax(-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B, T, D))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


def _init(m):
    if isinstance(m, (nn.Linear, nn.Embedding)):
        nn.init.normal_(m.weight, std=0.02)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)


class PlmRef(nn.Module):
    def __init__(self, layers, d, h, f, vocab=33):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=1)
        self.blocks = nn.ModuleList([Block(d, h, f) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.head_dense = nn.Linear(d, d)
        self.head_ln = nn.LayerNorm(d)
        self.head_bias = nn.Parameter(torch.zeros(vocab))
        self.apply(_init)  # ESM-2 / HF EsmPreTrainedModel init: N(0, 0.02) weights, zero biases, unit LayerNorms



    def forward(self, tokens, pos, seg, causal, varlen=None):
        B, T = tokens.shape
        x = self.emb(tokens)
        if varlen is not None or bool((seg == 0).all()):
            # one sequence per row (or varlen attention given cumulative lengths): no dense mask
            for b in self.blocks:
                x = b(x, pos, None, causal, varlen)
            return self.logits(x)
        allowed = (seg[:, :, None] == seg[:, None, :]) & (seg[:, None, :] >= 0)
        if causal:
            allowed = allowed & torch.ones(T, T, dtype=torch.bool, device=tokens.device).tril()
        allowed = allowed | torch.eye(T, dtype=torch.bool, device=tokens.device)  # padding rows attend to themselves
        mask = allowed[:, None]  # [B, 1, T, T] bool, True = may attend (as plmscale's mask)
        for b in self.blocks:
            x = b(x, pos, mask, False, None)
        return self.logits(x)

    def logits(self, x):
        x = self.head_ln(F.gelu(self.head_dense(self.ln_f(x))))
        return F.linear(x, self.emb.weight) + self.head_bias  # [B, T, V]


def make_optimizer(model, lr=6e-4, wd=0.01, fused=False):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]
    kw = {"fused": True} if fused else {}
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), eps=1e-8, **kw)


def span_attention(seg):
    """Attention within each sequence of packed rows, without the dense mask (plmscale's CPU path,
    src/model/span-attention.ts): seg [B, T] → varlen(q, k, v, causal) for PlmRef.forward. Each run of equal
    segment ids is one span; a padding run (id < 0) passes its value vectors through (each padding position
    attends only to itself under the mask)."""
    spans = []
    for row in seg.tolist():
        lens, pads, start = [], [], 0
        for i in range(1, len(row) + 1):
            if i < len(row) and row[i] == row[start]:
                continue
            lens.append(i - start)
            pads.append(row[start] < 0)
            start = i
        spans.append((lens, pads))

    def sdpa(q, k, v, causal):
        if HAS_SDPA:
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, causal)[0]

    def attend(q, k, v, causal):  # [B, H, T, Dh] each
        rows = []
        for b, (lens, pads) in enumerate(spans):
            parts = zip(q[b].split(lens, 1), k[b].split(lens, 1), v[b].split(lens, 1), pads)
            outs = [vv if pad else sdpa(qq, kk, vv, causal) for qq, kk, vv, pad in parts]
            rows.append(outs[0] if len(outs) == 1 else torch.cat(outs, 1))
        return torch.stack(rows)
    return attend


def train_step(model, opt, batch, causal, micro=1, spans=False):
    """One optimizer step over `micro` equal micro-batches; loss = mean over loss tokens. spans: attention
    within each sequence by span_attention instead of the dense block-diagonal mask."""
    tokens, pos, seg, target = batch
    opt.zero_grad(set_to_none=True)
    n = int((target != -100).sum())
    total = 0.0
    for t, p, s, y in zip(tokens.chunk(micro), pos.chunk(micro), seg.chunk(micro), target.chunk(micro)):
        logits = model(t, p, s, causal, span_attention(s) if spans and bool((s != 0).any()) else None)
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100, reduction="sum") / n
        loss.backward()
        total += float(loss.detach())
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return total

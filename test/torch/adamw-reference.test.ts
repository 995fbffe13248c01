// AdamW against an independent implementation: PyTorch's torch.optim.AdamW (Debian python3-torch) in a
// subprocess, on the same losses, two parameter groups (weight decay on one, an lr scale on the other) and a
// changing learning rate. The foreach path runs everywhere; the fused path (aten::_fused_adamw_) runs on CPU
// where this libtorch has a CPU kernel for it, and otherwise skips naming what is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as torch from "../../src/torch/index.js";
import { tensor, tidy, AdamW, fusedAdamWUnavailable, type DType } from "../../src/torch/index.js";

const PY = process.env.PLMSCALE_TEST_PYTHON ?? "/usr/bin/python3";
const hasPyTorch = spawnSync(PY, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
const noPython = !hasPyTorch && `${PY} cannot import torch (install python3-torch for the reference AdamW)`;

const SPEC = {
  p0: [[0.5, -1, 2], [1.5, -0.25, 0.75]],
  p1: [0.1, -0.3, 2.5, 1],
  wd0: 0.1,
  scale1: 0.5,
  betas: [0.9, 0.95],
  eps: 1e-8,
  lrs: [0.05, 0.04, 0.03, 0.02, 0.01, 0.05], // a schedule: opt.lr changes between steps
};

// loss = Σ ½ p0³ + Σ (p1 − 1)², the same on both sides
const REFERENCE = `
import json, sys, torch
s = json.load(sys.stdin)
dt = getattr(torch, s["dtype"])
p0 = torch.tensor(s["p0"], dtype=dt, requires_grad=True)
p1 = torch.tensor(s["p1"], dtype=dt, requires_grad=True)
opt = torch.optim.AdamW([{"params": [p0], "weight_decay": s["wd0"]}, {"params": [p1], "weight_decay": 0.0}],
                        lr=s["lrs"][0], betas=tuple(s["betas"]), eps=s["eps"])
out = []
for lr in s["lrs"]:
    opt.param_groups[0]["lr"] = lr
    opt.param_groups[1]["lr"] = lr * s["scale1"]
    opt.zero_grad()
    ((p0 ** 3 * 0.5).sum() + ((p1 - 1) ** 2).sum()).backward()
    opt.step()
    out.append(p0.detach().flatten().tolist() + p1.detach().tolist())
print(json.dumps(out))
`;

function reference(dtype: DType): number[][] {
  const r = spawnSync(PY, ["-c", REFERENCE], { input: JSON.stringify({ ...SPEC, dtype }), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`reference AdamW failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[][];
}

function ours(dtype: DType, impl: "foreach" | "fused"): number[][] {
  const p0 = torch.keep(tensor(SPEC.p0, { dtype, requiresGrad: true }));
  const p1 = torch.keep(tensor(SPEC.p1, { dtype, requiresGrad: true }));
  const opt = new AdamW([{ params: [p0], weightDecay: SPEC.wd0 }, { params: [p1], weightDecay: 0, lrScale: SPEC.scale1 }], {
    lr: SPEC.lrs[0], beta1: SPEC.betas[0], beta2: SPEC.betas[1], eps: SPEC.eps, impl,
  });
  assert.equal(opt.impl, impl);
  const out: number[][] = [];
  for (const lr of SPEC.lrs) {
    opt.lr = lr;
    tidy(() => p0.pow(3).mul(0.5).sum().add(p1.sub(1).square().sum()).backward());
    opt.step();
    opt.zeroGrad();
    out.push([...p0.toArray(), ...p1.toArray()]);
  }
  for (const t of [opt, p0, p1]) t.dispose();
  return out;
}

function assertClose(got: number[][], want: number[][], tol: number): void {
  assert.equal(got.length, want.length);
  got.forEach((row, step) =>
    row.forEach((x, i) => {
      const w = want[step]![i]!;
      assert.ok(Math.abs(x - w) <= tol * Math.max(1, Math.abs(w)), `step ${step + 1}, element ${i}: ${x} vs torch.optim.AdamW ${w}`);
    }),
  );
  // the parameters moved (a no-op optimizer cannot pass)
  assert.ok(Math.abs(got.at(-1)![0]! - SPEC.p0[0]![0]!) > 1e-3);
}

test("foreach AdamW matches torch.optim.AdamW (two groups, weight decay, lr scale, lr schedule)", { skip: noPython }, () => {
  assertClose(ours("float64", "foreach"), reference("float64"), 1e-12);
});

const noFused = fusedAdamWUnavailable("cpu");
test("fused AdamW (aten::_fused_adamw_) on CPU matches torch.optim.AdamW", { skip: noFused ?? noPython }, () => {
  assertClose(ours("float32", "fused"), reference("float32"), 1e-5);
});

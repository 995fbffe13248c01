// AdamW on the CPU runs its _foreach_ chain over cache-sized chunks of parameters (src/torch/optim.ts). With
// parameters larger than one chunk and one without a gradient in between, every parameter must still get its
// own gradient's update: checked against AdamW written out per element in float64.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { AdamW, tidy } from "../../src/torch/index.js";

test("CPU AdamW over several chunks updates each parameter from its own gradient", () => {
  const base = torch.liveTensorCount();
  const sizes = [150_000, 7, 200_000, 300_000, 5]; // 1 << 18 = 262,144 elements per chunk: 4 chunks
  torch.manualSeed(21);
  const params = sizes.map((n) => torch.keep(torch.randn([n]).requiresGrad_(true)));
  const lr = 0.01, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
  const opt = new AdamW([{ params: params.slice(0, 3), weightDecay: wd }, { params: params.slice(3), weightDecay: 0 }], { lr, beta1: b1, beta2: b2, eps, impl: "foreach" });
  const skip = 1; // parameter 1 gets no gradient in step 2: it must not move then
  const start = params.map((p) => Float64Array.from(p.data() as Float32Array));
  const ref = start.map((p) => ({ p: Float64Array.from(p), m: new Float64Array(p.length), v: new Float64Array(p.length), t: 0 }));
  for (let step = 1; step <= 2; step++) {
    tidy(() => {
      // loss = Σ_i (i + 1) · Σ p_i² / 2 → grad p_i = (i + 1) · p_i, different per parameter
      const terms = params.map((p, i) => (step === 2 && i === skip ? null : p.square().sum().mul((i + 1) / 2))).filter((x): x is torch.Tensor => x !== null);
      terms.reduce((a, b) => a.add(b)).backward();
    });
    ref.forEach((r, i) => {
      if (step === 2 && i === skip) return;
      r.t++;
      const decay = i < 3 ? wd : 0;
      for (let j = 0; j < r.p.length; j++) {
        const g = (i + 1) * r.p[j]!;
        r.p[j] = r.p[j]! * (1 - lr * decay);
        r.m[j] = b1 * r.m[j]! + (1 - b1) * g;
        r.v[j] = b2 * r.v[j]! + (1 - b2) * g * g;
        r.p[j] = r.p[j]! - (lr / (1 - b1 ** r.t)) * (r.m[j]! / (Math.sqrt(r.v[j]!) / Math.sqrt(1 - b2 ** r.t) + eps));
      }
    });
    opt.step();
    opt.zeroGrad();
  }
  params.forEach((p, i) => {
    const got = p.data() as Float32Array;
    if (i === skip) {
      // updated once in step 1 (by the reference), untouched in step 2
      got.forEach((x, j) => assert.ok(Math.abs(x - ref[i]!.p[j]!) <= 1e-5 * Math.max(1, Math.abs(ref[i]!.p[j]!)), `param ${i}[${j}]`));
      return;
    }
    let worst = 0;
    got.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - ref[i]!.p[j]!) / Math.max(1, Math.abs(ref[i]!.p[j]!)))));
    assert.ok(worst < 1e-5, `param ${i}: worst relative error ${worst}`);
    assert.ok(Math.abs(got[0]! - start[i]![0]!) > 1e-3, `param ${i} moved`);
  });
  opt.dispose();
  for (const p of params) p.dispose();
  assert.equal(torch.liveTensorCount(), base);
});

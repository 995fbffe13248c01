// Activation checkpointing (src/train/checkpointing.ts): the same loss and parameter gradients as the ordinary
// backward, for a packed CLM (block-diagonal causal mask) and an MLM, measured on live gradients.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { batchTensors, createModel } from "../../src/model/index.js";
import { checkpointedLossBackward } from "../../src/train/checkpointing.js";
import type { Batch } from "../../src/data/batch.js";

function batch(rows: number, T: number, seed: number): Batch {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31), s / 2 ** 31);
  const n = rows * T;
  const b: Batch = { rows, context: T, input: new Int32Array(n), target: new Int32Array(n).fill(-100), position: new Int32Array(n), segment: new Int32Array(n), realTokens: n, lossTokens: 0, sources: {} };
  for (let r = 0; r < rows; r++) {
    const cut = 5 + Math.floor(rnd() * (T - 10)); // two packed sequences per row
    for (let t = 0; t < T; t++) {
      const i = r * T + t;
      b.input[i] = t === 0 || t === cut ? 0 : 4 + Math.floor(rnd() * 20);
      b.position[i] = t < cut ? t : t - cut;
      b.segment[i] = t < cut ? 0 : 1;
      if (rnd() < 0.4) (b.target[i] = 4 + Math.floor(rnd() * 20)), b.lossTokens++;
    }
  }
  return b;
}

function grads(model: ReturnType<typeof createModel>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, p] of model.namedParameters()) {
    const g = p.grad;
    out.set(k, g ? Float32Array.from(g.data() as Float32Array) : new Float32Array(0));
    g?.dispose();
  }
  return out;
}

const BLOCKS = { esm2: { activation: "gelu", bias: true }, llama: { family: "llama", activation: "swiglu", bias: false } } as const;
for (const [family, block] of Object.entries(BLOCKS)) for (const objective of ["clm", "mlm"] as const) {
  test(`${objective} (${family}): checkpointed backward gives the ordinary loss and every parameter's gradient (1e-5 relative)`, () => {
    torch.manualSeed(11);
    const model = createModel(objective, { layers: 3, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 24, dropout: 0, ...block });
    model.train();
    const b = batch(3, 24, 5);
    const denom = b.lossTokens;
    const plain = torch.tidy(() => {
      const { inputs, target } = batchTensors(b, "cpu", model.causal);
      const l = model.lossSum(inputs, target);
      l.div(denom).backward();
      return l.item();
    });
    const g1 = grads(model);
    for (const p of model.parameters()) p.zeroGrad();
    const live = torch.liveTensorCount();
    const ck = torch.tidy(() => {
      const { inputs, target } = batchTensors(b, "cpu", model.causal);
      return checkpointedLossBackward(model, inputs, target, denom, false);
    });
    assert.equal(torch.liveTensorCount(), live, "no tensor handle outlives the call (each block's input gradient used to be kept)");
    const g2 = grads(model);
    assert.ok(Math.abs(plain - ck) <= 1e-5 * Math.abs(plain), `loss ${plain} vs ${ck}`);
    assert.equal(g1.size, g2.size);
    for (const [k, a] of g1) {
      const c = g2.get(k)!;
      assert.equal(c.length, a.length, `${k}: gradient present in both`);
      assert.ok(a.length > 0, `${k} has a gradient`);
      let diff = 0, scale = 0;
      for (let i = 0; i < a.length; i++) (diff = Math.max(diff, Math.abs(a[i]! - c[i]!))), (scale = Math.max(scale, Math.abs(a[i]!)));
      assert.ok(diff <= 1e-5 * scale + 1e-9, `${k}: max diff ${diff}, scale ${scale}`);
    }
    model.dispose();
  });
}

test("dropout > 0 is refused (a recomputed block would draw other masks)", () => {
  const model = createModel("clm", { layers: 1, dModel: 16, heads: 2, ffn: 32, vocab: 33, context: 8, activation: "gelu", bias: true, dropout: 0.1 });
  model.train();
  const b = batch(1, 8, 1);
  assert.throws(() => torch.tidy(() => {
    const { inputs, target } = batchTensors(b, "cpu", true);
    checkpointedLossBackward(model, inputs, target, 1, false);
  }), /dropout > 0 is not supported/);
  model.dispose();
});

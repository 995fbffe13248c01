import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { createModel, batchTensors } from "../../src/model/index.js";
import { packSequences, applyMlmMask, applyClmTargets, type Batch } from "../../src/data/batch.js";
import { IGNORE, encode, encodeResidues } from "../../src/data/tokenizer.js";
import { Rng } from "../../src/core/random.js";
import { segmentMaskData, attentionMask, deviceAttentionMask } from "../../src/model/mask.js";
import { nonEmbeddingParams, totalParams } from "../../src/scaling/shape.js";
import type { ModelConfig } from "../../src/model/config.js";

const CFG: ModelConfig = { layers: 2, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 24, activation: "gelu", bias: true, dropout: 0 };

function oneRow(ids: number[], T: number): Batch {
  const n = T;
  const input = new Int32Array(n).fill(1), position = new Int32Array(n), segment = new Int32Array(n).fill(-1);
  ids.forEach((id, i) => ((input[i] = id), (position[i] = i), (segment[i] = 0)));
  return { rows: 1, context: T, input, target: new Int32Array(n).fill(IGNORE), position, segment, realTokens: ids.length, lossTokens: 0, sources: {} };
}

function logitsOf(model: ReturnType<typeof createModel>, b: Batch): Float32Array {
  return torch.noGrad(() => torch.tidy(() => model.forward(batchTensors(b, "cpu", model.causal).inputs).data() as Float32Array));
}

test("parameter counts match src/scaling/shape.ts (N excludes the tied embedding and decoder bias)", () => {
  torch.manualSeed(0);
  const m = createModel("mlm", CFG);
  assert.equal(m.nonEmbeddingParams(), nonEmbeddingParams(CFG));
  assert.equal(m.numParameters(), totalParams(CFG));
  m.dispose();
});

test("CLM: logits at position t do not change when tokens after t change; MLM's do", () => {
  torch.manualSeed(1);
  const T = 20;
  const ids = Array.from({ length: T }, (_, i) => 4 + ((i * 7) % 20));
  const changed = ids.slice();
  for (let i = 12; i < T; i++) changed[i] = 4 + ((changed[i]! + 5) % 20);
  for (const objective of ["clm", "mlm"] as const) {
    const m = createModel(objective, { ...CFG, context: T });
    const a = logitsOf(m, oneRow(ids, T)), b = logitsOf(m, oneRow(changed, T));
    const V = 33;
    let maxBefore = 0;
    for (let i = 0; i < 12 * V; i++) maxBefore = Math.max(maxBefore, Math.abs(a[i]! - b[i]!));
    if (objective === "clm") assert.ok(maxBefore < 1e-5, `CLM leaked future tokens: ${maxBefore}`);
    else assert.ok(maxBefore > 1e-4, "MLM should see the whole sequence");
    m.dispose();
  }
});

test("MLM loss counts masked positions only", () => {
  torch.manualSeed(2);
  const m = createModel("mlm", { ...CFG, context: 32 });
  const { batch } = packSequences(["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIK"].map(encodeResidues), 2, 32);
  applyMlmMask(batch, new Rng(9), 0.3, [0.8, 0.1, 0.1]);
  assert.ok(batch.lossTokens > 0 && batch.lossTokens < batch.realTokens);
  const { loss, manual } = torch.noGrad(() =>
    torch.tidy(() => {
      const { inputs, target } = batchTensors(batch, "cpu", false);
      const loss = m.lossSum(inputs, target).item();
      const logp = m.forward(inputs).logSoftmax(-1).data() as Float32Array; // [B*T*V]
      let manual = 0;
      for (let t = 0; t < batch.target.length; t++) if (batch.target[t] !== IGNORE) manual -= logp[t * 33 + batch.target[t]!]!;
      return { loss, manual };
    }),
  );
  assert.ok(Math.abs(loss - manual) < 1e-3 * Math.abs(manual), `${loss} vs ${manual}`);
  m.dispose();
});

test("MLM loss through the head on target rows only: same loss and gradients as every row through it", () => {
  torch.manualSeed(3);
  const m = createModel("mlm", { ...CFG, context: 32 });
  const { batch } = packSequences(["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKWY"].map(encodeResidues), 2, 32);
  applyMlmMask(batch, new Rng(4), 0.15, [0.8, 0.1, 0.1]);
  const run = (sparse: boolean) =>
    torch.tidy(() => {
      const { inputs, target } = batchTensors(batch, "cpu", false);
      assert.ok(inputs.targetRows, "an MLM batch (15% masked) gets its target rows");
      assert.equal(inputs.targetRows!.numel, batch.lossTokens);
      const loss = m.lossSum(sparse ? inputs : { ...inputs, targetRows: null }, target);
      loss.backward();
      const grads = m.parameters().map((p) => p.grad!.clone());
      m.zeroGrad();
      return torch.keep({ loss: loss.item(), grads });
    });
  const dense = run(false), sparse = run(true);
  assert.ok(Math.abs(sparse.loss - dense.loss) < 1e-5 * Math.abs(dense.loss), `${sparse.loss} vs ${dense.loss}`);
  let worst = 0;
  sparse.grads.forEach((g, i) => (worst = Math.max(worst, g.sub(dense.grads[i]!).abs().max().item())));
  assert.ok(worst < 1e-5, `max |Δgrad| ${worst}`); // float32 sums in another order: ~1e-6
  torch.dispose([sparse.grads, dense.grads]);
  // a CLM batch (a target at nearly every position) keeps every row
  const clm = packSequences(["MKTAYIAKQRQISFVKSHFSRQ"].map(encodeResidues), 1, 32).batch;
  applyClmTargets(clm);
  torch.tidy(() => assert.equal(batchTensors(clm, "cpu", true).inputs.targetRows, null));
  m.dispose();
});

test("packed rows give the same per-sequence logits as one sequence per row (both objectives)", () => {
  torch.manualSeed(3);
  const T = 32;
  const letters = ["MKTAYIAKQRQ", "LLGACDE", "WYVHHK"];
  const seqs = letters.map(encode); // <cls> residues <eos>, for the one-sequence rows
  const { batch: packed } = packSequences(letters.map(encodeResidues), 1, T);
  applyClmTargets(packed);
  assert.equal(Math.max(...packed.segment), 2); // all three in one row
  for (const objective of ["clm", "mlm"] as const) {
    const m = createModel(objective, { ...CFG, context: T });
    const lp = logitsOf(m, packed);
    let off = 0;
    for (const s of seqs) {
      const alone = logitsOf(m, oneRow([...s], T));
      for (let i = 0; i < s.length * 33; i++) {
        assert.ok(Math.abs(lp[off * 33 + i]! - alone[i]!) < 1e-4, `${objective}: sequence at ${off} differs at ${i}`);
      }
      off += s.length;
    }
    m.dispose();
  }
});

test("segment mask: block diagonal, causal within blocks, padding only to itself", () => {
  const seg = new Int32Array([0, 0, 1, 1, 1, -1]);
  const full = segmentMaskData(seg, 1, 6, false), causal = segmentMaskData(seg, 1, 6, true);
  const row = (m: Uint8Array, i: number) => [...m.subarray(i * 6, i * 6 + 6)].join("");
  assert.equal(row(full, 0), "110000");
  assert.equal(row(full, 3), "001110");
  assert.equal(row(causal, 3), "001100");
  assert.equal(row(causal, 2), "001000");
  assert.equal(row(full, 5), "000001");
});

test("device-built mask equals the host-built one (packed rows, padding, causal and not)", () => {
  // rows of random packings: runs of 1..9 tokens with ids 0,1,2,…, then padding (−1) to the end of the row
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const B = 3, T = 40;
  const seg = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let t = 0, id = 0;
    const real = T - rand(12); // leave up to 11 padding slots
    while (t < real) {
      const len = Math.min(1 + rand(9), real - t);
      seg.fill(id++, b * T + t, b * T + t + len);
      t += len;
    }
    seg.fill(-1, b * T + real, (b + 1) * T);
  }
  assert.ok(seg.includes(-1) && seg.includes(3), "the layout has padding and several sequences");
  for (const causal of [false, true]) {
    // the tensor-op builder (what an accelerator uses) runs here on the CPU device
    const m = deviceAttentionMask(seg, B, T, causal, "cpu");
    assert.deepEqual(m.shape, [B, 1, T, T]);
    assert.equal(m.dtype, "bool");
    assert.deepEqual(m.bytes(), segmentMaskData(seg, B, T, causal), `causal=${causal}`);
    m.dispose();
    const h = attentionMask(seg, B, T, causal, "cpu")!; // the CPU path
    assert.deepEqual(h.bytes(), segmentMaskData(seg, B, T, causal));
    h.dispose();
  }
  assert.equal(attentionMask(new Int32Array(2 * T), 2, T, true, "cpu"), null, "one full sequence per row: no mask");
});

test("forward/backward leaves no tensors behind", () => {
  torch.manualSeed(4);
  const m = createModel("clm", CFG);
  const { batch } = packSequences(["MKTAYIAK", "LLG"].map(encodeResidues), 2, 24);
  applyClmTargets(batch);
  const step = () =>
    torch.tidy(() => {
      const { inputs, target } = batchTensors(batch, "cpu", true);
      m.lossSum(inputs, target).backward();
    });
  step();
  m.zeroGrad();
  const before = torch.liveTensorCount();
  for (let i = 0; i < 3; i++) {
    step();
    m.zeroGrad();
  }
  assert.equal(torch.liveTensorCount(), before);
  m.dispose();
});

test("on CUDA the model gets the device-built mask, equal to the host one", { skip: !torch.cuda.isAvailable() && "no CUDA device" }, () => {
  const seg = new Int32Array([0, 0, 1, 1, 1, -1, 0, 1, 2, 2, -1, -1]);
  for (const causal of [false, true]) {
    const m = attentionMask(seg, 2, 6, causal, "cuda")!;
    assert.equal(m.device, "cuda:0");
    assert.deepEqual(m.bytes(), segmentMaskData(seg, 2, 6, causal));
    m.dispose();
  }
});

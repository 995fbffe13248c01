// Span attention (src/model/span-attention.ts): packed CPU rows attend within each sequence without the dense
// mask. It must give the mask's logits, loss and gradients.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { createModel, batchTensors, type ModelInputs } from "../../src/model/index.js";
import { attentionMask, segmentSpans } from "../../src/model/mask.js";
import { packSequences, applyMlmMask, applyClmTargets, type Batch } from "../../src/data/batch.js";
import { encodeResidues } from "../../src/data/tokenizer.js";
import { Rng } from "../../src/core/random.js";
import type { ModelConfig } from "../../src/model/config.js";

const CFG: ModelConfig = { layers: 2, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 40, activation: "gelu", bias: true, dropout: 0 };

test("segmentSpans: one span per sequence and per padding run; null when an id comes back in a row", () => {
  const seg = new Int32Array([0, 0, 1, 1, 1, -1, -1, /* row 2 */ -1, 0, 0, 0, 1, 2, 2]);
  const s = segmentSpans(seg, 2, 7)!;
  assert.deepEqual(s.lengths, [[2, 3, 2], [1, 3, 1, 2]]);
  assert.deepEqual(s.pad, [[false, false, true], [true, false, false, false]]);
  assert.equal(segmentSpans(new Int32Array([0, 0, 1, 0]), 1, 4), null, "sequence 0 in two runs");
  assert.deepEqual(segmentSpans(new Int32Array([0, 0, 0, 0]), 1, 4)!.lengths, [[4]]);
});

/** rows of several sequences each, the last row part padding; targets for the objective */
function packedBatch(objective: "mlm" | "clm"): Batch {
  const rng = new Rng(5);
  const letters = "ACDEFGHIKLMNPQRSTVWY";
  // 83 tokens with <cls>/<eos>: rows of 40 hold 2, 3 and 2 sequences, each row ending in padding
  const seqs = [12, 8, 15, 5, 9, 14, 6].map((n) => encodeResidues(Array.from({ length: n }, () => letters[rng.int(letters.length)]!).join("")));
  const { batch } = packSequences(seqs, 3, CFG.context);
  if (objective === "clm") applyClmTargets(batch);
  else applyMlmMask(batch, rng, 0.3, [0.8, 0.1, 0.1]);
  return batch;
}

for (const objective of ["mlm", "clm"] as const) {
  test(`${objective}: span attention gives the dense mask's logits, loss and gradients`, () => {
    const base = torch.liveTensorCount();
    torch.manualSeed(11);
    const m = createModel(objective, CFG);
    const batch = packedBatch(objective);
    const spans = segmentSpans(batch.segment, batch.rows, batch.context)!;
    assert.ok(spans.pad.some((row) => row.includes(true)) && spans.lengths.every((row) => row.length >= 2), "packed rows with padding");
    const run = (layout: "spans" | "mask") =>
      torch.tidy(() => {
        const { inputs, target } = batchTensors(batch, "cpu", m.causal);
        const x: ModelInputs = { ...inputs, mask: layout === "spans" ? spans : attentionMask(batch.segment, batch.rows, batch.context, m.causal, "cpu") };
        const logits = m.forward(x).data() as Float32Array;
        const loss = m.lossSum(x, target);
        loss.backward();
        const grads = m.parameters().map((p) => p.grad!.data() as Float32Array);
        m.zeroGrad();
        return { logits, loss: loss.item(), grads };
      });
    const a = run("spans"), b = run("mask");
    assert.ok(Math.abs(a.loss - b.loss) <= 1e-5 * Math.abs(b.loss), `loss ${a.loss} vs ${b.loss}`);
    const maxAbs = (x: Float32Array, y: Float32Array) => x.reduce((mx, v, i) => Math.max(mx, Math.abs(v - y[i]!)), 0);
    assert.ok(maxAbs(a.logits, b.logits) < 1e-5, `logits differ by ${maxAbs(a.logits, b.logits)}`);
    a.grads.forEach((g, i) => {
      const scale = Math.max(1e-3, ...b.grads[i]!.map(Math.abs));
      assert.ok(maxAbs(g, b.grads[i]!) <= 1e-4 * scale, `gradient ${i} differs by ${maxAbs(g, b.grads[i]!)} (scale ${scale})`);
    });
    // the default CPU path is the span one, and it differs from attending across sequences
    const viaDefault = torch.tidy(() => {
      const { inputs } = batchTensors(batch, "cpu", m.causal);
      assert.equal(inputs.mask instanceof torch.Tensor, false, "CPU batchTensors gives spans");
      return m.forward(inputs).data() as Float32Array;
    });
    assert.deepEqual(viaDefault, a.logits);
    const unmasked = torch.tidy(() => m.forward({ ...batchTensors(batch, "cpu", m.causal).inputs, mask: null }).data() as Float32Array);
    assert.ok(maxAbs(unmasked, a.logits) > 1e-3, "attending across sequences changes the logits");
    m.dispose();
    assert.equal(torch.liveTensorCount(), base);
  });
}

test("with attention dropout in training, span inputs take the mask path (same random draws)", () => {
  torch.manualSeed(12);
  const m = createModel("mlm", { ...CFG, dropout: 0.2 });
  m.train();
  const batch = packedBatch("mlm");
  const lossWith = (layout: "spans" | "mask") =>
    torch.tidy(() => {
      const { inputs, target } = batchTensors(batch, "cpu", false);
      const mask = layout === "spans" ? segmentSpans(batch.segment, batch.rows, batch.context) : attentionMask(batch.segment, batch.rows, batch.context, false, "cpu");
      torch.manualSeed(99);
      return m.lossSum({ ...inputs, mask }, target).item();
    });
  assert.equal(lossWith("spans"), lossWith("mask"));
  m.dispose();
});

test("explicit attention weights refuse span inputs (they need the dense mask)", () => {
  torch.manualSeed(13);
  const m = createModel("mlm", CFG);
  const batch = packedBatch("mlm");
  const sink: torch.Tensor[] = [];
  assert.throws(
    () => torch.tidy(() => m.hidden({ ...batchTensors(batch, "cpu", false).inputs }, sink)),
    /need the dense mask/,
  );
  m.dispose();
});

import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { createModel, batchTensors } from "../../src/model/index.js";
import { clmLogLikelihood, pseudoLogLikelihood, maskedMarginals, parseMutations, embed, generate, sampleTopP } from "../../src/eval/index.js";
import { packSequences, applyClmTargets } from "../../src/data/batch.js";
import { encodeResidues } from "../../src/data/tokenizer.js";
import { Rng } from "../../src/core/random.js";
import type { ModelConfig } from "../../src/model/config.js";

const CFG: ModelConfig = { layers: 2, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 40, activation: "gelu", bias: true, dropout: 0 };
const SEQ = "MKTAYIAKQRQISFVKSH";

test("CLM log-likelihood equals minus the training loss of the same sequence", () => {
  torch.manualSeed(5);
  const m = createModel("clm", CFG).eval();
  const ll = clmLogLikelihood(m, SEQ);
  const { batch } = packSequences([encodeResidues(SEQ)], 1, 40);
  applyClmTargets(batch);
  const loss = torch.noGrad(() => torch.tidy(() => {
    const { inputs, target } = batchTensors(batch, "cpu", true);
    return m.lossSum(inputs, target).item();
  }));
  assert.equal(ll.tokens, SEQ.length + 1);
  assert.ok(Math.abs(ll.logLikelihood + loss) < 1e-3, `${ll.logLikelihood} vs ${-loss}`);
  assert.throws(() => pseudoLogLikelihood(createModel("clm", CFG), "A".repeat(60)), /exceeds the context/);
  m.dispose();
});

test("MLM pseudo-log-likelihood: batching the masked copies does not change it", () => {
  torch.manualSeed(6);
  const m = createModel("mlm", CFG).eval();
  const a = pseudoLogLikelihood(m, SEQ, 1), b = pseudoLogLikelihood(m, SEQ, 7);
  assert.equal(a.tokens, SEQ.length);
  assert.ok(a.logLikelihood < 0);
  assert.ok(Math.abs(a.logLikelihood - b.logLikelihood) < 1e-3);
  assert.throws(() => clmLogLikelihood(m, SEQ), /needs a CLM/);
  m.dispose();
});

test("masked marginals: zero for a synonymous change, additive over sites, checked against the wild type", () => {
  torch.manualSeed(7);
  for (const objective of ["mlm", "clm"] as const) {
    const m = createModel(objective, CFG).eval();
    const [same, ka, kg, both] = maskedMarginals(m, SEQ, ["K2K", "K2A", "K2G", "K2A:Q9R"]);
    const [q9r] = maskedMarginals(m, SEQ, ["Q9R"]);
    assert.equal(same, 0);
    assert.notEqual(ka, kg);
    assert.ok(Math.abs(both! - (ka! + q9r!)) < 1e-5);
    assert.throws(() => maskedMarginals(m, SEQ, ["A2G"]), /wild type has K/);
    m.dispose();
  }
  assert.deepEqual(parseMutations("A23G:K40R"), [{ wt: "A", position: 23, mut: "G" }, { wt: "K", position: 40, mut: "R" }]);
  assert.throws(() => parseMutations("23G"), /bad mutation/);
});

test("embeddings: mean of the per-residue states, dimension d", () => {
  torch.manualSeed(8);
  const m = createModel("mlm", CFG).eval();
  const e = embed(m, SEQ, { perResidue: true });
  assert.equal(e.perResidue!.length, SEQ.length);
  assert.equal(e.mean.length, 32);
  for (const j of [0, 5, 31]) {
    const avg = e.perResidue!.reduce((s, r) => s + r[j]!, 0) / SEQ.length;
    assert.ok(Math.abs(avg - e.mean[j]!) < 1e-5);
  }
  m.dispose();
});

test("generation: standard residues only, seeded, greedy when top-p is tiny; top-p keeps the nucleus", () => {
  torch.manualSeed(9);
  const m = createModel("clm", CFG).eval();
  const a = generate(m, { n: 3, maxLength: 20, seed: 1 }), b = generate(m, { n: 3, maxLength: 20, seed: 1 });
  assert.deepEqual(a, b);
  assert.equal(a.length, 3, "n samples");
  for (const s of a) assert.match(s, /^[LAGVSERTIDPKQNFYMHWC]{0,20}$/);
  const g = generate(m, { n: 2, maxLength: 10, topP: 1e-9, seed: 3 });
  assert.equal(g[0], g[1]); // greedy
  assert.ok(generate(m, { n: 1, maxLength: 5, prompt: "MK" })[0]!.startsWith("MK"));
  assert.ok(generate(m, { n: 1, maxLength: 5, prompt: "wc" })[0]!.startsWith("WC"), "the prompt is read by the tokenizer (lower case folds)");
  // X is in the vocabulary but sampling never emits it, so a prompt may not hold it either
  assert.throws(() => generate(m, { n: 1, maxLength: 5, prompt: "MXK" }), /prompt: 'X' is not a standard amino acid/);
  assert.throws(() => generate(m, { n: 1, maxLength: 5, prompt: "M1" }), /prompt: character '1' at position 2 is not in the protein alphabet/);
  const rng = new Rng(1);
  const p = Float64Array.from([0.6, 0.3, 0.1]);
  for (let i = 0; i < 50; i++) assert.equal(sampleTopP(p, 0.5, rng), 0);
  const seen = new Set(Array.from({ length: 200 }, () => sampleTopP(p, 0.85, rng)));
  assert.deepEqual([...seen].sort(), [0, 1]);
  assert.throws(() => generate(createModel("mlm", CFG)), /needs a CLM/);
  m.dispose();
});

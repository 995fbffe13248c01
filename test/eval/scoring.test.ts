// Variant scores and batched inference against explicit single forward passes (real libtorch, random-init models).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { createModel, type ProteinLM } from "../../src/model/index.js";
import { defaultConfig } from "../../src/train/config.js";
import { encode, MASK } from "../../src/data/tokenizer.js";
import { logProbsAt } from "../../src/eval/forward.js";
import { clmLogLikelihoodRatios, marginalScore, pseudoLogLikelihoods, siteLogProbs } from "../../src/eval/mutation-scores.js";
import { parseMutant, applySubstitutions } from "../../src/data/dms.js";
import { clmNll } from "../../src/eval/likelihood.js";

function model(objective: "mlm" | "clm", context: number): ProteinLM {
  torch.manualSeed(7);
  const cfg = { ...defaultConfig().model, layers: 2, dModel: 32, heads: 4, ffn: 64, context };
  const m = createModel(objective, cfg, "cpu");
  m.eval();
  return m;
}

/** One unpadded, unmasked forward pass of `ids` → log-probabilities [T][V]. */
function explicit(m: ProteinLM, ids: Int32Array): Float32Array[] {
  const T = ids.length, V = m.cfg.vocab;
  const flat = torch.noGrad(() => torch.tidy(() => m.forward({
    input: torch.tensor(ids, [1, T], { dtype: "int64" }),
    position: torch.tensor(Int32Array.from({ length: T }, (_, i) => i), [1, T], { dtype: "int64" }),
    mask: null,
  }).logSoftmax(-1).data() as Float32Array));
  return Array.from({ length: T }, (_, t) => flat.slice(t * V, (t + 1) * V));
}

const WT = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVV"; // 70 residues
const id = (aa: string) => encode(aa)[1]!;

test("masked marginals equal log p(mut) − log p(wt) from explicit masked passes, one per site, windowed", () => {
  for (const context of [128, 40]) { // 40 < 72 tokens: ProteinGym's optimal window applies
    const m = model("mlm", context);
    const subs = parseMutant("K8G:E24W", WT, 1);
    const table = siteLogProbs(m, WT, subs.map((s) => s.index), true);
    const ids = encode(WT);
    let expected = 0;
    for (const s of subs) {
      const t = s.index + 1;
      const [a, b] = context >= ids.length ? [0, ids.length] : [Math.max(0, t - 20), Math.max(0, t - 20) + 40];
      const x = ids.slice(a, b);
      x[t - a] = MASK;
      const lp = explicit(m, x)[t - a]!;
      expected += lp[id(s.mut)]! - lp[id(s.wt)]!;
    }
    const got = marginalScore(subs, table);
    assert.ok(Math.abs(got - expected) < 1e-4, `context ${context}: ${got} vs ${expected}`);
    m.dispose();
  }
});

test("batched padded rows give the same log-probabilities as single passes", () => {
  const m = model("mlm", 128);
  const rows = [WT.slice(0, 20), WT, WT.slice(5, 48)].map((s) => encode(s));
  const lp = logProbsAt(m, rows.map((ids) => ({ ids, read: [1, ids.length - 2] })));
  rows.forEach((ids, r) => {
    const ref = explicit(m, ids);
    [1, ids.length - 2].forEach((t, k) => {
      for (let v = 0; v < m.cfg.vocab; v++) assert.ok(Math.abs(lp[r]![k]![v]! - ref[t]![v]!) < 1e-4, `row ${r} pos ${t}`);
    });
  });
  m.dispose();
});

test("CLM log-likelihood ratio and MLM pseudo-log-likelihood equal explicit sums", () => {
  const c = model("clm", 128);
  const subs = parseMutant("A4P", WT, 1), mut = applySubstitutions(WT, subs);
  const ll = (s: string) => {
    const ids = encode(s), lp = explicit(c, ids);
    let x = 0;
    for (let t = 0; t + 1 < ids.length; t++) x += lp[t]![ids[t + 1]!]!;
    return x;
  };
  const [llr] = clmLogLikelihoodRatios(c, WT, [{ sequence: mut, substitutions: subs }]);
  assert.ok(Math.abs(llr! - (ll(mut) - ll(WT))) < 1e-3, `${llr} vs ${ll(mut) - ll(WT)}`);
  const [nll] = clmNll(c, [encode(WT).subarray(1, -1) as unknown as Uint8Array]);
  assert.ok(Math.abs(-nll!.nll - ll(WT)) < 1e-3);
  c.dispose();

  const m = model("mlm", 128);
  const short = WT.slice(0, 12), ids = encode(short);
  let pll = 0;
  for (let t = 1; t < ids.length - 1; t++) {
    const x = ids.slice();
    x[t] = MASK;
    pll += explicit(m, x)[t]![ids[t]!]!;
  }
  const [got] = pseudoLogLikelihoods(m, [short]);
  assert.ok(Math.abs(got! - pll) < 1e-4, `${got} vs ${pll}`);
  m.dispose();
});

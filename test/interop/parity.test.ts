// Parity of plmscale's exports with an independent implementation of transformers' semantics
// (test/interop/py/reference.py on python3-torch): EsmForMaskedLM and GPTNeoXForCausalLM logits within 1e-4 in
// fp32, greedy decoding identical. The check against the `transformers` package itself is bench/device-interop.py.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { exportHf } from "../../src/interop/export.js";
import { importModel } from "../../src/interop/import.js";
import { loadModel } from "../../src/eval/load.js";
import { encode, MASK, EOS } from "../../src/data/tokenizer.js";
import * as torch from "../../src/torch/index.js";
import type { ProteinLM } from "../../src/model/index.js";
import { SMALL, logitsOf, maxAbsDiff, pythonWithTorch, randomModel, referenceLogits, tmp, writeRun } from "./helpers.js";

const skip = pythonWithTorch() ? false : "python3 with torch (Debian python3-torch) is not installed";
const TOL = 1e-4;

function withMasks(seq: string, at: number[]): number[] {
  const ids = [...encode(seq)];
  for (const i of at) ids[i] = MASK;
  return ids;
}
const SEQS = [
  withMasks("MKTAYIAKQRQISFVKSHFSRQ", [3, 7, 8]),
  [...encode("GSHMLEDPVDAFQ")],
  withMasks("MDLSALRVEEVQNVINAMQKILECPICLELIKEPVSTKCDHIFCKFCMLKLLNQKKGPSQCPLCKNDITKRSLQESTRF", [5, 20, 21, 22, 40]),
];

for (const [name, cfg] of [
  ["2×32, 4 heads, token dropout", { ...SMALL, tokenDropout: true }],
  ["3×48, 6 heads, no token dropout", { ...SMALL, layers: 3, dModel: 48, heads: 6, ffn: 96, context: 96 }],
  ["1×64, 2 heads, no biases, token dropout", { ...SMALL, layers: 1, dModel: 64, heads: 2, ffn: 128, bias: false, context: 96, tokenDropout: true }],
] as const) {
  test(`MLM export ${name}: EsmForMaskedLM reference logits within ${TOL}`, { skip }, (t) => {
    const dir = tmp("plmscale-parity-");
    const model = randomModel("mlm", cfg, 11);
    writeRun(join(dir, "run"), "mlm", model);
    exportHf(join(dir, "run"), join(dir, "hf"), { version: "test" });
    const ref = referenceLogits(join(dir, "hf"), dir, SEQS);
    let worst = 0;
    SEQS.forEach((ids, i) => (worst = Math.max(worst, maxAbsDiff(logitsOf(model, ids), ref.logits[i]!))));
    t.diagnostic(`max |Δlogit| = ${worst.toExponential(2)}`);
    assert.ok(worst < TOL, `max |Δlogit| ${worst}`);
    model.dispose();
  });
}

function greedy(model: ProteinLM, prompt: number[], maxNew: number): number[] {
  const ids = [...prompt];
  for (let i = 0; i < maxNew; i++) {
    const l = logitsOf(model, ids);
    const last = l.subarray(l.length - 33);
    let best = 0;
    for (let v = 1; v < 33; v++) if (last[v]! > last[best]!) best = v;
    ids.push(best);
    if (best === EOS) break;
  }
  return ids;
}

for (const [name, cfg] of [
  ["2×32, 4 heads", { ...SMALL, head: "linear" }],
  ["3×48, 3 heads, no biases", { ...SMALL, layers: 3, dModel: 48, heads: 3, ffn: 192, bias: false, head: "linear", context: 96 }],
] as const) {
  test(`CLM export ${name}: GPTNeoXForCausalLM reference logits within ${TOL}, greedy decoding identical`, { skip }, (t) => {
    const dir = tmp("plmscale-parity-");
    const model = randomModel("clm", cfg, 12);
    writeRun(join(dir, "run"), "clm", model);
    exportHf(join(dir, "run"), join(dir, "hf"), { version: "test" });
    const seqs = SEQS.map((s) => s.map((x) => (x === MASK ? 5 : x)));
    const prompt = [...encode("MKT")].slice(0, -1);
    const ref = referenceLogits(join(dir, "hf"), dir, seqs, { prompt, maxNew: 20 });
    let worst = 0;
    seqs.forEach((ids, i) => (worst = Math.max(worst, maxAbsDiff(logitsOf(model, ids), ref.logits[i]!))));
    t.diagnostic(`max |Δlogit| = ${worst.toExponential(2)}`);
    assert.ok(worst < TOL, `max |Δlogit| ${worst}`);
    const ours = greedy(model, prompt, 20);
    assert.ok(ours.length > prompt.length + 3);
    assert.deepEqual(ref.greedy, ours);
    model.dispose();
  });
}

test("bf16 export: the reference on the bf16 weights matches the model imported from them", { skip }, (t) => {
  const dir = tmp("plmscale-parity-");
  const model = randomModel("mlm", { ...SMALL, tokenDropout: true }, 13);
  writeRun(join(dir, "run"), "mlm", model);
  exportHf(join(dir, "run"), join(dir, "hf"), { version: "test", dtype: "bfloat16" });
  importModel(join(dir, "hf"), join(dir, "back"), { version: "test" });
  const back = loadModel(join(dir, "back")).model;
  const ref = referenceLogits(join(dir, "hf"), dir, SEQS);
  let worst = 0, vsOriginal = 0;
  SEQS.forEach((ids, i) => {
    worst = Math.max(worst, maxAbsDiff(logitsOf(back, ids), ref.logits[i]!));
    vsOriginal = Math.max(vsOriginal, maxAbsDiff(logitsOf(model, ids), ref.logits[i]!));
  });
  t.diagnostic(`max |Δlogit| = ${worst.toExponential(2)} (bf16 rounding moves logits by ${vsOriginal.toExponential(2)})`);
  assert.ok(worst < TOL, `max |Δlogit| ${worst}`);
  assert.ok(vsOriginal > 10 * TOL, "bf16 rounding should be visible against the fp32 original (else this test checks nothing)");
  back.dispose();
  model.dispose();
  void torch;
});

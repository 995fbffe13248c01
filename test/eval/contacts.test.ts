import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as torch from "../../src/torch/index.js";
import { createModel } from "../../src/model/index.js";
import { encode } from "../../src/data/tokenizer.js";
import { attentionMaps } from "../../src/eval/attention-maps.js";
import { symmetrizeApc, contactPrecision, runContactsTask } from "../../src/eval/contacts.js";
import { fitL1Logistic } from "../../src/eval/logistic-l1.js";
import { Rng } from "../../src/core/random.js";
import type { ModelConfig } from "../../src/model/config.js";
import { FIXTURES } from "../data/helpers.js";

const CFG: ModelConfig = { layers: 2, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 80, activation: "gelu", bias: true, dropout: 0 };
const SEQ = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ";

function hidden(m: ReturnType<typeof createModel>, sink?: torch.Tensor[]): Float32Array {
  const ids = encode(SEQ), T = ids.length;
  return torch.noGrad(() => torch.tidy(() => m.hidden({
    input: torch.tensor(ids, [1, T], { dtype: "int64" }),
    position: torch.arange(0, T).unsqueeze(0),
    mask: null,
  }, sink).data() as Float32Array));
}

test("explicit attention path gives the fused path's output; its weights are distributions (causal for the CLM)", () => {
  for (const objective of ["mlm", "clm"] as const) {
    torch.manualSeed(11);
    const m = createModel(objective, CFG).eval();
    const sink: torch.Tensor[] = [];
    const fused = hidden(m), explicit = hidden(m, sink);
    let maxDiff = 0;
    for (let i = 0; i < fused.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fused[i]! - explicit[i]!));
    assert.ok(maxDiff < 1e-4, `${objective}: max |fused − explicit| = ${maxDiff}`);
    assert.equal(sink.length, CFG.layers);
    for (const t of sink) t.dispose();
    const a = attentionMaps(m, SEQ);
    const L = SEQ.length;
    assert.equal(a.maps.length, CFG.layers * CFG.heads * L * L);
    // rows over residues sum to 1 minus the mass on <cls>/<eos> (dropped columns): in (0, 1]
    let upper = 0;
    for (let c = 0; c < CFG.layers * CFG.heads; c++) for (let i = 0; i < L; i++) {
      let s = 0;
      for (let j = 0; j < L; j++) {
        s += a.maps[(c * L + i) * L + j]!;
        if (j > i) upper += a.maps[(c * L + i) * L + j]!;
      }
      assert.ok(s > 0 && s <= 1 + 1e-5);
    }
    if (objective === "clm") assert.equal(upper, 0);
    else assert.ok(upper > 0);
    m.dispose();
  }
});

test("symmetrise + APC on a hand-computed 3×3 map", () => {
  // A = [[0,1,2],[3,0,1],[0,2,0]] → S = A + Aᵀ = [[0,4,2],[4,0,3],[2,3,0]], row sums 6, 7, 5, total 18;
  // APC_ij = S_ij − r_i r_j / 18
  const out = symmetrizeApc(Float32Array.from([0, 1, 2, 3, 0, 1, 0, 2, 0]), 1, 3);
  const want = [-2, 5 / 3, 1 / 3, 5 / 3, -49 / 18, 19 / 18, 1 / 3, 19 / 18, -25 / 18];
  want.forEach((w, k) => assert.ok(Math.abs(out[k]! - w) < 1e-5, `entry ${k}: ${out[k]} vs ${w}`));
  // a second channel is processed independently
  const two = symmetrizeApc(Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 1, 0, 2, 0]), 2, 3);
  assert.ok(Math.abs(two[9 + 4]! - -49 / 18) < 1e-5 && two[0] === 0);
});

test("P@L, P@L/2, P@L/5 per range on a constructed 30-residue map", () => {
  const L = 30, scores = new Float64Array(L * L), labels = new Int8Array(L * L);
  let k = 0;
  for (let i = 0; i < L; i++) for (let j = i + 24; j < L; j++) scores[i * L + j] = 0.5 - 0.001 * k++; // 21 long pairs
  const set = (i: number, j: number, s: number, lab: number) => ((scores[i * L + j] = s), (labels[i * L + j] = lab));
  set(0, 24, 0.9, 1), set(0, 25, 0.8, 1), set(1, 25, 0.1, 1), set(5, 29, 0.05, 1);
  set(0, 6, 1.0, -1); // unknown label: excluded even though it scores highest
  set(0, 7, 0.95, 1);
  scores[24 * L + 0] = 100; // lower triangle is not read
  const p = contactPrecision(scores, labels, L);
  assert.deepEqual(p.long, { "P@L": 4 / 21, "P@L/2": 2 / 15, "P@L/5": 2 / 6 });
  assert.deepEqual(p.short, { "P@L": 1 / 30, "P@L/2": 1 / 15, "P@L/5": 1 / 6 });
  assert.deepEqual(p.medium, { "P@L": 0, "P@L/2": 0, "P@L/5": 0 });
});

test("L1 logistic regression: finds the informative features, zeroes the noise, and is optimal", () => {
  const N = 4000, C = 6, rng = new Rng(3);
  const x = new Float32Array(N * C), y = new Uint8Array(N);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) x[n * C + c] = gauss() * (c + 1); // different scales
    const z = 2 * x[n * C]! - 1.5 * (x[n * C + 1]! / 2) + 0.3;
    y[n] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const m = fitL1Logistic(x, y, C, { l1: 0.02, iterations: 500 });
  assert.ok(m.weights[0]! > 1 && m.weights[1]! < -0.4, `weights ${m.weights}`);
  assert.deepEqual(m.weights.slice(2).map((w) => w === 0), [true, true, true, true], `noise weights ${m.weights}`);
  const strong = fitL1Logistic(x, y, C, { l1: 10 });
  assert.equal(strong.nonZero, 0);
  const none = fitL1Logistic(x, y, C, { l1: 0, iterations: 500 });
  assert.ok(none.nonZero === C && none.objective < m.objective, `${none.objective} vs ${m.objective}`);
});

test("contacts task on real structures: train/test split, per-structure precisions, mean over test only", async () => {
  torch.manualSeed(12);
  const m = createModel("mlm", { ...CFG, context: 64 }).eval();
  const files = ["6qji_p_trunc.pdb", "1aap_remod_p.pdb"].map((f) => join(FIXTURES, "structures", f));
  const r = await runContactsTask({ model: m, structures: files, train: 1 });
  assert.equal(r.items.length, 2);
  assert.equal(r.channels, CFG.layers * CFG.heads);
  const test = r.items.filter((x) => x.split === "test");
  assert.equal(test.length, 1);
  // one unit everywhere (percent): the mean of one test structure is that structure's precision, key for key
  assert.equal(r.unit, "percent");
  assert.deepEqual(r.mean, test[0]!.precision);
  // 6qji has 66 residues > context 62: cropped and said so
  const cropped = r.items.find((x) => x.file.includes("6qji"))!;
  assert.equal(cropped.length, 62);
  assert.ok(cropped.skipped.some((s) => /cropped to the first 62 of 66/.test(s)));
  for (const it of r.items) for (const range of ["short", "medium", "long"] as const) {
    const v = it.precision[range]["P@L"];
    assert.ok(v >= 0 && v <= 100 && (v === 0 || v > 1 || Number.isNaN(v)), `${it.file} ${range} ${v}`);
  }
  assert.equal(r.regression.weights.length, r.channels);
  await assert.rejects(runContactsTask({ model: m, structures: files.slice(0, 1) }), /at least one training and one test structure/);
  // interrupted after the first structure, resumed from what onItem saw: the same result, nothing redone
  const ac = new AbortController();
  const seen: typeof r.items = [];
  let reg: typeof r.regression | undefined;
  await assert.rejects(runContactsTask({ model: m, structures: files, train: 1, signal: ac.signal, onItem: (it, g) => (seen.push(it), (reg = g), ac.abort()) }), /interrupted/);
  assert.equal(seen.length, 1);
  const redone: string[] = [];
  const resumed = await runContactsTask({ model: m, structures: files, train: 1, previous: { regression: reg!, items: seen }, onItem: (it) => redone.push(it.file) });
  assert.deepEqual(redone, r.items.map((x) => x.file).filter((f) => f !== seen[0]!.file));
  assert.deepEqual(resumed.mean, r.mean);
  assert.deepEqual(resumed.items, r.items);
  m.dispose();
});

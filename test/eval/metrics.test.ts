// Known-answer tests of the ProteinGym metrics: Spearman / AUC / MCC against Debian's python3-scipy and
// python3-sklearn on tied data, NDCG@10% and top-10% recall against values worked out by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mccAtMedian, ndcg, rankdata, rocAuc, spearman, topRecall } from "../../src/eval/metrics.js";
import { percentile } from "../../src/core/stats.js";
import { binLabels, binOf } from "../../src/eval/perplexity.js";
import { optimalWindow } from "../../src/eval/mutation-scores.js";

const PY = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

function data(n: number, seed: number): { y: number[]; s: number[]; bin: number[] } {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  // rounded values so both sides have ties
  const y = Array.from({ length: n }, () => Math.round(rnd() * 20) / 4);
  const s = y.map((v) => Math.round((v + rnd() * 6 - 3) * 2) / 2);
  return { y, s, bin: y.map((v) => (v >= 2.5 ? 1 : 0)) };
}

test("Spearman, AUC and MCC-at-median agree with scipy and sklearn on tied data", (t) => {
  const cases = [data(200, 1), data(57, 2), data(1000, 3)];
  const script = `
import json, sys
import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score, matthews_corrcoef
out = []
for c in json.load(sys.stdin):
    y, s, b = np.array(c["y"]), np.array(c["s"]), np.array(c["bin"])
    out.append([spearmanr(y, s)[0], roc_auc_score(b, s), matthews_corrcoef(b, (s >= np.median(s)).astype(int))])
print(json.dumps(out))`;
  const r = spawnSync(PY, ["-c", script], { input: JSON.stringify(cases), encoding: "utf8" });
  if (r.status !== 0) {
    t.skip(`python3-scipy / python3-sklearn not available: ${r.stderr.trim().split("\n").pop()}`);
    return;
  }
  const ref = JSON.parse(r.stdout) as number[][];
  cases.forEach((c, i) => {
    assert.ok(Math.abs(spearman(c.y, c.s) - ref[i]![0]!) < 1e-12, `spearman ${spearman(c.y, c.s)} vs scipy ${ref[i]![0]}`);
    assert.ok(Math.abs(rocAuc(c.bin, c.s) - ref[i]![1]!) < 1e-12, `auc ${rocAuc(c.bin, c.s)} vs sklearn ${ref[i]![1]}`);
    assert.ok(Math.abs(mccAtMedian(c.bin, c.s) - ref[i]![2]!) < 1e-12, `mcc ${mccAtMedian(c.bin, c.s)} vs sklearn ${ref[i]![2]}`);
  });
});

test("rank helpers and percentile by hand", () => {
  assert.deepEqual(Array.from(rankdata([10, 20, 10, 30])), [1.5, 3, 1.5, 4]);
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.ok(Math.abs(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) - 9.1) < 1e-12);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
});

test("NDCG@10% as ProteinGym's calc_ndcg, by hand", () => {
  const truth = Array.from({ length: 20 }, (_, i) => i + 1); // gains (t − 1)/19, k = ⌊20·0.1⌋ = 2
  // the model puts true 18 first and true 20 second
  const model = truth.map((t) => (t === 18 ? 100 : t === 20 ? 99 : -t));
  const dcg = 17 / 19 / Math.log2(2) + 19 / 19 / Math.log2(3);
  const idcg = 19 / 19 / Math.log2(2) + 18 / 19 / Math.log2(3);
  assert.ok(Math.abs(ndcg(truth, model) - dcg / idcg) < 1e-12, `${ndcg(truth, model)} vs ${dcg / idcg}`);
  assert.equal(ndcg(truth, truth), 1);
  // the model's top 2 are the two lowest true scores: gain 0 and 1/19
  const reversed = truth.map((t) => -t);
  assert.ok(Math.abs(ndcg(truth, reversed) - (1 / 19 / Math.log2(3)) / idcg) < 1e-12);
});

test("top-10% recall as ProteinGym's calc_toprecall, by hand", () => {
  const truth = Array.from({ length: 20 }, (_, i) => i + 1); // 90th percentile 18.1 → true top = {19, 20}
  const model = truth.map((t) => (t === 20 ? 50 : t === 5 ? 49 : 0)); // 90th pct of model = 0 → model top {20, 5}
  assert.equal(topRecall(truth, model), 0.5);
  assert.equal(topRecall(truth, truth), 1);
});

test("identity bins and ProteinGym's optimal window", () => {
  assert.deepEqual(binLabels([0.5, 0.9]), ["<0.5", "0.5–0.9", "≥0.9"]);
  assert.deepEqual([0, 0.49, 0.5, 0.89, 0.9, 1].map((x) => binOf(x, [0.5, 0.9])), [0, 0, 1, 1, 2, 2]);
  // get_optimal_window(pos, len, 1024)
  assert.deepEqual(optimalWindow(10, 800, 1024), [0, 800]);
  assert.deepEqual(optimalWindow(100, 3000, 1024), [0, 1024]);
  assert.deepEqual(optimalWindow(2900, 3000, 1024), [1976, 3000]);
  assert.deepEqual(optimalWindow(1500, 3000, 1024), [988, 2012]);
});

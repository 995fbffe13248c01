// The transfer-law pipeline as a library function: on synthetic pairs built from a known scratch law and a
// known D_t = k·D_F^α·N^β it recovers D_t per pair and the law's exponents; given a law it uses it as is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyseTransfer, lawFromJson } from "../../src/scaling/transfer-analysis.js";
import { predictLoss } from "../../src/scaling/parametric.js";
import type { RunRow } from "../../src/scaling/runs-table.js";

const LAW = { E: 1.9, A: 300, B: 800, alpha: 0.33, beta: 0.3 };
const TRUE = { k: 40, alpha: 0.45, beta: 0.3 };

function table(): RunRow[] {
  const rows: RunRow[] = [];
  for (const N of [1e6, 3e6, 1e7, 3e7]) {
    for (const D of [2e8, 6e8, 2e9]) {
      const Dt = TRUE.k * D ** TRUE.alpha * N ** TRUE.beta;
      rows.push({ objective: "mlm", N, D, C: 6 * N * D, loss: predictLoss(LAW, N, D), extra: {} });
      rows.push({ objective: "mlm", N, D, C: 6 * N * D, loss: predictLoss(LAW, N, D + Dt), extra: { init: "clm" } });
    }
  }
  rows.push({ objective: "clm", N: 1e6, D: 1e9, C: 6e15, loss: 2.7, extra: {} }); // ignored
  return rows;
}

test("with the true scratch law given, D_t per pair and the law's exponents are recovered", async () => {
  const a = await analyseTransfer(table(), { law: LAW, source: "truth" });
  assert.equal(a.points.length, 12);
  assert.equal(a.lawSource, "truth");
  for (const p of a.points) {
    const want = TRUE.k * p.DF ** TRUE.alpha * p.N ** TRUE.beta;
    assert.ok(Math.abs(p.Dt! / want - 1) < 1e-6, `N=${p.N} D=${p.DF}: D_t ${p.Dt} vs ${want}`);
  }
  assert.ok(Math.abs(a.fit!.alpha - TRUE.alpha) < 1e-6 && Math.abs(a.fit!.beta - TRUE.beta) < 1e-6 && Math.abs(a.fit!.k / TRUE.k - 1) < 1e-4);
});

test("without a law, the scratch runs are fitted first and D_t still comes out close", async () => {
  const a = await analyseTransfer(table());
  assert.match(a.lawSource, /parametric fit of 12 from-scratch MLM runs/);
  assert.ok(Math.abs(a.fit!.alpha - TRUE.alpha) < 0.05, `α ${a.fit!.alpha}`);
});

test("no pairs, too few scratch runs and a malformed law are user errors that say what to do", async () => {
  const onlyScratch = table().filter((r) => r.extra.init === undefined);
  await assert.rejects(analyseTransfer(onlyScratch), /no transfer pairs: the table needs MLM runs with init=clm/);
  const few = table().filter((r) => r.extra.init === "clm" || r.N === 1e6);
  await assert.rejects(analyseTransfer(few), /only 3 from-scratch MLM runs .*pass --law FILE/);
  assert.throws(() => lawFromJson({ fit: { E: 1, A: 2, B: 3, alpha: 0.3 } }, "--law x.json"), /--law x\.json: missing number 'beta'/);
  assert.deepEqual(lawFromJson({ E: 1, A: 2, B: 3, alpha: 0.3, beta: 0.2 }, "x"), { E: 1, A: 2, B: 3, alpha: 0.3, beta: 0.2 });
});

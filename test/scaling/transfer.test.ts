import { test } from "node:test";
import assert from "node:assert/strict";
import { predictLoss, type ParametricLaw } from "../../src/scaling/parametric.js";
import type { RunRow } from "../../src/scaling/runs-table.js";
import { fitTransferLaw, pairRuns, planJoint, predictTransferred, transferredTokens } from "../../src/scaling/transfer.js";

const LAW: ParametricLaw = { E: 1.8, A: 300, B: 500, alpha: 0.33, beta: 0.3 };
const K = 2e3, AL = 0.45, BE = 0.3;

// Transfer runs whose loss is the scratch law at D_F + D_t, with D_t = K·D_F^AL·N^BE exactly.
function pairs(): RunRow[] {
  const rows: RunRow[] = [];
  for (const N of [1e7, 3e7, 1e8]) for (const DF of [1e8, 1e9, 1e10]) {
    const Dt = K * DF ** AL * N ** BE;
    rows.push({ objective: "mlm", N, D: DF, C: 6 * N * DF, loss: predictLoss(LAW, N, DF), extra: { init: "scratch" } });
    rows.push({ objective: "mlm", N, D: DF, C: 6 * N * DF, loss: predictLoss(LAW, N, DF + Dt), extra: { init: "clm" } });
  }
  return rows;
}

test("pairs match by N and D; D_t recovered per pair; the law D_t = k·D_F^α·N^β recovered", () => {
  const ps = pairRuns(pairs());
  assert.equal(ps.length, 9);
  const pts = ps.map((p) => transferredTokens(p, LAW));
  for (const p of pts) {
    const want = K * p.DF ** AL * p.N ** BE;
    assert.ok(Math.abs(p.Dt! / want - 1) < 1e-6, `${p.Dt} vs ${want}`);
  }
  const law = fitTransferLaw(pts);
  assert.ok(Math.abs(law.alpha - AL) < 1e-6 && Math.abs(law.beta - BE) < 1e-6 && Math.abs(law.k / K - 1) < 1e-4, JSON.stringify(law));
  assert.ok(Math.abs(predictTransferred(law, 1e9, 3e7) / (K * 1e9 ** AL * 3e7 ** BE) - 1) < 1e-4);
});

test("explicit pair column; no benefit and unreachable losses are reported, not fitted", () => {
  const r = (loss: number, init: string, pair: string): RunRow => ({ objective: "mlm", N: 1e7, D: 1e9, C: 6e16, loss, extra: { init, pair } });
  const ps = pairRuns([r(2.5, "scratch", "a"), r(2.6, "clm", "a"), r(2.5, "", "b"), r(1.0, "runs/clm1", "b")]);
  assert.equal(ps.length, 2);
  const worse = transferredTokens(ps[0]!, LAW);
  assert.equal(worse.Dt, undefined);
  assert.match(worse.note!, /no transfer benefit|below/);
  assert.match(transferredTokens(ps[1]!, LAW).note!, /below what the scratch law can reach/);
  assert.throws(() => fitTransferLaw([worse]), /at least 3 pairs/);
  // result.json style: init null (scratch) or an object (transfer)
  const j = (init: unknown): RunRow => ({ objective: "mlm", N: 1e7, D: 1e9, C: 6e16, loss: 2, extra: { init } });
  assert.equal(pairRuns([j(null), j({ from: "runs/clm", objective: "clm" })]).length, 1);
});

test("one model size: β fixed at 0 with a note", () => {
  const pts = [1e8, 1e9, 1e10].map((DF) => ({ N: 1e7, DF, lossScratch: 2, lossTransfer: 1.9, Dt: 10 * DF ** 0.5 }));
  const law = fitTransferLaw(pts);
  assert.equal(law.beta, 0);
  assert.ok(Math.abs(law.alpha - 0.5) < 1e-9);
  assert.match(law.warnings[0]!, /one model size/);
});

test("joint budget: CLM share, same N, pair cost against two from-scratch runs", () => {
  const j = planJoint(1e21, 1e9, 0.15);
  assert.ok(Math.abs(j.clm.C - 1.5e20) < 1e6 && Math.abs(j.mlm.C - 8.5e20) < 1e6);
  // D = C / 6N for each part: 1.5e20 / 6e9 and 8.5e20 / 6e9
  assert.ok(Math.abs(j.clm.D / 2.5e10 - 1) < 1e-12 && Math.abs(j.mlm.D / (8.5e20 / 6e9) - 1) < 1e-12, `${j.clm.D} ${j.mlm.D}`);
  assert.equal(j.pairCost.scratch, 1.15e21);
  assert.ok(Math.abs(j.pairCost.saving - 0.15 / 1.15) < 1e-12);
  assert.ok(j.notes.some((n) => /no transfer law/.test(n)));
  assert.ok(planJoint(1e21, 1e9, 0.4).notes.some((n) => /outside that range/.test(n)));
  assert.throws(() => planJoint(1e21, 1e9, 1.2), /fraction/);
  const withLaw = planJoint(1e21, 1e9, 0.15, { transferLaw: { k: K, alpha: AL, beta: BE, points: 9, r2: 1, warnings: [] }, mlmLaw: LAW });
  // the laws written out: D_eff = D_F + k·D_F^α·N^β; L = E + A/N^α + B/D^β (scratch on the whole budget, D = C/6N)
  const dF = 8.5e20 / 6e9, eff = dF + K * dF ** AL * 1e9 ** BE;
  const close = (x: number, y: number) => assert.ok(Math.abs(x / y - 1) < 1e-12, `${x} vs ${y}`);
  close(withLaw.effectiveMlmTokens!, eff);
  close(withLaw.predictedLoss!.transfer, 1.8 + 300 / 1e9 ** 0.33 + 500 / eff ** 0.3);
  close(withLaw.predictedLoss!.scratch, 1.8 + 300 / 1e9 ** 0.33 + 500 / (1e21 / 6e9) ** 0.3);
});

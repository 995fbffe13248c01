import { test } from "node:test";
import assert from "node:assert/strict";
import { fitEnvelope, lossAt } from "../../src/scaling/envelope.js";
import type { LossCurve } from "../../src/scaling/runs-table.js";
import { logspace } from "../../src/scaling/synthetic.js";

// Each run i touches the frontier L* = 3·(C/8.64e19)^−0.05 at its own compute C_i and lies above it elsewhere;
// its size is N_i = 0.1·C_i^0.5, so the envelope's N_opt law has a = 0.5.
function curves(): LossCurve[] {
  return logspace(1e17, 1e21, 9).map((Ci, i) => ({
    run: `r${i}`,
    N: 0.1 * Ci ** 0.5,
    points: logspace(Ci / 30, Ci * 30, 60).map((C) => ({
      flops: C,
      loss: 3 * (C / 8.64e19) ** -0.05 * (1 + 0.02 * Math.log(C / Ci) ** 2),
    })),
  }));
}

test("the envelope follows the frontier exponent and the frontier runs' sizes", () => {
  const f = fitEnvelope(curves(), { points: 80 });
  assert.ok(Math.abs(f.gamma + 0.05) < 0.003, `gamma ${f.gamma}`);
  assert.ok(Math.abs(f.kL / 3 - 1) < 0.01, `kL ${f.kL}`);
  for (const p of f.envelope.filter((q) => q.C >= 1e17 && q.C <= 1e21)) {
    assert.ok(Math.abs(p.loss / (3 * (p.C / 8.64e19) ** -0.05) - 1) < 0.01, `envelope at ${p.C}`);
  }
  assert.ok(f.a !== undefined && Math.abs(f.a - 0.5) < 0.01, `a ${f.a}`);
  assert.equal(f.frontierRuns.length, 9);
  // every envelope point is the minimum over runs at that compute
  for (const p of f.envelope) {
    for (const c of curves()) {
      const l = lossAt(c, p.C);
      if (l !== undefined) assert.ok(p.loss <= l + 1e-12);
    }
  }
});

test("lossAt interpolates in log-log and is undefined outside a curve", () => {
  const c: LossCurve = { run: "x", points: [{ flops: 1, loss: 4 }, { flops: 100, loss: 1 }] };
  assert.ok(Math.abs(lossAt(c, 10)! - 2) < 1e-12);
  assert.equal(lossAt(c, 0.5), undefined);
  assert.equal(lossAt(c, 101), undefined);
});

test("curves without N give the loss law and a warning; one curve is an error", () => {
  const cs = curves().map(({ run, points }) => ({ run, points }));
  const f = fitEnvelope(cs);
  assert.equal(f.a, undefined);
  assert.ok(f.warnings.some((w) => /N_opt law not fitted/.test(w)));
  assert.throws(() => fitEnvelope(cs.slice(0, 1)), /at least 2 runs/);
});

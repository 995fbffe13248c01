import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPrediction, predictionOf } from "../../src/scaling/prediction.js";

const plan = { C: 1e18, N: 5e7, D: 3.3e9, L: 2.5, preset: { name: "mine", source: "sweep fit" } };

test("a prediction with an interval: inside, outside, and the gap in nats", () => {
  const p = predictionOf(plan, { lo: 2.45, hi: 2.55 }, "bootstrap 95%")!;
  const ok = checkPrediction(p, 2.52);
  assert.equal(ok.inside, true);
  assert.ok(Math.abs(ok.gapNats - 0.02) < 1e-12);
  assert.match(ok.line, /^predicted loss 2\.5000 \(mine\), reached 2\.5200: \+0\.0200 nats, inside \[2\.4500, 2\.5500\]$/);
  assert.doesNotMatch(checkPrediction(p, 2.52, 1.05e18).line, /loose/, "within 10% of the planned compute");
  assert.match(checkPrediction(p, 2.52, 2e17).line, /the run had 0\.20× the planned compute \(1\.00e\+18 FLOPs\), so the comparison is loose$/);
  const miss = checkPrediction(p, 2.41);
  assert.equal(miss.inside, false);
  assert.match(miss.line, /-0\.0900 nats, OUTSIDE/);
});

test("a law without an interval says so; a law without a loss term predicts nothing", () => {
  const p = predictionOf(plan, null, "the released fit publishes no interval")!;
  assert.equal(p.lo, undefined);
  const c = checkPrediction(p, 2.6);
  assert.equal(c.inside, null);
  assert.match(c.line, /no interval: the released fit publishes no interval/);
  assert.equal(predictionOf({ ...plan, L: undefined }, null, ""), null);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { lrAt, warmupSteps, budgetFor, rowsInStep, microBatches, flops6ND } from "../../src/train/schedule.js";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test("warm-up is linear and reaches the peak at its last step", () => {
  const s = { peak: 1e-3, warmupFraction: 0.1, minRatio: 0.1 };
  assert.equal(warmupSteps(s, 101), 10);
  close(lrAt(s, 0, 101), 1e-4);
  close(lrAt(s, 4, 101), 5e-4);
  close(lrAt(s, 9, 101), 1e-3);
});

test("cosine decay: peak at its start, midpoint (peak+min)/2, exactly min at the last step", () => {
  const s = { peak: 1e-3, warmupFraction: 0.1, minRatio: 0.1 };
  close(lrAt(s, 10, 101), 1e-3);
  close(lrAt(s, 55, 101), 5.5e-4); // p = 45/90 = 0.5 → 1e-4 + 9e-4·0.5
  close(lrAt(s, 100, 101), 1e-4);
  // quarter point: p = 0.25 → min + (peak−min)·(1+cos(π/4))/2
  close(lrAt(s, 32.5, 101), 1e-4 + 9e-4 * 0.5 * (1 + Math.cos(Math.PI * 0.25)));
  for (let i = 11; i < 101; i++) assert.ok(lrAt(s, i, 101) < lrAt(s, i - 1, 101));
});

test("no warm-up and one-step runs", () => {
  close(lrAt({ peak: 2e-3, warmupFraction: 0, minRatio: 0.1 }, 0, 50), 2e-3);
  close(lrAt({ peak: 2e-3, warmupFraction: 0.01, minRatio: 0.1 }, 0, 1), 2e-3);
});

test("budget: the last step takes the remainder so the run stops exactly at D", () => {
  const b = budgetFor(10 * 512, 4 * 512, 512);
  assert.deepEqual(b, { steps: 3, rowsPerStep: 4, totalRows: 10 });
  assert.deepEqual([0, 1, 2, 3].map((s) => rowsInStep(b, s)), [4, 4, 2, 0]);
  let rows = 0;
  for (let s = 0; s < b.steps; s++) rows += rowsInStep(b, s);
  assert.equal(rows * 512, 10 * 512);
  assert.deepEqual(microBatches(10, 4), [4, 4, 2]);
  assert.deepEqual(microBatches(3, 8), [3]);
});

test("compute: C = 6·N·D, ESM-2 8M at 1B tokens", () => {
  assert.equal(flops6ND(7_501_760, 1e9), 4.501056e16);
});

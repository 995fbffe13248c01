import { test } from "node:test";
import assert from "node:assert/strict";
import { fitTokenCost, roundSeconds } from "../../src/sweep/round-time.js";

test("fitTokenCost recovers a + b·N seconds per token from finished runs; one size gives a cost proportional to N", () => {
  const a = 2e-6, b = 3e-11;
  const runs = [1e4, 5e4, 2e5, 1e6].map((N, i) => ({ N, D: 1e6 * (i + 1), wallSeconds: 1e6 * (i + 1) * (a + b * N) }));
  const c = fitTokenCost(runs)!;
  assert.ok(Math.abs(c.a / a - 1) < 1e-9 && Math.abs(c.b / b - 1) < 1e-9, JSON.stringify(c));
  const one = fitTokenCost([{ N: 1e5, D: 1e6, wallSeconds: 10 }])!;
  assert.deepEqual(one, { a: 0, b: 10 / 1e6 / 1e5 });
  assert.equal(fitTokenCost([]), null);
  // noisy timings never give a negative cost
  const odd = fitTokenCost([{ N: 1e4, D: 1e6, wallSeconds: 50 }, { N: 1e6, D: 1e6, wallSeconds: 10 }])!;
  assert.ok(odd.a >= 0 && odd.b >= 0, JSON.stringify(odd));
});

test("roundSeconds: total over the workers, never less than the longest run", () => {
  const c = { a: 0, b: 1e-9 };
  // runs of 10, 20 and 30 s
  const ps = [1, 2, 3].map((k) => ({ N: 1e4 * k, D: 1e6 }));
  assert.equal(roundSeconds(c, ps, 1), 60);
  assert.equal(roundSeconds(c, ps, 2), 30);
  assert.equal(roundSeconds(c, ps, 8), 30);
  assert.equal(roundSeconds(c, [], 2), 0);
});

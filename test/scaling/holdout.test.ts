// "Does the law extrapolate?" (issue 25 item 2): the largest budget predicted from the others, on synthetic sweeps
// from a known law L = E + A/N^α + B/D^β, whose true compute-optimal point at any C is known analytically.
import { test } from "node:test";
import assert from "node:assert/strict";
import { holdoutBudget } from "../../src/scaling/holdout.js";
import { syntheticIsoflop, logspace } from "../../src/scaling/synthetic.js";
import { parametricOptimum, type ParametricLaw } from "../../src/scaling/parametric.js";

const TRUE: ParametricLaw = { E: 1.9, A: 250, B: 900, alpha: 0.32, beta: 0.36 };
const BUDGETS = logspace(1e16, 1e19, 4);
const sweep = (seed: number) => syntheticIsoflop({ law: TRUE, budgets: BUDGETS, sizes: 7, spanDecades: 0.5, sigma: 0.003, seed });

test("coverage over 40 noise draws: the predicted N_opt interval holds the true optimum close to the nominal 95%", () => {
  const truth = parametricOptimum(TRUE, BUDGETS[3]!);
  let covered = 0;
  for (let seed = 0; seed < 40; seed++) {
    const h = holdoutBudget(sweep(seed), "largest", { bootstrap: 100, seed });
    assert.equal(h.fittedOn.length, 3);
    const i = h.predicted.ci.N!;
    if (i.lo <= truth.N && truth.N <= i.hi) covered++;
  }
  // binomial(40, 0.95): 34 or more in 98.4% of draws; 40 of 40 every time would mean intervals far too wide,
  // which the next test's out-of-law check guards against
  assert.ok(covered >= 34, `${covered} of 40 intervals hold the true N_opt`);
});

test("the parametric prediction of L_opt keeps E and covers the true loss; the IsoFLOP power law L ∝ C^γ undershoots", () => {
  const truth = parametricOptimum(TRUE, BUDGETS[3]!);
  let covered = 0, undershoot = 0;
  for (let seed = 0; seed < 12; seed++) {
    const h = holdoutBudget(sweep(seed), "largest", { bootstrap: 60, seed });
    assert.ok(h.parametric, h.parametricNote ?? "");
    const i = h.parametric!.ci.L!;
    if (i.lo <= truth.L && truth.L <= i.hi) covered++;
    // a pure power law in C has no irreducible loss, so it bends below the saturating truth when extrapolated
    if (h.predicted.L < truth.L - 0.05) undershoot++;
  }
  assert.ok(covered >= 10, `${covered} of 12`);
  assert.equal(undershoot, 12);
});

test("a budget off the law is caught: N_opt outside the interval, the ratio measured", () => {
  // the largest budget's runs come from a law whose optimum sits at 4× the N of the true one there
  const rows = sweep(1).filter((r) => r.C < 5e18);
  const shifted: ParametricLaw = { ...TRUE, A: TRUE.A * 4 ** (TRUE.alpha + TRUE.beta) };
  const nShift = parametricOptimum(shifted, BUDGETS[3]!).N / parametricOptimum(TRUE, BUDGETS[3]!).N;
  assert.ok(Math.abs(nShift / 4 - 1) < 1e-9, `construction: ${nShift}`);
  const off = syntheticIsoflop({ law: shifted, budgets: [BUDGETS[3]!], sizes: 7, spanDecades: 0.5, sigma: 0.003, seed: 9 })
    .map((r) => ({ ...r, extra: { budget: 3 } }));
  const h = holdoutBudget([...rows, ...off], "largest", { bootstrap: 200, seed: 1 });
  assert.equal(h.inside.N, false);
  assert.ok(h.ratio.N > 3 && h.ratio.N < 5, `ratio ${h.ratio.N}`);
  assert.match(h.verdict, /N_opt predicted .* OUTSIDE the 95% interval/);
});

test("holdout by budget, and the errors: too few budgets, no budget near C", () => {
  const rows = sweep(2);
  const mid = holdoutBudget(rows, 1e17, { bootstrap: 0 });
  assert.ok(Math.abs(mid.C / 1e17 - 1) < 0.01);
  assert.deepEqual(mid.fittedOn.map((c) => Math.round(Math.log10(c))), [16, 18, 19]);
  assert.equal(mid.predicted.ci.N, null);
  assert.equal(mid.inside.N, null);
  assert.throws(() => holdoutBudget(rows, 3e20), /no budget near C=3\.00e\+20/);
  assert.throws(() => holdoutBudget(rows.filter((r) => r.C < 2e17), "largest"), /at least 3 budgets/);
});

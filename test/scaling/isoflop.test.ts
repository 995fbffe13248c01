import { test } from "node:test";
import assert from "node:assert/strict";
import { budgetMinimum, fitIsoflop, groupByBudget } from "../../src/scaling/isoflop.js";
import { syntheticIsoflop, logspace } from "../../src/scaling/synthetic.js";
import { median } from "../../src/scaling/regress.js";
import type { ParametricLaw } from "../../src/scaling/parametric.js";
import type { RunRow } from "../../src/scaling/runs-table.js";

const TRUE: ParametricLaw = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const TRUE_A = TRUE.beta / (TRUE.alpha + TRUE.beta);

test("noise-free grid: the IsoFLOP exponents equal the law's a and b", () => {
  const f = fitIsoflop(syntheticIsoflop({ law: TRUE }));
  assert.equal(f.minima.length, 9);
  assert.ok(Math.abs(f.a - TRUE_A) < 0.005, `a=${f.a}`);
  assert.ok(Math.abs(f.b - (1 - TRUE_A)) < 0.005, `b=${f.b}`);
  assert.deepEqual(f.warnings, []);
  assert.ok(f.gamma < 0);
});

test("noisy grids: median a within ±0.01; 95% bootstrap intervals cover the truth for most seeds", () => {
  const fits = [1, 2, 3, 4, 5, 6].map((seed) => fitIsoflop(syntheticIsoflop({ law: TRUE, sigma: 0.005, seed }), { bootstrap: 200, seed: 1 }));
  assert.ok(Math.abs(median(fits.map((f) => f.a)) - TRUE_A) < 0.01);
  const covered = fits.filter((f) => f.ci!.a.lo < TRUE_A && TRUE_A < f.ci!.a.hi).length;
  assert.ok(covered >= 4, `only ${covered}/6 intervals cover a=${TRUE_A}`);
  assert.equal(fits[0]!.bootstrap!.resamples, 200);
});

test("a budget whose minimum lies beyond the sizes tried is flagged", () => {
  // sizes all far below the optimum at the largest budget
  const rows = syntheticIsoflop({ law: TRUE });
  const C = 1e21;
  const shifted: RunRow[] = logspace(1e6, 3e7, 7).map((N) => ({ objective: "mlm", N, D: C / (6 * N), C, loss: 1.69 + 406.4 / N ** 0.34 + 410.7 / (C / (6 * N)) ** 0.28, extra: {} }));
  const m = budgetMinimum(shifted);
  assert.equal(m.warnings.length, 1);
  assert.match(m.warnings[0]!, /beyond the sizes tried|grid edge/);
  const f = fitIsoflop([...rows.map((r) => ({ ...r, extra: {} })).filter((r) => r.C < 5e20), ...shifted]);
  assert.ok(f.warnings.some((w) => /1\.00e\+21/.test(w)));
});

test("a parabola that opens downward is flagged and left out", () => {
  const C = 1e19;
  const rows: RunRow[] = [1e6, 1e7, 1e8, 1e9].map((N, i) => ({ objective: "clm", N, D: C / (6 * N), C, loss: 3 - 0.1 * (i - 1.5) ** 2, extra: {} }));
  const m = budgetMinimum(rows);
  assert.equal(m.used, false);
  assert.match(m.warnings[0]!, /opens downward/);
});

test("budgets group by C within a tolerance, or by an explicit budget column", () => {
  const r = (C: number, extra: Record<string, unknown> = {}): RunRow => ({ objective: "mlm", N: 1e6, D: C / 6e6, C, loss: 2, extra });
  assert.deepEqual(groupByBudget([r(1e18), r(1.05e18), r(3e18), r(2.95e18)]).map((g) => g.length), [2, 2]);
  assert.deepEqual(groupByBudget([r(1e18, { budget: "x" }), r(1.5e18, { budget: "x" }), r(3e18, { budget: "y" })]).map((g) => g.length), [2, 1]);
});

test("fewer than 3 sizes in a budget is an error naming the budget", () => {
  const C = 1e18;
  const rows: RunRow[] = [1e6, 1e7].map((N) => ({ objective: "mlm", N, D: C / (6 * N), C, loss: 2, extra: {} }));
  assert.throws(() => fitIsoflop(rows), /1\.00e\+18.*3 distinct model sizes/);
});

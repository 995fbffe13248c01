import { test } from "node:test";
import assert from "node:assert/strict";
import { budgetMinimum, fitIsoflop, groupByBudget } from "../../src/scaling/isoflop.js";
import { syntheticIsoflop, logspace } from "../../src/scaling/synthetic.js";
import { median } from "../../src/core/stats.js";
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
  const covered = fits.filter((f) => f.ci!.a!.lo < TRUE_A && TRUE_A < f.ci!.a!.hi).length;
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

test("budgets with 1 or 2 sizes are skipped with a warning naming them; the rest is fitted", () => {
  const good = syntheticIsoflop({ law: TRUE, sigma: 0, seed: 1 });
  const odd: RunRow[] = [
    ...[1e6, 1e7].map((N) => ({ objective: "mlm" as const, N, D: 6e19 / (6 * N), C: 6e19, loss: 2, extra: {} })),
    { objective: "mlm" as const, N: 3e6, D: 7e22 / 18e6, C: 7e22, loss: 1.9, extra: {} },
  ];
  const alone = fitIsoflop(good);
  const mixed = fitIsoflop([...good, ...odd]);
  assert.equal(mixed.skipped.length, 2);
  assert.deepEqual(mixed.skipped.map((s) => s.sizes).sort(), [1, 2]);
  assert.ok(mixed.warnings.some((w) => /C≈6\.00e\+19 skipped: 2 distinct model size/.test(w)), mixed.warnings.join("\n"));
  assert.ok(mixed.warnings.some((w) => /C≈7\.00e\+22 skipped: 1 distinct model size/.test(w)));
  assert.equal(mixed.a, alone.a, "skipped budgets do not move the fit");
  assert.equal(mixed.minima.length, alone.minima.length);
});

test("with no usable budget the error says why each one dropped out", () => {
  const C = 1e18;
  const rows: RunRow[] = [1e6, 1e7].map((N) => ({ objective: "mlm", N, D: C / (6 * N), C, loss: 2, extra: {} }));
  assert.throws(() => fitIsoflop(rows), /at least 2 budgets with an interior minimum, has 0:\n\s+budget C≈1\.00e\+18 skipped: 2 distinct model size/);
});

test("a budget whose minimum lies beyond the sizes tried is left out (a warning), or refused with strict", () => {
  const good = syntheticIsoflop({ law: TRUE, sigma: 0, seed: 1 });
  // loss falls monotonically with N at this budget: the parabola's vertex lies beyond the largest size
  const C = 5e20;
  const edge: RunRow[] = [1e7, 2e7, 4e7].map((N, i) => ({ objective: "mlm", N, D: C / (6 * N), C, loss: 2.5 - 0.1 * i + 0.01 * i * i, extra: {} }));
  const f = fitIsoflop([...good, ...edge]);
  const m = f.minima.find((x) => Math.abs(x.C / C - 1) < 1e-9)!;
  assert.equal(m.used, false);
  assert.ok(f.warnings.some((w) => /5\.00e\+20: the minimum .* beyond the sizes tried .*left out/.test(w)), f.warnings.join("\n"));
  assert.equal(f.a, fitIsoflop(good).a);
  assert.throws(() => fitIsoflop([...good, ...edge], { strict: true }), /--strict: 1 budget\(s\) without an interior minimum: C≈5\.00e\+20/);
});

test("100 seeded bootstraps of small tables: no NaN in any interval; failures counted and flagged", () => {
  let flaggedSeen = 0, failedSeen = 0;
  for (let seed = 0; seed < 100; seed++) {
    // 3 budgets × 3-4 sizes with noise: resamples often lose a size or a minimum
    const rows = syntheticIsoflop({ law: TRUE, budgets: [1e18, 1e19, 1e20], sizes: 3 + (seed % 2), sigma: 0.01, seed });
    let f: ReturnType<typeof fitIsoflop>;
    try {
      f = fitIsoflop(rows, { bootstrap: 40, seed });
    } catch {
      continue; // the point estimate itself may lack 2 interior minima on a noisy 3-size grid
    }
    const b = f.bootstrap!;
    assert.equal(b.succeeded + b.failed, 40);
    for (const [k, ci] of Object.entries(f.ci!)) {
      if (ci === null) { assert.equal(b.succeeded, 0, `${k}: null interval although resamples succeeded`); continue; }
      assert.ok(Number.isFinite(ci.lo) && Number.isFinite(ci.hi), `seed ${seed} ${k}: [${ci.lo}, ${ci.hi}]`);
    }
    if (b.failed > 0) failedSeen++;
    if (b.flagged) { flaggedSeen++; assert.ok(f.warnings.includes(b.flagged)); }
  }
  assert.ok(failedSeen > 0, "the small tables should make some resamples fail");
  assert.ok(flaggedSeen > 0, "and some bootstraps should be flagged");
});

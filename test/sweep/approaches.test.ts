// Chinchilla approach 2 (IsoFLOP parabolas) beside approach 3 (parametric L(N,D)) on synthetic runs with a
// known law: both recover the true allocation exponent a = β/(α+β); the comparison says which leads and
// flags a real disagreement.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitIsoflop } from "../../src/scaling/isoflop.js";
import { fitParametric } from "../../src/scaling/parametric.js";
import { syntheticIsoflop, logspace } from "../../src/scaling/synthetic.js";
import { compareAllocation } from "../../src/sweep/fit.js";

const TRUE = { E: 1.9, A: 250, B: 900, alpha: 0.32, beta: 0.36 };
const TRUE_A = TRUE.beta / (TRUE.alpha + TRUE.beta);

test("approach 2 and 3 recover the true a on a symmetric grid and agree; IsoFLOP leads with ≥ 3 bracketed budgets", () => {
  const rows = syntheticIsoflop({ law: TRUE, budgets: logspace(1e16, 1e20, 5), sizes: 9, sigma: 0.002, seed: 3 });
  const iso = fitIsoflop(rows, { bootstrap: 100, seed: 1 });
  const par = fitParametric(rows, { bootstrap: 30, seed: 1 });
  assert.ok(Math.abs(iso.a - TRUE_A) < 0.03, `isoflop a=${iso.a} vs ${TRUE_A}`);
  assert.ok(Math.abs(par.a - TRUE_A) < 0.03, `parametric a=${par.a} vs ${TRUE_A}`);
  const interior = iso.minima.filter((m) => m.used).length;
  const cmp = compareAllocation(iso, par, interior)!;
  assert.equal(cmp.disagree, false);
  assert.equal(cmp.lead, "isoflop");
  assert.match(cmp.why, /5 budgets have a bracketed minimum/);
});

test("with fewer than 3 bracketed budgets the parametric estimate leads; non-overlapping intervals are a disagreement", () => {
  const rows = syntheticIsoflop({ law: TRUE, budgets: logspace(1e16, 1e20, 5), sizes: 9, sigma: 0.002, seed: 3 });
  const iso = fitIsoflop(rows, { bootstrap: 50, seed: 1 });
  const par = fitParametric(rows, { bootstrap: 20, seed: 1 });
  assert.equal(compareAllocation(iso, par, 2)!.lead, "parametric");
  const shifted = { ...par, a: iso.a + 0.3, ci: { ...par.ci!, a: { lo: iso.a + 0.25, hi: iso.a + 0.35 } } };
  assert.equal(compareAllocation(iso, shifted, 5)!.disagree, true);
  const noCi = { ...par, a: iso.a + 0.05, ci: undefined };
  assert.equal(compareAllocation({ ...iso, ci: undefined }, noCi, 5)!.disagree, false, "within 0.1 without intervals");
  assert.equal(compareAllocation(null, null, 0), null);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { fitParametric, impliedAllocation, parametricOptimum, predictLoss, type ParametricLaw } from "../../src/scaling/parametric.js";
import { fitParametricParallel } from "../../src/scaling/bootstrap-pool.js";
import { syntheticIsoflop } from "../../src/scaling/synthetic.js";
import { median } from "../../src/core/stats.js";

// A Chinchilla-like law (Hoffmann et al. 2022 fitted E=1.69, A=406.4, B=410.7, α=0.34, β=0.28).
const TRUE: ParametricLaw = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const TRUE_A = TRUE.beta / (TRUE.alpha + TRUE.beta);
const rel = (x: number, y: number) => Math.abs(x / y - 1);

test("noise-free 9×13 IsoFLOP grid: every parameter recovered to 1e-6 relative", () => {
  const rows = syntheticIsoflop({ law: TRUE, sigma: 0 });
  assert.equal(rows.length, 9 * 13);
  const f = fitParametric(rows);
  for (const k of ["E", "A", "B", "alpha", "beta"] as const) {
    assert.ok(rel(f[k], TRUE[k]) < 1e-6, `${k}: ${f[k]} vs ${TRUE[k]}`);
  }
  assert.ok(rel(f.a, TRUE_A) < 1e-6);
  assert.ok(f.objective < 1e-20, `objective ${f.objective}`);
});

test("σ=0.005 log-normal noise: median over seeds within α,β ±0.02, a ±0.01, E ±0.03", () => {
  const fits = [1, 2, 3, 4, 5, 6, 7].map((seed) => fitParametric(syntheticIsoflop({ law: TRUE, sigma: 0.005, seed })));
  const med = (k: "alpha" | "beta" | "a" | "E") => median(fits.map((f) => f[k]));
  assert.ok(Math.abs(med("alpha") - TRUE.alpha) < 0.02, `alpha ${med("alpha")}`);
  assert.ok(Math.abs(med("beta") - TRUE.beta) < 0.02, `beta ${med("beta")}`);
  assert.ok(Math.abs(med("a") - TRUE_A) < 0.01, `a ${med("a")}`);
  assert.ok(Math.abs(med("E") - TRUE.E) < 0.03, `E ${med("E")}`);
});

test("outliers (a few points ×1.3) move the exponents by < 0.02 with the Huber loss", () => {
  const clean = syntheticIsoflop({ law: TRUE, sigma: 0.005, seed: 11 });
  const dirty = clean.map((r, i) => (i % 29 === 5 ? { ...r, loss: r.loss * 1.3 } : r));
  assert.equal(dirty.filter((r, i) => r.loss !== clean[i]!.loss).length, 4);
  const f0 = fitParametric(clean), f1 = fitParametric(dirty);
  assert.ok(Math.abs(f1.alpha - f0.alpha) < 0.02, `alpha moved ${f1.alpha - f0.alpha}`);
  assert.ok(Math.abs(f1.beta - f0.beta) < 0.02, `beta moved ${f1.beta - f0.beta}`);
});

test("implied allocation matches a brute-force minimum of L(N, C/6N)", () => {
  for (const C of [1e18, 1e21, 1e24]) {
    const opt = parametricOptimum(TRUE, C);
    // scan ln N finely around the analytic optimum
    let best = { N: 0, L: Infinity };
    for (let x = Math.log(opt.N) - 1; x <= Math.log(opt.N) + 1; x += 1e-4) {
      const N = Math.exp(x), L = predictLoss(TRUE, N, C / (6 * N));
      if (L < best.L) best = { N, L };
    }
    assert.ok(rel(best.N, opt.N) < 1e-3, `C=${C}: ${best.N} vs ${opt.N}`);
    assert.ok(rel(6 * opt.N * opt.D, C) < 1e-12);
  }
  const al = impliedAllocation(TRUE);
  // Chinchilla's α = 0.34, β = 0.28: N_opt ∝ C^(β/(α+β)) = C^0.4516, D_opt ∝ C^0.5484 (Hoffmann et al. 2022, approach 3: 0.46 / 0.54)
  assert.ok(Math.abs(al.a - 0.45161290) < 1e-8 && Math.abs(al.b - 0.54838710) < 1e-8, `a=${al.a} b=${al.b}`);
});

test("bootstrap: same intervals serial and over 1 or 3 workers; the interval covers the fit", async () => {
  const rows = syntheticIsoflop({ law: TRUE, sigma: 0.005, seed: 3 });
  const serial = fitParametric(rows, { bootstrap: 24, seed: 9 });
  const one = await fitParametricParallel(rows, { bootstrap: 24, seed: 9, workers: 1 });
  const three = await fitParametricParallel(rows, { bootstrap: 24, seed: 9, workers: 3 });
  assert.deepEqual(one.ci, serial.ci);
  assert.deepEqual(three.ci, serial.ci);
  assert.ok(serial.ci!.alpha!.lo <= serial.alpha && serial.alpha <= serial.ci!.alpha!.hi);
  assert.ok(serial.ci!.alpha!.hi > serial.ci!.alpha!.lo);
  const other = fitParametric(rows, { bootstrap: 24, seed: 10 });
  assert.notDeepEqual(other.ci, serial.ci);
});

test("too few runs is an error", () => {
  const rows = syntheticIsoflop({ law: TRUE, budgets: [1e18], sizes: 4 });
  assert.throws(() => fitParametric(rows), /at least 5 runs/);
});

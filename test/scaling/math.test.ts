import { test } from "node:test";
import assert from "node:assert/strict";
import { minimizeLbfgs } from "../../src/scaling/lbfgs.js";
import { fitLine, fitParabola, fitPowerLaw, percentileInterval } from "../../src/scaling/regress.js";
import { percentile } from "../../src/core/stats.js";

test("L-BFGS minimises the Rosenbrock function from (−1.2, 1)", () => {
  const r = minimizeLbfgs((x, g) => {
    const a = x[0]!, b = x[1]!;
    g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
    g[1] = 200 * (b - a * a);
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  }, [-1.2, 1]);
  assert.ok(r.converged, r.reason);
  assert.ok(Math.abs(r.x[0]! - 1) < 1e-6 && Math.abs(r.x[1]! - 1) < 1e-6, String(r.x));
});

test("L-BFGS solves an ill-conditioned quadratic exactly", () => {
  const scales = [1, 10, 100, 1000, 1e4];
  const r = minimizeLbfgs((x, g) => {
    let f = 0;
    for (let i = 0; i < 5; i++) { const d = x[i]! - i; f += 0.5 * scales[i]! * d * d; g[i] = scales[i]! * d; }
    return f;
  }, [5, 5, 5, 5, 5]);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(r.x[i]! - i) < 1e-8);
});

test("lines, parabolas and power laws are exact on exact data", () => {
  const x = [1, 2, 3, 4, 5];
  const l = fitLine(x, x.map((v) => 3 - 2 * v));
  assert.ok(Math.abs(l.slope + 2) < 1e-12 && Math.abs(l.intercept - 3) < 1e-12 && l.r2 > 0.999999);
  const xs = [10, 11, 12, 13, 14, 15];
  const p = fitParabola(xs, xs.map((v) => 0.5 * v * v - 12 * v + 80));
  assert.ok(Math.abs(p.c2 - 0.5) < 1e-8 && Math.abs(p.c1 + 12) < 1e-6 && Math.abs(p.c0 - 80) < 1e-5, JSON.stringify(p));
  const pl = fitPowerLaw([1e18, 1e19, 1e20], [1e18, 1e19, 1e20].map((c) => 0.003 * c ** 0.55));
  assert.ok(Math.abs(pl.exponent - 0.55) < 1e-10 && Math.abs(pl.k / 0.003 - 1) < 1e-8);
  assert.throws(() => fitLine([1, 1], [2, 3]), /all x are equal/);
  assert.throws(() => fitParabola([1, 1, 2], [1, 2, 3]), /singular/);
});

test("percentiles interpolate between order statistics", () => {
  const v = [5, 1, 4, 2, 3];
  assert.equal(percentile(v, 50), 3);
  assert.equal(percentile(v, 25), 2);
  assert.equal(percentile(v, 10), 1.4);
  const ci = percentileInterval([...Array(101).keys()], 0.9);
  assert.ok(Math.abs(ci.lo - 5) < 1e-9 && Math.abs(ci.hi - 95) < 1e-9, JSON.stringify(ci));
});

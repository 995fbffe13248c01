import { test } from "node:test";
import assert from "node:assert/strict";
import { demoGrid, secondsPerToken, speedFromMeasurements, steadyTokensPerSecond } from "../../src/app/demo-grid.js";
import { designSweep, MIN_N, TINY_SHAPES } from "../../src/sweep/design.js";
import { nonEmbeddingParams } from "../../src/scaling/shape.js";

test("speed model: a line through (N, seconds per token) from measurements", () => {
  const truth = { overheadSec: 2e-5, secPerParamToken: 1e-9 };
  const pts = [2e4, 1.5e5, 6e5].map((N) => ({ N, tokensPerSecond: 1 / secondsPerToken(truth, N) }));
  const m = speedFromMeasurements(pts);
  assert.ok(Math.abs(m.overheadSec / truth.overheadSec - 1) < 1e-6);
  assert.ok(Math.abs(m.secPerParamToken / truth.secPerParamToken - 1) < 1e-6);
  const one = speedFromMeasurements([{ N: 1e5, tokensPerSecond: 1e4 }]);
  assert.ok(Math.abs(secondsPerToken(one, 1e5) - 1e-4) < 1e-12);
});

const design = { corpus: "/c", uniqueTrainTokens: 1e8, train: { batchTokens: 4096, context: 256 } };

test("demo grid: 3 budgets × 4 distinct sizes per objective, spanning a decade, whose estimated time fills the target", () => {
  const speed = { overheadSec: 2e-5, secPerParamToken: 1.2e-9 };
  const g = demoGrid({ speed, workers: 2, targetSeconds: 1500, design });
  assert.equal(g.budgets.length, 3);
  // a factor 3.2 between budgets: the three span a decade (fit.ts warns below that)
  assert.ok(Math.abs(g.budgets[1]! / g.budgets[0]! - 3.2) < 0.1 && Math.abs(g.budgets[2]! / g.budgets[1]! - 3.2) < 0.1, `${g.budgets}`);
  assert.ok(g.budgets[2]! / g.budgets[0]! >= 10 * 0.98);
  assert.ok(g.estimatedSeconds <= 1500 * 1.03 && g.estimatedSeconds > 1500 * 0.85, `estimated ${g.estimatedSeconds}`);
  const d = designSweep({ objectives: ["clm", "mlm"], budgets: g.budgets, centre: (_o, C) => g.centre(C), centreSource: {}, spanDecades: g.spanDecades, sizesPerBudget: 4, ...design });
  for (const o of ["clm", "mlm"]) for (const C of g.budgets) assert.equal(d.points.filter((p) => p.objective === o && p.C === C).length, 4);
  // a machine twice as fast gets budgets at least twice as large (more, since the per-token overhead weighs
  // less on the larger models of larger budgets), and never smaller
  const fast = demoGrid({ speed: { overheadSec: 1e-5, secPerParamToken: 0.6e-9 }, workers: 2, targetSeconds: 1500, design });
  const ratio = fast.budgets[0]! / g.budgets[0]!;
  assert.ok(ratio > 1.8 && ratio < 3, `${fast.budgets[0]} vs ${g.budgets[0]}`);
});

test("tiny shapes below shapeFor's range keep CPU grids at 4 distinct sizes", () => {
  assert.equal(MIN_N, nonEmbeddingParams(TINY_SHAPES[0]!));
  assert.ok(MIN_N < 4000);
  const d = designSweep({ objectives: ["clm"], budgets: [3e10], centre: () => 1.5e4, centreSource: {}, spanDecades: 0.5, ...design });
  const ns = d.points.map((p) => p.N);
  assert.equal(new Set(ns).size, 4);
  assert.ok(ns[0]! < 1e4, `smallest ${ns[0]}`);
  for (const p of d.points) assert.equal(p.shape.dModel % p.shape.heads, 0);
});

test("calibration throughput leaves out the start-up step and the final evaluation", () => {
  // the metrics of a real 8-step calibration run (N = 26.6k, 4096 tokens per step): slow first step, eval at the end
  const lines = [
    { step: 1, tokens: 4096, time: 0.716 }, { step: 2, tokens: 8192, time: 0.869 }, { step: 3, tokens: 12288, time: 0.95 },
    { step: 4, tokens: 16384, time: 1.03 }, { step: 5, tokens: 20480, time: 1.11 }, { step: 6, tokens: 24576, time: 1.19 },
    { step: 7, tokens: 28672, time: 1.27 }, { step: 8, tokens: 32768, time: 2.049 },
  ];
  const steady = steadyTokensPerSecond(lines, 15990);
  assert.ok(Math.abs(steady - (28672 - 8192) / (1.27 - 0.869)) < 1e-6);
  assert.ok(steady > 3 * 15990, "steady state is several times the overall figure");
  assert.equal(steadyTokensPerSecond(lines.slice(0, 2), 1234), 1234, "too few steps: overall figure");
});

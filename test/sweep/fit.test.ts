import { test } from "node:test";
import assert from "node:assert/strict";
import { collectCurves, collectRuns, fitSweep } from "../../src/sweep/fit.js";
import { syntheticSweep, LAW } from "./synthetic-sweep.js";

test("collect: one row per finished run, grouped by the design's budget; curves from metrics.jsonl", () => {
  const s = syntheticSweep({ skip: [0] });
  const runs = collectRuns(s.dir);
  assert.equal(runs.length, 11);
  assert.ok(runs.every((r) => [1e17, 1e18, 1e19].includes(r.budget)));
  assert.ok(runs.every((r) => Math.abs(r.epochs! - r.D / 5e8) < 1e-12));
  const curves = collectCurves(s.dir);
  assert.equal(curves.length, 11);
  assert.equal(curves[0]!.points.length, 4);
});

test("fit recovers the allocation exponent of a known law and carries intervals", () => {
  const s = syntheticSweep();
  const f = fitSweep(s.dir, { bootstrap: 30 });
  const clm = f.objectives[0]!;
  assert.equal(clm.runs, 12);
  assert.ok(clm.isoflop, clm.warnings.join("\n"));
  assert.ok(Math.abs(clm.isoflop!.a - s.a) < 0.05, `isoflop a=${clm.isoflop!.a} vs ${s.a}`);
  // the law's own D exponent, α/(α+β) (a + b = 1 holds by construction, so b is checked against the law instead)
  assert.ok(Math.abs(clm.isoflop!.b - LAW.alpha / (LAW.alpha + LAW.beta)) < 0.05, `isoflop b=${clm.isoflop!.b}`);
  assert.ok(clm.parametric && Math.abs(clm.parametric.a - s.a) < 0.05, `parametric a=${clm.parametric?.a}`);
  assert.ok(clm.isoflop!.ci && clm.isoflop!.ci.a!.lo <= clm.isoflop!.a + 1e-9 && clm.isoflop!.ci.a!.hi >= clm.isoflop!.a - 1e-9);
  assert.ok(clm.envelope && clm.envelope.envelope.length > 0);
  assert.equal(clm.tooFlat, false);
  assert.deepEqual(f.budgetRange, [1e17, 1e19]);
  assert.equal(f.paper.clm.a, 0.578);
  assert.equal(f.paper.mlm.b, 0.23);
});

test("fit warns about flat curves, missing runs and failures instead of overclaiming", () => {
  const s = syntheticSweep({ objectives: ["clm", "mlm"], fail: [1], skip: [13] });
  const f = fitSweep(s.dir, { bootstrap: 10 });
  const [clm, mlm] = f.objectives;
  assert.equal(mlm!.tooFlat, true);
  assert.ok(mlm!.warnings.some((w) => /too flat/.test(w)), mlm!.warnings.join("\n"));
  assert.ok(mlm!.warnings.some((w) => /not meaningful/.test(w)));
  assert.ok(clm!.warnings.some((w) => /11 of 12 planned runs finished \(1 failed\)/.test(w)), clm!.warnings.join("\n"));
  assert.ok(mlm!.warnings.some((w) => /11 of 12 planned runs finished/.test(w)));
  assert.equal(clm!.tooFlat, false);
  // per-budget parabolas are kept (and their warnings reported) even when the power laws cannot be fitted
  assert.equal(mlm!.isoflop, null);
  assert.equal(mlm!.profiles.length, 3);
  assert.ok(mlm!.warnings.some((w) => /mlm IsoFLOP: budget C≈/.test(w)), mlm!.warnings.join("\n"));
});

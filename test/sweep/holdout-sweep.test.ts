// `sweep fit` holds out the largest budget by default when ≥ 3 budgets are bracketed, `--holdout none` skips it,
// and the report gets its "Does the law extrapolate?" section with the two charts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fitSweep } from "../../src/sweep/fit.js";
import { buildReport } from "../../src/report/build.js";
import { parametricOptimum } from "../../src/scaling/parametric.js";
import { syntheticSweep, LAW } from "./synthetic-sweep.js";

test("3 bracketed budgets: the largest is predicted from the other two; the noise-free law extrapolates", async () => {
  const s = syntheticSweep({ budgets: [1e17, 1e18, 1e19] });
  const f = fitSweep(s.dir, { bootstrap: 30 });
  const h = f.objectives[0]!.holdout;
  assert.ok(h, f.warnings.join("\n"));
  assert.ok(Math.abs(h.C / 1e19 - 1) < 0.01);
  assert.equal(h.fittedOn.length, 2);
  // the truth at 1e19 from the law itself, not from the fit
  const truth = parametricOptimum(LAW, 1e19);
  assert.ok(Math.abs(h.predicted.N / truth.N - 1) < 0.15, `predicted ${h.predicted.N} vs true ${truth.N}`);
  assert.ok(Math.abs(h.measured.N / truth.N - 1) < 0.1, `measured ${h.measured.N} vs true ${truth.N}`);
  assert.ok(h.parametric && Math.abs(h.parametric.L - truth.L) < 0.01, `parametric L ${h.parametric?.L} vs ${truth.L}`);
  const { html } = await buildReport(s.dir, { fit: f });
  assert.match(html, /CLM: Does the law extrapolate\?/);
  assert.match(html, /the largest budget predicted from the others/);
  assert.equal(fitSweep(s.dir, { bootstrap: 0, holdout: "none" }).objectives[0]!.holdout, null);
});

test("sweep fit --holdout: the CLI prints the verdict, writes it to fit.json, refuses a bad value", () => {
  const s = syntheticSweep({ budgets: [1e17, 1e18, 1e19] });
  const cli = (...a: string[]) => spawnSync(process.execPath, ["dist/src/cli/bin.js", "sweep", "fit", s.dir, "--bootstrap", "20", ...a], { encoding: "utf8" });
  const r = cli("--holdout", "largest");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /CLM does the law extrapolate\? held out C=1\.0e\+19: N_opt predicted [\d.e+]+, measured [\d.e+]+ \(×[\d.]+, (inside|OUTSIDE) the 95% interval\)/);
  const fit = JSON.parse(readFileSync(join(s.dir, "fit.json"), "utf8"));
  assert.equal(fit.objectives[0].holdout.fittedOn.length, 2);
  const bad = cli("--holdout", "biggest");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--holdout/);
});

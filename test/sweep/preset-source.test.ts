// A sweep's fit.json (or its directory) is a preset wherever one is read: plan --preset, sweep design --preset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { invokeCommand, type CommandIO } from "../../src/cli/command.js";
import { UserError } from "../../src/core/errors.js";
import { planCommand } from "../../src/cli/specs/scaling.js";
import { sweepDesignCommand, sweepFitCommand } from "../../src/cli/specs/sweep.js";
import type { PlanResult } from "../../src/cli/commands/plan.js";
import type { SweepFit } from "../../src/sweep/fit.js";
import { syntheticSweep } from "./synthetic-sweep.js";

const io = (): CommandIO => ({ out: () => {}, err: () => {}, json: true, signal: new AbortController().signal });

test("plan --preset SWEEP/fit.json and --preset SWEEP plan with the sweep's own IsoFLOP law; the objective chooses it", async () => {
  const s = syntheticSweep();
  await invokeCommand(sweepFitCommand, [s.dir, "--bootstrap", "10"], io());
  const fitFile = join(s.dir, "fit.json");
  const fit = JSON.parse(readFileSync(fitFile, "utf8")) as SweepFit;
  const iso = fit.objectives.find((o) => o.objective === "clm")!.isoflop!;
  const C = 1e19;
  for (const spec of [fitFile, s.dir]) {
    const { result } = await invokeCommand(planCommand, ["--objective", "clm", "--flops", String(C), "--preset", spec], io());
    const r = result as PlanResult;
    assert.match(r.preset.source, /IsoFLOP fit \(approach 2\) of sweep/);
    assert.ok(Math.abs(r.N - iso.kN * C ** iso.a) / r.N < 1e-9, `${r.N} vs ${iso.kN * C ** iso.a}`);
    // the law the synthetic sweep was drawn from has a = β/(α+β); the planner's law is the fitted one, not the paper's
    const a = Math.log10(r.growthPer10x.N);
    assert.ok(Math.abs(a - s.a) < 0.05, String(a));
  }
  // this sweep fitted CLM only: asking for MLM names what the fit holds
  await assert.rejects(invokeCommand(planCommand, ["--objective", "mlm", "--flops", "1e19", "--preset", fitFile], io()),
    (e) => e instanceof UserError && /no mlm law \(it fitted clm\)/.test(e.message) && e.exitCode === 1);
  // a directory without a fit says which command makes one
  const empty = mkdtempSync(join(tmpdir(), "plmscale-nofit-"));
  await assert.rejects(invokeCommand(planCommand, ["--objective", "clm", "--flops", "1e19", "--preset", empty], io()),
    (e) => e instanceof UserError && /no fit\.json in it \(run 'plmscale sweep fit/.test(e.message));
  // sweep design centres on the same law
  const out = join(mkdtempSync(join(tmpdir(), "plmscale-design-")), "s");
  const { result: d } = await invokeCommand(sweepDesignCommand, ["--objective", "clm", "--budgets", "1e15,1e16", "--corpus", "/nonexistent", "--out", out, "--preset", fitFile, "--fixed"], io());
  assert.match((d as { design: { centreSource: Record<string, string> } }).design.centreSource.clm!, /IsoFLOP fit/);
});

// sweep design states the wall time of its runs on this machine from measured runs (the demo's calibration
// or any finished runs), and says how to get one when nothing has been measured.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { invokeCommand, type CommandIO } from "../../src/cli/command.js";
import { sweepDesignCommand } from "../../src/cli/specs/sweep.js";
import { syntheticSweep } from "./synthetic-sweep.js";

async function design(argv: string[]) {
  const out: string[] = [];
  const io: CommandIO = { out: (l) => out.push(l), err: () => {}, json: false, signal: new AbortController().signal };
  const { result, code } = await invokeCommand(sweepDesignCommand, argv, io);
  code.human?.(result, io);
  return { r: result as any, out };
}

test("sweep design --speed-from DIR: the runs' wall time from the measured seconds per token", async () => {
  // the synthetic sweep's runs took 6·N·D / 1e15 s: 6e-15·N seconds per token, nothing fixed
  const measured = syntheticSweep();
  const base = ["--objective", "clm", "--budgets", "1e11,1e12", "--corpus", "/nonexistent", "--fixed", "--speed-from", measured.dir];
  const one = await design([...base, "--out", join(mkdtempSync(join(tmpdir(), "plm-est-")), "s")]);
  const pts = one.r.design.points as { N: number; D: number }[];
  const each = pts.map((p) => (6 * p.N * p.D) / 1e15);
  const total = each.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(one.r.estimate.seconds - total) / total < 1e-6, `${one.r.estimate.seconds} vs ${total}`);
  assert.ok(one.out.some((l) => /^wall time on this machine: about .* for these \d+ runs on 1 worker\(s\)/.test(l)), one.out.join("\n"));
  const four = await design([...base, "--workers", "4", "--out", join(mkdtempSync(join(tmpdir(), "plm-est-")), "s")]);
  assert.ok(Math.abs(four.r.estimate.seconds - Math.max(total / 4, ...each)) / total < 1e-6);
  // nothing measured: say so, and how to measure
  const empty = mkdtempSync(join(tmpdir(), "plm-est-empty-"));
  const none = await design(["--objective", "clm", "--budgets", "1e11", "--corpus", "/nonexistent", "--fixed", "--speed-from", empty, "--out", join(mkdtempSync(join(tmpdir(), "plm-est-")), "s")]);
  assert.equal(none.r.estimate.seconds, null);
  assert.ok(none.out.some((l) => /wall time on this machine: unknown — no finished run with a wall time under/.test(l)), none.out.join("\n"));
  if (!existsSync("demo-out/calibration")) { // the default source, when no demo has been run where the test runs
    const dflt = await design(["--objective", "clm", "--budgets", "1e11", "--corpus", "/nonexistent", "--fixed", "--out", join(mkdtempSync(join(tmpdir(), "plm-est-")), "s")]);
    assert.ok(dflt.out.some((l) => /wall time on this machine: unknown — run 'plmscale demo --quick' once/.test(l)), dflt.out.join("\n"));
  }
});

// `plmscale fit` on tables nobody curated, as a user meets it (real CLI processes): absurd values are refused
// naming file, line and column; C far from 6·N·D and duplicate rows are reported; constant losses are refused;
// intervals never print NaN, and failed bootstrap resamples are counted and flagged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { syntheticIsoflop } from "../../src/scaling/synthetic.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "plm-fit-input-"));
const law = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const HEADER = "objective,N,D,C,loss";

function table(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, [HEADER, ...lines].join("\n") + "\n");
  return p;
}
function fit(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, "fit", ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const good = syntheticIsoflop({ law, budgets: [1e17, 1e18, 1e19], sizes: 7, sigma: 0.002, seed: 4 }).map((r) => `mlm,${r.N},${r.D},${r.C},${r.loss}`);

test("a row with N or loss of 1e308 is refused naming file, line and column; --skip-bad fits the rest", () => {
  const p = table("huge.csv", [...good.slice(0, 4), "mlm,1e308,1e9,6e317,2.5", ...good.slice(4)]);
  const r = fit(["--runs", p, "--objective", "mlm", "--bootstrap", "0"]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:6: column 'N': 1e\\+308 is outside the plausible range`));
  const l = table("hugeloss.csv", [...good, "mlm,1e6,1e9,6e15,1e308"]);
  assert.match(fit(["--runs", l, "--objective", "mlm"]).err, /:23: column 'loss': 1e\+308 is outside the plausible range/);
  const s = fit(["--runs", p, "--objective", "mlm", "--bootstrap", "0", "--skip-bad"]);
  assert.equal(s.code, 0, s.err);
  assert.doesNotMatch(s.out, /Infinity|NaN/);
});

test("C far from 6·N·D and duplicate rows are reported with their lines; the duplicate is dropped", () => {
  const [o, N, D] = good[0]!.split(",");
  const p = table("odd.csv", [...good, `${o},${N},${D},${6 * Number(N) * Number(D) * 3},2.7`, good[5]!]);
  const r = fit(["--runs", p, "--objective", "mlm", "--bootstrap", "0", "--json"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /odd\.csv:23: C = .* is 3\.00× 6·N·D/);
  assert.match(r.err, /odd\.csv:24: duplicate of line 7 .*dropped/);
  assert.equal(JSON.parse(r.out).runs, 22, "21 good rows + the odd-C row; the duplicate dropped");
});

test("a parametric fit on constant losses is refused with the reason, not NaN·C^-0.0000", () => {
  const p = table("flat.csv", good.map((l) => l.split(",").slice(0, 4).join(",") + ",2.5"));
  const r = fit(["--runs", p, "--objective", "mlm", "--method", "parametric", "--bootstrap", "0"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /all 21 losses are equal \(2\.5\); there is no law to fit/);
  assert.doesNotMatch(r.out + r.err, /NaN/);
});

test("when every bootstrap resample fails: no NaN, '[no interval]', and the failure is reported", () => {
  // two budgets of exactly three sizes: a resample keeps all three sizes of both budgets with p ≈ 0.05
  const rows = syntheticIsoflop({ law, budgets: [1e17, 1e19], sizes: 3, sigma: 0, seed: 1 }).map((r) => `mlm,${r.N},${r.D},${r.C},${r.loss}`);
  const p = table("tiny.csv", rows);
  let sawAllFailed = false;
  for (let seed = 0; seed < 4; seed++) {
    const r = fit(["--runs", p, "--objective", "mlm", "--bootstrap", "4", "--seed", String(seed)]);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /NaN/);
    const j = JSON.parse(fit(["--runs", p, "--objective", "mlm", "--bootstrap", "4", "--seed", String(seed), "--json"]).out);
    assert.equal(j.fit.bootstrap.failed + j.fit.bootstrap.succeeded, 4);
    if (j.fit.bootstrap.succeeded === 0) {
      sawAllFailed = true;
      assert.equal(j.fit.ci.a, null);
      assert.match(r.out, /N_opt = .*\[no interval\]/);
      assert.match(r.out, /warning: no bootstrap resample succeeded \(4 of 4 failed\)/);
    } else {
      assert.match(r.out, /warning: only \d of 4 bootstrap resamples succeeded/);
    }
  }
  assert.ok(sawAllFailed, "some seed should fail every resample");
});

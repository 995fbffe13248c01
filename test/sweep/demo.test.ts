// `plmscale demo --quick` end to end: Swiss-Prot corpus → CLM and MLM sweeps → fit → report, then a second
// invocation that finds every run finished. Needs the native addon and Debian's metastudent-data (a few minutes
// on 2 cores); skipped where either is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { swissprotAvailable } from "../../src/data/swissprot.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const ADDON = fileURLToPath(new URL("../../../native/build/plmscale.node", import.meta.url));
const why = !existsSync(ADDON) ? "native addon not built" : !swissprotAvailable().ok ? swissprotAvailable().why : process.env.PLMSCALE_SKIP_DEMO ? "PLMSCALE_SKIP_DEMO set" : false;

test("demo --quick: corpus, two sweeps, fit, report; a second run redoes nothing", { skip: why, timeout: 900_000 }, () => {
  const out = join(mkdtempSync(join(tmpdir(), "plmscale-demo-")), "demo");
  const r = spawnSync(process.execPath, [MAIN, "demo", "--quick", "--out", out], { encoding: "utf8", timeout: 880_000 });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  assert.match(r.stdout, /CLM: IsoFLOP .*paper a=0\.578 b=0\.422/);
  assert.match(r.stdout, /MLM: IsoFLOP .*paper a=0\.776 b=0\.23/);
  assert.match(r.stdout, /18 runs: 18 trained now, 0 already done, 0 failed/);
  assert.ok(existsSync(join(out, "corpus", "manifest.json")));
  const demo = JSON.parse(readFileSync(join(out, "demo.json"), "utf8")) as { runs: number; summary: { done: number } };
  assert.equal(demo.summary.done, 18);
  const fit = JSON.parse(readFileSync(join(out, "sweep", "fit.json"), "utf8")) as { objectives: { objective: string; runs: number }[] };
  assert.deepEqual(fit.objectives.map((o) => [o.objective, o.runs]), [["clm", 9], ["mlm", 9]]);
  const html = readFileSync(join(out, "report.html"), "utf8");
  assert.equal((html.match(/<svg/g) ?? []).length >= 5, true);
  // every finished run has a real loss: below a uniform guess over the 33-token vocabulary (ln 33 ≈ 3.50), above 2
  for (const line of readFileSync(join(out, "sweep", "status.json"), "utf8").match(/"loss": [\d.]+/g) ?? []) {
    const loss = Number(line.split(": ")[1]);
    assert.ok(loss > 2 && loss < 3.5, `loss ${loss}`);
  }
  const again = spawnSync(process.execPath, [MAIN, "demo", "--quick", "--out", out], { encoding: "utf8", timeout: 300_000 });
  assert.equal(again.status, 0, again.stderr.slice(-2000));
  assert.match(again.stdout, /18 runs: 0 trained now, 18 already done, 0 failed/);
});

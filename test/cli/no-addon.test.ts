// Without the native addon (PLMSCALE_ADDON pointing nowhere) everything that needs no tensors still works:
// plan, fit, report, sweep design|status|fit and every command's --help, as real processes through the launcher.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { commands } from "../../src/cli/registry.js";
import { syntheticIsoflop } from "../../src/scaling/synthetic.js";
import { syntheticSweep } from "../sweep/synthetic-sweep.js";

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const NO_ADDON = { ...process.env, PLMSCALE_ADDON: "/nonexistent/plmscale.node" };
const plmscale = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: NO_ADDON });
function ok(args: string[]) {
  const r = plmscale(args);
  assert.equal(r.status, 0, `plmscale ${args.join(" ")}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /addon|unexpected error/);
  return r;
}
const dir = mkdtempSync(join(tmpdir(), "plmscale-noaddon-"));

test("plan --flops 1e21 --json and fit on a small runs table run without the addon", () => {
  const plan = JSON.parse(ok(["plan", "--flops", "1e21", "--objective", "mlm", "--json"]).stdout);
  assert.equal(plan.C, 1e21);
  assert.ok(plan.N > 1e8 && plan.N < 1e10, `N_opt ${plan.N}`);
  const csv = join(dir, "runs.csv");
  const law = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
  writeFileSync(csv, "objective,N,D,C,loss\n" + syntheticIsoflop({ law, sigma: 0.003, seed: 2 }).map((r) => `mlm,${r.N},${r.D},${r.C},${r.loss}`).join("\n") + "\n");
  const fit = JSON.parse(ok(["fit", "--runs", csv, "--bootstrap", "0", "--json"]).stdout);
  assert.equal(fit.method, "isoflop");
  assert.ok(fit.fit.a > 0.3 && fit.fit.a < 0.8, `a = ${fit.fit.a}`);
});

test("sweep design, status, fit and report run without the addon", () => {
  const s = syntheticSweep();
  const st = JSON.parse(ok(["sweep", "status", s.dir, "--json"]).stdout);
  assert.ok(st.counts.done > 0);
  ok(["sweep", "fit", s.dir, "--bootstrap", "10"]);
  assert.ok(existsSync(join(s.dir, "fit.json")));
  const html = join(dir, "r.html");
  ok(["report", s.dir, "--out", html]);
  assert.match(readFileSync(html, "utf8"), /<svg/);
  const corpus = join(dir, "corpus");
  mkdirSync(corpus);
  const out = join(dir, "sweep");
  ok(["sweep", "design", "--objective", "mlm", "--budgets", "1e15,1e16", "--corpus", corpus, "--out", out, "--preset", "paper"]);
  assert.ok(existsSync(join(out, "sweep.json")));
});

test("--help of every command works without the addon", () => {
  for (const c of commands) assert.match(ok([...c.name.split(" "), "--help"]).stdout, new RegExp(`^Usage: plmscale ${c.name}`));
});

test("plan does not load the addon; doctor does (the check can tell)", () => {
  const probe = (cmd: string[]) => {
    const script = `const { main } = await import(${JSON.stringify(fileURLToPath(new URL("../../src/cli/main.js", import.meta.url)))});
      const code = await main(${JSON.stringify(cmd)});
      const n = await import(${JSON.stringify(fileURLToPath(new URL("../../src/torch/native.js", import.meta.url)))});
      console.error("LOADED=" + n.nativeLoaded() + " CODE=" + code);`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    return /LOADED=(\w+) CODE=(\d+)/.exec(r.stderr)?.slice(1) ?? [r.stderr];
  };
  assert.deepEqual(probe(["plan", "--flops", "1e21", "--objective", "mlm", "--json"]), ["false", "0"]);
  assert.deepEqual(probe(["doctor", "--json"]), ["true", "0"]);
});

// plmscale doctor, as a user runs it: its facts checked against sources other than the calls doctor makes
// (libtorch's own version header, the thread count we ask for, the files it names), and the missing-addon path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const doctor = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [MAIN, "doctor", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
const VERSION_H = "/usr/include/torch/csrc/api/include/torch/version.h";

test("doctor --json: the libtorch version of the headers, the threads asked for, a BLAS library that exists", (t) => {
  const r = doctor(["--json"], { PLMSCALE_THREADS: "1" });
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.threads, 1, "PLMSCALE_THREADS=1 is honoured");
  const r2 = JSON.parse(doctor(["--json"], { PLMSCALE_THREADS: "2" }).stdout);
  assert.equal(r2.threads, 2);
  assert.ok(existsSync(d.addon), `the addon it names exists: ${d.addon}`);
  for (const lib of d.blas) assert.ok(existsSync(lib), `BLAS library ${lib} exists`);
  assert.match(d.attention, /^(fused|fused-1\.13|composite)$/);
  assert.ok(!d.config.includes("\n"), "the build configuration is summarised unless --verbose");
  const verbose = JSON.parse(doctor(["--json", "--verbose"]).stdout);
  assert.ok(verbose.config.split("\n").length > 3, "--verbose prints the whole build configuration");
  if (!existsSync(VERSION_H) || d.addon !== fileURLToPath(new URL("../../../native/build/plmscale.node", import.meta.url))) {
    t.diagnostic("no Debian libtorch headers (or a custom addon): version not cross-checked");
    return;
  }
  const h = readFileSync(VERSION_H, "utf8");
  const part = (k: string) => /\d+/.exec(h.slice(h.indexOf(`TORCH_VERSION_${k}`)))![0];
  assert.ok(d.torchVersion.startsWith(`${part("MAJOR")}.${part("MINOR")}.${part("PATCH")}`), `${d.torchVersion} vs version.h`);
  const human = doctor([]);
  assert.match(human.stdout, new RegExp(`^libtorch\\s+${d.torchVersion.replace(/[.+]/g, "\\$&")} \\((CPU|CUDA) build\\)$`, "m"));
});

test("doctor without the addon: says where it looked and how to build it, exit 3, no stack trace", () => {
  const r = doctor([], { PLMSCALE_ADDON: "/nonexistent/plmscale.node" });
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^plmscale doctor: the native addon is not built: no file at \/nonexistent\/plmscale\.node \(from PLMSCALE_ADDON\)/);
  assert.match(r.stderr, /bash scripts\/build-native\.sh/);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
  assert.equal(r.stdout, "");
});

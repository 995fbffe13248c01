// The plmscale launcher (bin.ts) re-executes node with tcmalloc preloaded when the library is installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tcmallocPath } from "../../src/torch/allocator.js";

const bin = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const doctor = (env: NodeJS.ProcessEnv) => {
  const r = spawnSync(process.execPath, [bin, "doctor", "--json"], { env: { ...process.env, LD_PRELOAD: "", ...env }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { tcmalloc: boolean };
};

test("launcher preloads tcmalloc when installed; PLMSCALE_MALLOC=default keeps glibc", () => {
  assert.equal(doctor({ PLMSCALE_MALLOC: "default" }).tcmalloc, false);
  assert.equal(doctor({}).tcmalloc, tcmallocPath() !== null);
});

test("launcher passes the exit code through", () => {
  const r = spawnSync(process.execPath, [bin, "no-such-command"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command/);
});

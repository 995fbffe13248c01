// scripts/run-tests.mjs (what `npm test` runs) skips compiled tests whose source was moved or deleted: tsc
// leaves their old copies under dist/test, and after a `git pull` they failed against the new code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/run-tests.mjs", import.meta.url));

test("a compiled test without its source is skipped and named; the others run", () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-run-tests-"));
  mkdirSync(join(dir, "dist", "test", "old"), { recursive: true });
  mkdirSync(join(dir, "test"), { recursive: true });
  const body = (ok: boolean) => `import { test } from "node:test";\ntest("${ok ? "live" : "orphan"}", () => { if (!${ok}) throw new Error("stale copy ran"); });\n`;
  writeFileSync(join(dir, "dist", "test", "live.test.js"), body(true));
  writeFileSync(join(dir, "test", "live.test.ts"), "// source of live.test.js\n");
  writeFileSync(join(dir, "dist", "test", "old", "gone.test.js"), body(false)); // its test/old/gone.test.ts was moved away
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // else the inner test runner reports to this one in its binary protocol
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: "utf8", env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /skipping 1 compiled test\(s\) whose source is gone: dist\/test\/old\/gone\.test\.js/);
  assert.match(r.stdout, /✔ live/);
  assert.doesNotMatch(r.stdout, /orphan/);
});

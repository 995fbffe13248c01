// Expected failures are UserErrors: main.ts prints their message (file, line, column) and exit code, no stack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const plmscale = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8" });

test("a bad runs table: the row's file, line and column on stderr, exit 1, no stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-err-"));
  const csv = join(dir, "runs.csv");
  writeFileSync(csv, "objective,N,D,C,loss\nmlm,1e6,1e9,,2.5\nmlm,2e6,1e9,,oops\n");
  const r = plmscale(["fit", "--runs", csv]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^plmscale fit: .*runs\.csv:3: column 'loss': 'oops' is not a number \(use --skip-bad/);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
});

test("usage errors exit 2 and a damaged corpus exits 3, each with one line", () => {
  const bad = plmscale(["plan", "--flops", "1e21", "--objective", "xlm"]);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim(), "plmscale plan: --objective: 'xlm' is not one of clm, mlm");
  const stats = plmscale(["data", "stats", tmpdir()]);
  assert.equal(stats.status, 3, stats.stderr);
  assert.match(stats.stderr, /no manifest\.json/);
  assert.doesNotMatch(stats.stderr, /\n\s+at /);
});

// Runs every compiled test file under dist/test with node's test runner (Node 20 takes no globs).
// Usage: node scripts/run-tests.mjs [substring filter...]
// --expose-gc reaches every test file's process (node --test passes its execArgv on): test/torch/memory.test.ts
// collects garbage before measuring RSS and fails without it.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
// tsc never deletes outputs, so a test moved or deleted in the sources leaves its old compiled copy under
// dist/test (after a git pull, say); only files whose test/…ts source still exists are run
const sourceOf = (f) => f.replace(/^dist[\\/]/, "").replace(/\.js$/, ".ts");
const compiled = walk("dist/test");
const orphans = compiled.filter((f) => !existsSync(sourceOf(f)));
if (orphans.length > 0) console.error(`run-tests: skipping ${orphans.length} compiled test(s) whose source is gone: ${orphans.join(", ")}`);
const files = compiled.filter((f) => !orphans.includes(f)).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error("no test files found under dist/test (did the build run?)");
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--expose-gc", "--test", "--test-reporter=spec", "--test-concurrency=1", ...files], {
  stdio: "inherit",
  env: { ...process.env, PLMSCALE_TEST: "1" },
});
process.exit(r.status ?? 1);

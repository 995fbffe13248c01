// A read-only output location is reported as read-only (Node's recursive mkdir says ENOENT there), in words,
// by train and by sweep design. A real read-only tmpfs (mounted as root; skipped otherwise).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SWISSPROT_SAMPLE } from "../data/helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: "1" } });

test("read-only --out: 'the file system is read-only', not 'no such file or directory'", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-ro-"));
  const corpus = join(dir, "corpus");
  assert.equal(run(["data", "prepare", "--quiet", "--cluster", "none", "--source", `sp=${SWISSPROT_SAMPLE}`, "--out", corpus]).status, 0);
  const mnt = join(dir, "ro");
  spawnSync("mkdir", [mnt]);
  const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", mnt], { encoding: "utf8" });
  if (m.status !== 0) return t.skip(`cannot mount a tmpfs here (${m.stderr.trim()}); needs root`);
  try {
    const cases: Array<[string, string[]]> = [
      ["train", ["train", "--objective", "clm", "--shape", "1,16,2", "--context", "32", "--tokens", "1000", "--threads", "1", "--data", corpus, "--out", join(mnt, "a", "run")]],
      ["sweep design", ["sweep", "design", "--objective", "clm", "--budgets", "1e13", "--corpus", corpus, "--out", join(mnt, "sweep")]],
    ];
    for (const [what, argv] of cases) {
      const r = run(argv);
      assert.equal(r.status, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, /the file system is read-only \[EROFS\]/, what);
      assert.doesNotMatch(r.stderr, /ENOENT|no such file|\n\s+at /, what);
    }
  } finally {
    spawnSync("umount", [mnt]);
  }
});

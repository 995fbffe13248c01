// Nothing half-written: `export` and `import` onto a real full disk (a small tmpfs, mounted as root) leave
// nothing in --out and no temp behind, and the same command succeeds once space is freed; a checkpoint whose
// write fails removes its temp directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { writeCheckpoint } from "../../src/train/checkpoint.js";
import { SMALL, randomModel, tmp, writeRun } from "./helpers.js";

function withTmpfs(t: { skip(msg: string): void }, size: string, fn: (mnt: string) => Promise<void> | void): Promise<void> | void {
  const mnt = mkdtempSync(join(tmpdir(), "plmscale-full-"));
  const m = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mnt], { encoding: "utf8" });
  if (m.status !== 0) return t.skip(`cannot mount a tmpfs here (${m.stderr.trim() || m.error?.message}); needs root`);
  return (async () => {
    try {
      await fn(mnt);
    } finally {
      spawnSync("umount", [mnt]);
    }
  })();
}

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  const errs: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => errs.push(a.join(" "));
  try {
    return { code: await main(argv), err: errs.join("\n") };
  } finally {
    console.error = orig;
  }
}

test("export and import onto a full disk leave nothing; the rerun after freeing space succeeds", async (t) => {
  const dir = tmp("plmscale-atomic-");
  const mlm = randomModel("mlm", SMALL, 41);
  writeRun(join(dir, "run"), "mlm", mlm);
  mlm.dispose();
  assert.equal(await main(["export", "--run", join(dir, "run"), "--out", join(dir, "hf")]), 0);
  const st = statSync(join(dir, "hf", "model.safetensors")).size;
  await withTmpfs(t, "1m", async (mnt) => {
    // leave less room than the weights need
    const filler = join(mnt, "filler");
    writeFileSync(filler, Buffer.alloc(1024 * 1024 - Math.floor(st / 2) - 16 * 1024));
    const cases: Array<[string, string[]]> = [
      ["export", ["export", "--run", join(dir, "run"), "--out", join(mnt, "out-hf")]],
      ["import", ["import", "--from", join(dir, "hf"), "--out", join(mnt, "out-run")]],
    ];
    for (const [what, argv] of cases) {
      const full = await cli(argv);
      assert.equal(full.code, 1, `${what}: ${full.err}`);
      assert.match(full.err, /the disk is full/, what);
      assert.deepEqual(readdirSync(mnt), ["filler"], `${what}: nothing but the filler is left on the full disk`);
    }
    rmSync(filler);
    for (const [what, argv] of cases) {
      const again = await cli(argv);
      assert.equal(again.code, 0, `${what} after freeing space: ${again.err}`);
    }
    assert.equal(statSync(join(mnt, "out-hf", "model.safetensors")).size, st);
    assert.ok(existsSync(join(mnt, "out-run", "import.json")));
    assert.deepEqual(readdirSync(mnt).sort(), ["out-hf", "out-run"], "no temp directory left beside the results");
  });
});

test("a checkpoint write that fills the disk removes its temp directory", async (t) => {
  await withTmpfs(t, "256k", (mnt) => {
    const root = join(mnt, "checkpoints");
    assert.throws(() => writeCheckpoint(root, 7, (d) => writeFileSync(join(d, "model.safetensors"), Buffer.alloc(512 * 1024))), (e: NodeJS.ErrnoException) => e.code === "ENOSPC");
    assert.deepEqual(readdirSync(root), [], "the temp directory of the failed checkpoint is gone");
    // and the next checkpoint fits
    writeCheckpoint(root, 8, (d) => writeFileSync(join(d, "model.safetensors"), Buffer.alloc(16 * 1024)));
    assert.deepEqual(readdirSync(root), ["step-00000008"]);
  });
});

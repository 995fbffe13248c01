// The train command as the sweep runs it: a subprocess killed with SIGKILL mid-run, then `--resume`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readMetrics, runPaths } from "../../src/train/rundir.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE", "PPGGSSLLKKRRTTAA",
  "MVLSPADKTNVKAAWG", "GLSDGEWQQVLNVWGK", "AQRFYCDNKWQLHPTE", "MSTNPKPQRKTKRNTN", "MALWMRLLPLLALLALWGPD"];

function args(fasta: string, out: string): string[] {
  return [MAIN, "train", "--objective", "mlm", "--shape", "2,32,4", "--context", "64", "--tokens", String(64 * 4 * 24), "--batch-tokens", "256",
    "--micro-rows", "2", "--lr", "3e-3", "--threads", "1", "--seed", "1", "--eval-every", "6", "--eval-tokens", "128",
    "--checkpoint-every", "2", "--data", fasta, "--out", out, "--json"];
}

test("SIGKILL mid-run, then --resume: same metrics as an uninterrupted run; errors exit non-zero with a message", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "plm-cli-"));
  const fasta = join(dir, "seqs.fasta");
  writeFileSync(fasta, SEQS.map((s, i) => `>p${i}\n${s}\n`).join("").repeat(3));
  const a = spawnSync(process.execPath, args(fasta, join(dir, "a")), { encoding: "utf8" });
  assert.equal(a.status, 0, a.stderr);
  const result = JSON.parse(a.stdout);
  assert.equal(result.steps, 24);

  const b = join(dir, "b");
  const child = spawn(process.execPath, args(fasta, b), { stdio: "ignore" });
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(runPaths(b).metrics) && readMetrics(runPaths(b)).length >= 9) {
        clearInterval(poll);
        child.kill("SIGKILL");
        resolve();
      }
    }, 20);
    child.on("exit", () => (clearInterval(poll), reject(new Error("finished before it could be killed"))));
  });
  await new Promise((r) => child.on("exit", r));
  assert.ok(!existsSync(runPaths(b).result));
  const r = spawnSync(process.execPath, [MAIN, "train", "--resume", b, "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /resuming/);
  const full = readMetrics(runPaths(join(dir, "a"))), resumed = readMetrics(runPaths(b));
  assert.deepEqual(resumed.map((m) => m.step), full.map((m) => m.step));
  for (let i = 0; i < full.length; i++) assert.ok(Math.abs(resumed[i]!.trainLoss - full[i]!.trainLoss) < 1e-5, `step ${i + 1}`);
  assert.ok(Math.abs(JSON.parse(r.stdout).valLoss - result.valLoss) < 1e-5);

  // expected failures: a clear one-line message and a non-zero exit
  const bad = spawnSync(process.execPath, [...args(fasta, join(dir, "c")).slice(0, -5), "--data", join(dir, "missing.fa"), "--out", join(dir, "c")], { encoding: "utf8" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /plmscale train: training data not found/);
  const again = spawnSync(process.execPath, args(fasta, join(dir, "a")), { encoding: "utf8" });
  assert.equal(again.status, 2);
  assert.match(again.stderr, /already holds a run/);
  const cfg = join(dir, "bad.json");
  writeFileSync(cfg, JSON.stringify({ model: { layer: 2 } }));
  const badCfg = spawnSync(process.execPath, [MAIN, "train", "--config", cfg, "--data", fasta, "--out", join(dir, "d")], { encoding: "utf8" });
  assert.equal(badCfg.status, 2);
  assert.match(badCfg.stderr, /unknown key 'model.layer'/);
  const noRun = spawnSync(process.execPath, [MAIN, "train", "--resume", join(dir, "nothing")], { encoding: "utf8" });
  assert.equal(noRun.status, 2);
  assert.ok(readFileSync(join(dir, "a", "config.json"), "utf8").includes('"objective": "mlm"'));
  rmSync(dir, { recursive: true, force: true });
});

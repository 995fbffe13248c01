// The train command as the sweep runs it: a subprocess killed with SIGKILL mid-run, then `--resume`. The killed
// run is started by pause-at-step.ts (the same config path as `plmscale train`), which reports step K and
// blocks there, so the kill lands at step K every time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readMetrics, runPaths } from "../../src/train/rundir.js";
import { listCheckpoints } from "../../src/train/checkpoint.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const PAUSE = fileURLToPath(new URL("./pause-at-step.js", import.meta.url));
const SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE", "PPGGSSLLKKRRTTAA",
  "MVLSPADKTNVKAAWG", "GLSDGEWQQVLNVWGK", "AQRFYCDNKWQLHPTE", "MSTNPKPQRKTKRNTN", "MALWMRLLPLLALLALWGPD"];

const FLAGS = {
  objective: "mlm", shape: "2,32,4", context: 64, tokens: 64 * 4 * 24, batchTokens: 256, microRows: 2, lr: 3e-3, threads: 1, seed: 1,
  evalEvery: 6, evalTokens: 128, checkpointEvery: 2,
};

function args(fasta: string, out: string): string[] {
  const flags = Object.entries(FLAGS).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`, String(v)]);
  return [MAIN, "train", ...flags, "--data", fasta, "--out", out, "--json"];
}

/** Start a run that stops at step `k` (printing "step k") and SIGKILL it there. */
async function killAtStep(k: number, fasta: string, out: string): Promise<void> {
  const child = spawn(process.execPath, [PAUSE, String(k), out, JSON.stringify({ ...FLAGS, data: fasta })], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_, sig) => res(sig)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      if (stdout.includes("\n")) resolve();
    });
    child.on("exit", () => reject(new Error(`the run ended before reporting step ${k}: ${stdout}${stderr}`)));
  });
  assert.equal(stdout, `step ${k}\n`);
  // paused inside step k: its metrics are written, nothing after them
  assert.deepEqual(readMetrics(runPaths(out)).map((m) => m.step), Array.from({ length: k }, (_, i) => i + 1));
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
}

test("SIGKILL mid-run, then --resume: same metrics as an uninterrupted run; errors exit non-zero with a message", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "plm-cli-"));
  const fasta = join(dir, "seqs.fasta");
  writeFileSync(fasta, SEQS.map((s, i) => `>p${i}\n${s}\n`).join("").repeat(3));
  const a = spawnSync(process.execPath, args(fasta, join(dir, "a")), { encoding: "utf8" });
  assert.equal(a.status, 0, a.stderr);
  const result = JSON.parse(a.stdout);
  assert.equal(result.steps, 24);

  // killed at step 9, between checkpoints (every 2 steps): the resume starts from step 8 and redoes step 9
  const b = join(dir, "b");
  await killAtStep(9, fasta, b);
  assert.ok(!existsSync(runPaths(b).result));
  assert.deepEqual(listCheckpoints(runPaths(b).checkpoints).map((c) => c.step).sort((x, y) => x - y), [6, 8]);
  const r = spawnSync(process.execPath, [MAIN, "train", "--resume", b, "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /resuming .* \(step 8\/24\)/);
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

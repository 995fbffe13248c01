// Memory before allocation: a model that cannot fit is refused with the figures before it is built.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTrainMemory } from "../../src/train/memory-check.js";
import { defaultConfig } from "../../src/train/config.js";

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));

test("checkTrainMemory: weights + grads + AdamW + activations against the limit", () => {
  const big = defaultConfig();
  big.model = { ...big.model, layers: 64, dModel: 8192, heads: 64, ffn: 4 * 8192 };
  // ≈ 51.6e9 parameters × 16 bytes (fp32 weights, grads, m, v) ≈ 825 GB, + 37 GB of activations
  assert.throws(() => checkTrainMemory(big, { bytes: 128e9, source: "test" }), /5\.1\de\+10 parameters need about 8\d\d GB \(weights 206 GB, gradients 206 GB, AdamW state 41\d GB, .*but this process may use 128 GB \(test\)/);
  assert.throws(() => checkTrainMemory(big, { bytes: 850e9, source: "test" }), /need about/); // activations push it over
  const small = defaultConfig();
  small.model = { ...small.model, layers: 2, dModel: 64, heads: 4, ffn: 256 };
  checkTrainMemory(small, { bytes: 1e9, source: "test" });
  assert.throws(() => checkTrainMemory(small, { bytes: 1e5, source: "test" }), /may use 0\.00 GB/);
  big.device = "cuda"; // the device's memory is the planner's business (plan --gpu), not the host's
  checkTrainMemory(big, { bytes: 1e9, source: "test" });
});

test("train --shape 64,8192,64 is refused before allocating, with the figures", () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-mem-"));
  const data = join(dir, "d.fasta");
  writeFileSync(data, ">a\nMKTAYIAKQRQISFVKSHFSRQ\n>b\nLLGACDEFGHIKLMNPQ\n>c\nWYVHHKKTTSSAAGG\n");
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, "train", "--shape", "64,8192,64", "--context", "64", "--tokens", "1M", "--threads", "1", "--data", data, "--out", join(dir, "run")],
    { encoding: "utf8", timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: "1" } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /--shape 64,8192,64: 5\.1\de\+10 parameters need about \d+ GB .*but this process may use \d+(\.\d+)? GB \((physical memory|cgroup limit)/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.ok(Date.now() - t0 < 60_000, "refused quickly");
  assert.equal(existsSync(join(dir, "run", "config.json")), false, "no run directory written");
});

test("train --tokens 1e30 / --flops 1e40 are refused as usage errors naming the budget", () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-budget-"));
  const data = join(dir, "d.fasta");
  writeFileSync(data, ">a\nMKTAYIAKQRQISFVKSHFSRQ\n>b\nLLGACDEFGHIKLMNPQ\n>c\nWYVHHKKTTSSAAGG\n");
  for (const budget of [["--tokens", "1e30"], ["--flops", "1e40"]]) {
    const r = spawnSync(process.execPath, [BIN, "train", "--shape", "1,16,2", "--context", "32", ...budget, "--threads", "1", "--data", data, "--out", join(dir, budget[0]!.slice(2))],
      { encoding: "utf8", timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: "1" } });
    assert.equal(r.status, 2, `${budget.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /optimizer steps of \d+ tokens, more than 1e\+9 .*check --tokens \/ --flops/);
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync, mkdirSync, readdirSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeCheckpoint, latestGoodCheckpoint, pruneCheckpoints, checkCheckpoint, listCheckpoints, COMPLETE } from "../../src/train/checkpoint.js";
import { writeFileAtomic } from "../../src/core/files.js";
import { runPaths, appendMetrics, truncateMetrics, readMetrics } from "../../src/train/rundir.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "plm-ckpt-"));
}

const fill = (payload: string) => (dir: string) => {
  writeFileSync(join(dir, "model.safetensors"), payload);
  writeFileSync(join(dir, "state.json"), JSON.stringify({ payload }));
};

test("a written checkpoint is good and round-trips its files", () => {
  const root = tmp();
  const c = writeCheckpoint(root, 7, fill("weights-7"));
  assert.equal(checkCheckpoint(c.dir), null);
  assert.equal(readFileSync(join(c.dir, "model.safetensors"), "utf8"), "weights-7");
  assert.deepEqual(latestGoodCheckpoint(root), c);
  assert.ok(!readdirSync(root).some((n) => n.startsWith(".tmp-")));
  rmSync(root, { recursive: true });
});

test("partial, truncated and corrupted checkpoints are detected and skipped with a message", () => {
  const root = tmp();
  writeCheckpoint(root, 1, fill("one"));
  const c2 = writeCheckpoint(root, 2, fill("two"));
  const c3 = writeCheckpoint(root, 3, fill("three"));
  // 3: a flipped byte (same size)
  writeFileSync(join(c3.dir, "model.safetensors"), "thrEe");
  // 4: killed before COMPLETE was written (as if renamed early by another writer)
  mkdirSync(join(root, "step-00000004"));
  writeFileSync(join(root, "step-00000004", "model.safetensors"), "four");
  const msgs: string[] = [];
  const got = latestGoodCheckpoint(root, (m) => msgs.push(m));
  assert.equal(got?.step, 2);
  assert.equal(msgs.length, 2);
  assert.match(msgs[0]!, /step-00000004: no COMPLETE marker/);
  assert.match(msgs[1]!, /step-00000003: model.safetensors checksum mismatch/);
  // 2 truncated → falls back to 1
  truncateSync(join(c2.dir, "state.json"), 3);
  assert.equal(latestGoodCheckpoint(root)?.step, 1);
  assert.match(checkCheckpoint(c2.dir)!, /state.json has 3 bytes/);
  rmSync(root, { recursive: true });
});

test("keep-last-k prunes older good ones and leftovers of killed writers", () => {
  const root = tmp();
  for (let s = 1; s <= 5; s++) writeCheckpoint(root, s * 10, fill(`w${s}`));
  mkdirSync(join(root, ".tmp-step-00000060-123"));
  pruneCheckpoints(root, 2);
  assert.deepEqual(listCheckpoints(root).map((c) => c.step), [50, 40]);
  assert.ok(!existsSync(join(root, ".tmp-step-00000060-123")));
  // rewriting a step that exists replaces it
  writeCheckpoint(root, 50, fill("again"));
  assert.equal(readFileSync(join(root, "step-00000050", "model.safetensors"), "utf8"), "again");
  assert.ok(existsSync(join(root, "step-00000050", COMPLETE)));
  rmSync(root, { recursive: true });
});

test("atomic write leaves no temp file and replaces the content", () => {
  const root = tmp();
  const p = join(root, "result.json");
  writeFileAtomic(p, "a");
  writeFileAtomic(p, "bb");
  assert.equal(readFileSync(p, "utf8"), "bb");
  assert.deepEqual(readdirSync(root), ["result.json"]);
  rmSync(root, { recursive: true });
});

test("metrics: torn last line dropped, truncation to a checkpoint step on resume", () => {
  const root = tmp();
  const p = runPaths(root);
  for (let s = 1; s <= 5; s++) appendMetrics(p, { step: s, tokens: s * 100, flops: 0, trainLoss: 3 - s / 10, lr: 1e-3, gradNorm: 1, tokensPerSecond: 10, time: s });
  writeFileSync(p.metrics, readFileSync(p.metrics, "utf8") + '{"step":6,"tok');
  assert.equal(readMetrics(p).length, 5);
  const kept = truncateMetrics(p, 3);
  assert.deepEqual(kept.map((m) => m.step), [1, 2, 3]);
  assert.deepEqual(readMetrics(p).map((m) => m.step), [1, 2, 3]);
  rmSync(root, { recursive: true });
});

// Sharded checkpoints across world sizes and shard modes, with real processes (`plmscale train --nproc 2`, Gloo
// on CPU): every run must end equal to one uninterrupted process on the same global batch (tolerance 1e-5
// relative on each step's train loss and gradient norm and on the final weights, as in ddp.test.ts).
// A resume is made from a finished run by removing result.json and the checkpoints after step 8 — the state a
// kill between steps 9 and 11 leaves behind — so every resume below starts at a known step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arrays, compareTensors, fixtureDir, MAIN, run, sameCurve, skip, trainArgs } from "./dist-harness.js";
import * as torch from "../../src/torch/index.js";
import { listCheckpoints, stepDirName } from "../../src/train/checkpoint.js";
import { ShardReader, SHARD_INDEX_FILE, shardFileName } from "../../src/train/shard-io.js";

const { dir, fasta: FASTA } = fixtureDir("plm-shard-ck-");
// all 4 checkpoints kept
const args = (out: string, extra: string[] = []) => trainArgs(FASTA, out, ["--keep", "4", ...extra]);

const ck = (run: string, step: number) => join(run, "checkpoints", stepDirName(step));
const weights = (run: string) => arrays(torch.loadSafetensors(join(ck(run, 16), "model.safetensors")).tensors);

/** The AdamW moments of a checkpoint under one process's names, whichever format it has. */
function moments(c: string): Map<string, Float32Array> {
  if (!existsSync(join(c, SHARD_INDEX_FILE))) return arrays(torch.loadSafetensors(join(c, "optimizer.safetensors")).tensors);
  const r = new ShardReader(c);
  try {
    return arrays(r.consolidatedState());
  } finally {
    r.dispose();
  }
}

function sameRun(a: string, b: string, what: string): void {
  sameCurve(a, b, what);
  compareTensors(weights(b), weights(a), `${what} final weights`);
  compareTensors(moments(ck(b, 16)), moments(ck(a, 16)), `${what} final AdamW moments`);
}

/** A copy of a finished run cut back to its step-8 checkpoint (what a kill after step 8 leaves). */
function cutBack(src: string, name: string): string {
  const to = join(dir, name);
  cpSync(src, to, { recursive: true });
  rmSync(join(to, "result.json"));
  for (const s of [12, 16]) rmSync(ck(to, s), { recursive: true });
  return to;
}

let singleRun: string | undefined, shardedRun: string | undefined;
function single(): string {
  if (!singleRun) {
    singleRun = join(dir, "single");
    const r = run(args(singleRun));
    assert.equal(r.status, 0, r.stderr);
  }
  return singleRun;
}
/** 2 ranks, ZeRO-1, sharded checkpoints */
function sharded(): string {
  if (!shardedRun) {
    shardedRun = join(dir, "sharded");
    const r = run(args(shardedRun, ["--nproc", "2", "--shard", "optimizer", "--checkpoint-format", "sharded"]));
    assert.equal(r.status, 0, r.stderr);
  }
  return shardedRun;
}

test("2 ranks under ZeRO-1 write sharded checkpoints: each rank its slice, rank 0 weights + index; equal to one process", { skip }, () => {
  const s = sharded();
  const files = readdirSync(ck(s, 16)).sort();
  assert.deepEqual(files, ["COMPLETE", "model.safetensors", SHARD_INDEX_FILE, shardFileName(0, 2), shardFileName(1, 2), "state.json"].sort());
  const index = JSON.parse(readFileSync(join(ck(s, 16), SHARD_INDEX_FILE), "utf8")) as { worldSize: number; stepCount: number; groups: { params: { name: string }[]; numel: number; slice: number }[] };
  assert.equal(index.worldSize, 2);
  assert.equal(index.stepCount, 16);
  assert.deepEqual(index.groups.map((g) => g.slice), index.groups.map((g) => Math.ceil(g.numel / 2)));
  assert.ok(index.groups[0]!.params.some((p) => p.name.endsWith(".weight")), "parameter names in the index");
  // the config.json of the run records the strategy it ran with
  const cfg = JSON.parse(readFileSync(join(s, "config.json"), "utf8")) as { parallel: unknown };
  assert.deepEqual(cfg.parallel, { ranks: 2, shard: "optimizer", checkpointActivations: false, checkpointFormat: "sharded" });
  sameRun(single(), s, "ZeRO-1 sharded");
});

test("a 2-rank sharded checkpoint resumes with 1 process (no sharding) and with 2 ranks (ZeRO-1)", { skip }, () => {
  const one = cutBack(sharded(), "sharded-to-1");
  const r1 = run([MAIN, "train", "--resume", one, "--nproc", "1", "--shard", "none", "--checkpoint-format", "consolidated"]);
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stderr, /resuming .* from .*step-00000008 \(step 8\/16\)/);
  assert.ok(existsSync(join(ck(one, 16), "optimizer.safetensors")), "the resumed single process writes consolidated checkpoints");
  sameRun(single(), one, "sharded 2 → 1");

  const two = cutBack(sharded(), "sharded-to-2");
  const r2 = run([MAIN, "train", "--resume", two, "--quiet"]); // the run's config.json: 2 ranks, ZeRO-1, sharded
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(existsSync(join(ck(two, 16), shardFileName(1, 2))), "resumed with the run's own 2 ranks");
  sameRun(single(), two, "sharded 2 → 2");
});

test("a 1-process (consolidated) checkpoint resumes with 2 DDP ranks writing sharded checkpoints", { skip }, () => {
  const to2 = cutBack(single(), "single-to-2");
  const r = run([MAIN, "train", "--resume", to2, "--nproc", "2", "--checkpoint-format", "sharded", "--quiet"]);
  assert.equal(r.status, 0, r.stderr);
  // steps 12 and 16 were written by 2 DDP replicas, each its slice of the full moments
  for (const s of [12, 16]) assert.ok(existsSync(join(ck(to2, s), shardFileName(1, 2))), `step ${s} is sharded`);
  assert.ok(existsSync(join(ck(to2, 8), "optimizer.safetensors")));
  const res = JSON.parse(readFileSync(join(to2, "result.json"), "utf8")) as { worldSize: number };
  assert.equal(res.worldSize, 2);
  sameRun(single(), to2, "1 → 2");
});

test("a sharded checkpoint with a corrupt or missing rank file is skipped: resume walks back to the previous one", { skip }, () => {
  for (const [name, damage, why] of [
    ["corrupt-rank", (c: string) => {
      const f = join(c, shardFileName(1, 2));
      const b = readFileSync(f);
      b[b.length - 3] ^= 0xff; // same size, other bytes
      writeFileSync(f, b);
    }, /optimizer-rank-00001-of-00002\.safetensors checksum mismatch/],
    ["missing-rank", (c: string) => unlinkSync(join(c, shardFileName(0, 2))), /missing optimizer-rank-00000-of-00002\.safetensors/],
  ] as const) {
    const to = join(dir, name);
    cpSync(sharded(), to, { recursive: true });
    rmSync(join(to, "result.json"));
    damage(ck(to, 16));
    const r = run([MAIN, "train", "--resume", to, "--nproc", "1"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`skipping corrupt checkpoint .*step-00000016: ${why.source}`), `${name}: ${r.stderr}`);
    assert.match(r.stderr, /resuming .* from .*step-00000012 \(step 12\/16\)/, name);
    assert.deepEqual(listCheckpoints(join(to, "checkpoints")).map((c) => c.step).slice(0, 2), [16, 12]);
    sameRun(single(), to, name);
  }
});

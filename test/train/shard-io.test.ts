// The sharded checkpoint format (src/train/shard-io.ts) on real tensors and files: flat groups cut W ways,
// written by W "ranks", read back whole (one process's AdamW names) and as the slices of another world size.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../../src/torch/index.js";
import {
  flatLayout, readShardIndex, shardFileName, ShardReader, slicesOfFullState, SHARD_FORMAT, writeShardFile, writeShardIndex, MOMENT_KINDS,
} from "../../src/train/shard-io.js";

const dir = mkdtempSync(join(tmpdir(), "plm-shard-io-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const GROUPS = [[{ name: "a.weight", shape: [2, 3] }, { name: "b.weight", shape: [4] }], [{ name: "c.bias", shape: [5] }]];

test("flatLayout: offsets within each group, slice = ⌈numel / W⌉", () => {
  const l = flatLayout(GROUPS, 3);
  assert.deepEqual(l.map((g) => [g.numel, g.slice]), [[10, 4], [5, 2]]);
  assert.deepEqual(l[0]!.params.map((p) => p.offset), [0, 6]);
  assert.deepEqual(flatLayout(GROUPS, 1).map((g) => g.slice), [10, 5]);
  assert.deepEqual(flatLayout([[{ name: "x", shape: [1] }]], 4)[0]!.slice, 1, "every rank has a slice, even past the end");
});

/** A one-process AdamW state with distinct values: exp_avg.G.I = 100·G + 10·I + k, exp_avg_sq = its negative. */
function fullState(): Map<string, torch.Tensor> {
  const m = new Map<string, torch.Tensor>();
  GROUPS.forEach((g, gi) => g.forEach((p, i) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: n }, (_, k) => 100 * gi + 10 * i + k + 1);
    m.set(`exp_avg.${gi}.${i}`, torch.keep(torch.tensor(v).reshape(...p.shape)));
    m.set(`exp_avg_sq.${gi}.${i}`, torch.keep(torch.tensor(v.map((x) => -x)).reshape(...p.shape)));
  }));
  return m;
}

function values(t: torch.Tensor): number[] {
  return Array.from(t.data() as Float32Array);
}

test("3 ranks write their slices; the reader rebuilds one process's state and any 2-rank slice", () => {
  const W = 3, layout = flatLayout(GROUPS, W), state = fullState();
  const ck = join(dir, "w3");
  rmSync(ck, { recursive: true, force: true });
  torch.tidy(() => {
    mkdirSync(ck, { recursive: true });
    for (let r = 0; r < W; r++) writeShardFile(ck, r, W, slicesOfFullState(state, layout, r, W));
    writeShardIndex(ck, { format: SHARD_FORMAT, worldSize: W, stepCount: 7, kinds: [...MOMENT_KINDS], dtype: "float32", groups: layout });
  });
  const reader = new ShardReader(ck);
  try {
    assert.equal(reader.index.stepCount, 7);
    const back = reader.consolidatedState();
    assert.deepEqual([...back.keys()].sort(), [...state.keys()].sort());
    for (const [k, t] of state) {
      assert.deepEqual(back.get(k)!.shape, t.shape, k);
      assert.deepEqual(values(back.get(k)!), values(t), k);
    }
    torch.dispose([...back.values()]);
    // resharded to 2 ranks: group 0 (flat 1..6 then 11..14) has slice 5 — rank 1's [5, 10) spans saved
    // rank 1 (elements 4..7) and rank 2 (8..11, of which 10, 11 are padding)
    const l2 = flatLayout(GROUPS, 2);
    torch.tidy(() => {
      const r1 = reader.range(0, "exp_avg", 1 * l2[0]!.slice, l2[0]!.slice);
      assert.deepEqual(values(r1), [6, 11, 12, 13, 14]); // a.weight's last element, then all of b.weight
      // group 1 (5 elements) at 2 ranks: slice 3, rank 1 = [3, 6) → elements 3, 4 and one padding zero
      assert.deepEqual(values(reader.range(1, "exp_avg_sq", 3, 3)), [-104, -105, 0]);
      // past the saved world (3 ranks × slice 2 = 6 elements): zeros
      assert.deepEqual(values(reader.range(1, "exp_avg", 5, 3)), [0, 0, 0]);
    });
  } finally {
    reader.dispose();
    torch.dispose([...state.values()]);
  }
});

test("an index is never written over a missing rank file, and a checkpoint missing one is refused on read", () => {
  const W = 2, layout = flatLayout(GROUPS, W), state = fullState();
  const ck = join(dir, "w2");
  mkdirSync(ck, { recursive: true });
  torch.tidy(() => writeShardFile(ck, 0, W, slicesOfFullState(state, layout, 0, W)));
  const index = { format: SHARD_FORMAT, worldSize: W, stepCount: 1, kinds: [...MOMENT_KINDS], dtype: "float32", groups: layout } as const;
  assert.throws(() => writeShardIndex(ck, { ...index, kinds: [...index.kinds] }), /rank 1 of 2 wrote no optimizer-rank-00001-of-00002\.safetensors/);
  torch.tidy(() => writeShardFile(ck, 1, W, slicesOfFullState(state, layout, 1, W)));
  writeShardIndex(ck, { ...index, kinds: [...index.kinds] });
  assert.equal(readShardIndex(ck).worldSize, 2);
  unlinkSync(join(ck, shardFileName(1, W)));
  assert.throws(() => readShardIndex(ck), /lacks optimizer-rank-00001-of-00002\.safetensors/);
  torch.dispose([...state.values()]);
});

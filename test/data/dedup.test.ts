import { test } from "node:test";
import assert from "node:assert/strict";
import { Deduper, contentHash } from "../../src/data/dedup.js";
import { tmp } from "./helpers.js";

/** n records drawn from `distinct` different contents (deterministic), with the expected first-occurrence mask */
function workload(n: number, distinct: number, seed: number) {
  let x = seed;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    ids.push(x % distinct);
  }
  const seen = new Set<number>();
  const first = ids.map((v) => (seen.has(v) ? false : (seen.add(v), true)));
  const hashes = ids.map((v) => contentHash(new Uint8Array(new Uint32Array([v, v ^ 0xabcdef, 7]).buffer)));
  return { hashes, first, distinct: seen.size };
}

/** run a deduper over the workload; return the final keep mask (immediate answer, then the disk merge) */
function run(d: Deduper, hashes: Buffer[]) {
  const keep = hashes.map((h, i) => d.add(h, i));
  const r = d.finish(hashes.length);
  for (let i = 0; i < hashes.length; i++) if (r.lateDuplicates.length && (r.lateDuplicates[i >> 3]! >> (i & 7)) & 1) keep[i] = false;
  return { keep, r };
}

test("in-memory path keeps exactly the first occurrence of each content", () => {
  const w = workload(20000, 7000, 1);
  const { keep, r } = run(new Deduper({ tmpDir: tmp() }), w.hashes);
  assert.equal(r.mode, "memory");
  assert.deepEqual(keep, w.first);
  assert.equal(r.distinct, w.distinct);
});

test("disk path (forced, several sorted runs) gives the same answer", () => {
  const w = workload(20000, 7000, 2);
  const { keep, r } = run(new Deduper({ tmpDir: tmp(), forceDisk: true, runEntries: 3000 }), w.hashes);
  assert.equal(r.mode, "disk");
  assert.ok(r.runs >= 6, `runs ${r.runs}`);
  assert.deepEqual(keep, w.first);
  assert.equal(r.distinct, w.distinct);
});

test("spilling from memory to disk mid-stream (tiny budget) gives the same answer", () => {
  const w = workload(30000, 12000, 3);
  // 0.02 MB → a 1024-slot table holding ≤ 614 entries before the spill
  const { keep, r } = run(new Deduper({ tmpDir: tmp(), memoryMB: 0.02, runEntries: 4000 }), w.hashes);
  assert.equal(r.mode, "disk");
  assert.deepEqual(keep, w.first);
  assert.equal(r.distinct, w.distinct);
});

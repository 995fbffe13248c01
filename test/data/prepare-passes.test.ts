// prepareCorpus's passes one at a time (src/data/prepare-passes.ts), on real files in a temp directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ingestSources, resolveDuplicates, clusterRecords, assignSplits, writeShards, forEachStaged, type Ingested,
} from "../../src/data/prepare-passes.js";
import { forEachRecordMeta } from "../../src/data/prepare-records.js";
import { contentHash } from "../../src/data/dedup.js";
import { resolveOptions, checkAccounting, type PrepareOptions } from "../../src/data/prepare.js";
import { splitOf, SPLITS, SPLIT_CODE } from "../../src/data/cluster.js";
import { readIndex, readShard } from "../../src/data/shards.js";
import { encodeResidues } from "../../src/data/tokenizer.js";
import { tmp, writeFasta } from "./helpers.js";

const noProgress = () => {};
const A = "MKTAYIAKQR", B = "LLGACDEFGH", C = "WYVHHKKTTS";

/** two sources: a has A, B, a duplicate of A, a bad and a too-short record; b has C and another copy of B */
async function ingest(forceDiskDedup = false): Promise<{ ing: Ingested; dir: string }> {
  const dir = tmp();
  const a = writeFasta(dir, "a.fa", [["a1", A], ["a2", B], ["a3", A], ["bad", "MKJ"], ["short", "MK"]]);
  const b = writeFasta(dir, "b.fa", [["b1", C], ["b2", B]]);
  const work = join(dir, "tmp");
  mkdirSync(work);
  const sources = [{ name: "a", weight: 1, inputs: [{ name: "a", path: a }] }, { name: "b", weight: 1, inputs: [{ name: "b", path: b }] }];
  const ing = await ingestSources(sources, work, { minLength: 3, maxLength: 0, onBad: "skip", memoryMB: 16, forceDiskDedup }, noProgress);
  return { ing, dir };
}

async function staged(ing: Ingested): Promise<string[]> {
  const out: string[] = [];
  await forEachStaged(ing.staged, (_, res) => out.push(Buffer.from(res).toString("hex")));
  return out;
}
const hex = (s: string) => Buffer.from(encodeResidues(s)).toString("hex");

test("ingestSources: counts per reason, in-memory dedup drops repeats at once, the staging file holds the kept records", async () => {
  const { ing } = await ingest();
  const [a, b] = ing.per;
  assert.deepEqual([a!.read, a!.deduplicated, a!.invalid["invalid-char"], a!.filtered["too-short"]], [5, 1, 1, 1]);
  assert.deepEqual([b!.read, b!.deduplicated], [2, 1]);
  assert.deepEqual(await staged(ing), [hex(A), hex(B), hex(C)]);
  const meta: number[][] = [];
  await forEachRecordMeta(ing.staged, (i, source, h) => meta.push([i, source, h]));
  assert.deepEqual(meta.map(([i, s]) => [i, s]), [[0, 0], [1, 0], [2, 1]], "records.bin: one row per staged record with its source");
  assert.deepEqual(meta.map(([, , h]) => h), [A, B, C].map((x) => contentHash(encodeResidues(x)).readUInt32LE(0)), "and its split hash");
  const dups = await resolveDuplicates(ing, noProgress);
  assert.deepEqual([dups.late, dups.distinct, dups.mode], [0, 3, "memory"]);
});

test("resolveDuplicates: the disk path finds duplicates at the end and charges them to their source", async () => {
  const { ing } = await ingest(true);
  assert.deepEqual(await staged(ing), [hex(A), hex(B), hex(A), hex(C), hex(B)], "forced disk dedup stages every valid record");
  const dups = await resolveDuplicates(ing, noProgress);
  assert.deepEqual([dups.late, dups.distinct, dups.mode], [2, 3, "disk"]);
  assert.deepEqual([0, 1, 2, 3, 4].map(dups.isDup), [false, false, true, false, true]);
  assert.deepEqual(ing.per.map((m) => m.deduplicated), [1, 1]);
});

test("clusterRecords without mmseqs: one cluster per distinct record, duplicates in none", async () => {
  const { ing, dir } = await ingest(true);
  const dups = await resolveDuplicates(ing, noProgress);
  const c = await clusterRecords(ing, dups, { method: "none", mmVersion: null, params: { identity: 0.5, coverage: 0.8, threads: 1 }, tmp: dir, split: { seed: 0, validFraction: 0, testFraction: 0 } }, noProgress);
  assert.equal(c.cluster, undefined, "nothing per record in memory: writeShards numbers the clusters as it meets them");
  const out = join(dir, "build");
  mkdirSync(join(out, "shards"), { recursive: true });
  await writeShards(ing, dups, c, { dir: out, names: ["a", "b"], shardTokens: 100, split: { seed: 0, validFraction: 0, testFraction: 0 } }, noProgress);
  assert.deepEqual([...readIndex(join(out, "shards/a.train.idx"))].filter((_, k) => k % 4 === 3), [0, 1]);
  assert.deepEqual([...readIndex(join(out, "shards/b.train.idx"))].filter((_, k) => k % 4 === 3), [2]);
  assert.deepEqual([c.sizes.clusters, c.sizes.singletons, c.splits.train], [3, 3, 3]);
});

test("assignSplits: each cluster goes where splitOf sends its representative's hash; fractions hold", () => {
  const n = 4000;
  const hash32 = Uint32Array.from({ length: n }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0));
  const reps = Array.from({ length: n / 2 }, (_, c) => 2 * c); // the even records represent the clusters
  const o = { seed: 9, validFraction: 0.1, testFraction: 0.05 };
  const s = assignSplits(reps, hash32, o);
  reps.forEach((r, c) => assert.equal(s.clusterSplit[c], SPLIT_CODE[splitOf(hash32[r]!, 9, 0.1, 0.05)]));
  assert.equal(s.clusters.train + s.clusters.valid + s.clusters.test, n / 2);
  assert.ok(Math.abs(s.clusters.valid / (n / 2) - 0.1) < 0.03, `valid ${s.clusters.valid}`);
  assert.ok(Math.abs(s.clusters.test / (n / 2) - 0.05) < 0.02, `test ${s.clusters.test}`);
  assert.deepEqual(assignSplits(reps, hash32, { ...o, validFraction: 0, testFraction: 0 }).clusters, { train: n / 2, valid: 0, test: 0 });
});

test("writeShards: every distinct record lands once in its source's split shard; small shards roll over; accounting closes", async () => {
  const { ing, dir } = await ingest(true);
  const dups = await resolveDuplicates(ing, noProgress);
  // three one-record clusters; a seed that sends B's cluster (record 1) to valid and the others to train
  const h = (x: string) => contentHash(encodeResidues(x)).readUInt32LE(0);
  const seed = Array.from({ length: 5000 }, (_, k) => k).find((k) => splitOf(h(B), k, 0.3, 0) === "valid" && splitOf(h(A), k, 0.3, 0) === "train" && splitOf(h(C), k, 0.3, 0) === "train")!;
  const split = { seed, validFraction: 0.3, testFraction: 0 };
  const clusters = await clusterRecords(ing, dups, { method: "none", mmVersion: null, params: { identity: 0.5, coverage: 0.8, threads: 1 }, tmp: dir, split }, noProgress);
  const out = join(dir, "build");
  mkdirSync(join(out, "shards"), { recursive: true });
  const files = await writeShards(ing, dups, clusters, { dir: out, names: ["a", "b"], shardTokens: 5, split }, noProgress);
  checkAccounting(ing.per);
  const [a, b] = ing.per;
  assert.deepEqual([a!.kept, a!.splits.train.sequences, a!.splits.valid.sequences, a!.splits.train.tokens], [2, 1, 1, 12]);
  assert.deepEqual([b!.kept, b!.splits.train.sequences], [1, 1]);
  assert.deepEqual(a!.splits.train.shards, ["shards/a.train.00000.tok"]);
  const idx = readIndex(join(out, a!.splits.valid.index));
  assert.deepEqual([...idx], [0, 0, 10, 1]); // shard 0, offset 0, 10 residues, cluster 1
  assert.equal(Buffer.from(readShard(join(out, a!.splits.valid.shards[0]!))).toString("hex"), hex(B));
  assert.equal(files.length, 2 * SPLITS.length + 3, "six indexes and three shards");
  for (const f of files) assert.equal(readFileSync(join(out, f.path)).length, f.bytes);
  ing.per[0]!.kept--;
  assert.throws(() => checkAccounting(ing.per), /internal accounting error for source 'a': read 5, accounted 4/);
});

test("resolveOptions: defaults, checks, and the clustering method from the installed mmseqs", () => {
  const src = [{ name: "s", weight: 1, inputs: [] }];
  const base: PrepareOptions = { out: "x", sources: src };
  const r = resolveOptions(base, () => null);
  assert.deepEqual([r.build.validFraction, r.build.testFraction, r.build.minLength, r.build.maxLength, r.method], [0.01, 0.01, 1, 0, "none"]);
  assert.equal(resolveOptions(base, () => "14-7e284").method, "mmseqs");
  assert.equal(resolveOptions({ ...base, cluster: "none" }, () => "14-7e284").method, "none");
  assert.throws(() => resolveOptions({ ...base, cluster: "mmseqs" }, () => null), /mmseqs \(MMseqs2\) is not installed/);
  assert.throws(() => resolveOptions({ ...base, validFraction: 0.6, testFraction: 0.4 }, () => null), /fractions must be in \[0, 1\)/);
  assert.throws(() => resolveOptions({ ...base, sources: [...src, ...src] }, () => null), /source 's' given twice/);
  assert.throws(() => resolveOptions({ ...base, sources: [{ name: "a b", weight: 1, inputs: [] }] }, () => null), /must match/);
  assert.throws(() => resolveOptions({ ...base, sources: [] }, () => null), /no sources given/);
});

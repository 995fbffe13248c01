// The in-place read path (src/data/corpus.ts, corpus-files.ts, cluster-members.ts) against the in-memory
// path it replaced, kept here as the oracle: every shard and index read whole (readShard/readIndex), sequences
// as views, clusters built in memory. Same batches (ids, masks, source mix, cluster-weighted draws), same
// resumed stream, other ranks' rows laid out without reads, and bad files named.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync, readFileSync, rmSync, truncateSync, copyFileSync, cpSync, writeFileSync } from "node:fs";
import { prepareCorpus } from "../../src/data/prepare.js";
import { openCorpus, type Corpus, type SequenceCorpus, type SourceSplit } from "../../src/data/corpus.js";
import { Sampler, type SamplerOptions } from "../../src/data/sampler.js";
import { mmseqsVersion, type Split } from "../../src/data/cluster.js";
import { readIndex, readShard } from "../../src/data/shards.js";
import { clusterMembersPath } from "../../src/data/cluster-members.js";
import { closeCorpusFiles } from "../../src/data/corpus-files.js";
import { samplerData, CorpusBatchSource } from "../../src/train/data-source.js";
import { strideRows } from "../../src/train/ddp.js";
import { defaultConfig } from "../../src/train/config.js";
import { UserError } from "../../src/core/errors.js";
import { tmp, SWISSPROT_SAMPLE, MGNIFY } from "./helpers.js";

/** The old read path: a split's indexes and shards loaded whole. */
class InMemoryOracle implements SequenceCorpus {
  private cache = new Map<Split, (SourceSplit & { index: Uint32Array; shards: Uint8Array[] })[]>();
  constructor(private readonly c: Corpus) {}
  split(split: Split) {
    let v = this.cache.get(split);
    if (!v) {
      v = this.c.manifest.sources.map((s) => {
        const e = s.splits[split];
        const index = readIndex(join(this.c.dir, e.index));
        return { name: s.name, weight: s.weight, index, shards: e.shards.map((p) => readShard(join(this.c.dir, p))), sequences: index.length / 4, tokens: e.tokens };
      });
      this.cache.set(split, v);
    }
    return v;
  }
  private of(s: SourceSplit) {
    return s as SourceSplit & { index: Uint32Array; shards: Uint8Array[] };
  }
  length(s: SourceSplit, i: number) { return this.of(s).index[4 * i + 2]!; }
  cluster(s: SourceSplit, i: number) { return this.of(s).index[4 * i + 3]!; }
  residues(s: SourceSplit, i: number, start = 0, n?: number) {
    const x = this.of(s), off = x.index[4 * i + 1]! + start;
    return x.shards[x.index[4 * i]!]!.subarray(off, off + (n ?? x.index[4 * i + 2]! - start));
  }
}

let dir = "";
let corpus: Corpus;
let oracle: InMemoryOracle;
const clustered = mmseqsVersion() !== null;
before(async () => {
  dir = join(tmp(), "mix");
  await prepareCorpus({
    out: dir, cluster: clustered ? "mmseqs" : "none", threads: 1, validFraction: 0.05, testFraction: 0.05,
    sources: [
      { name: "swissprot", weight: 0.7, inputs: [{ name: "sp", path: SWISSPROT_SAMPLE }] },
      { name: "mgnify", weight: 0.3, inputs: [{ name: "mg", path: MGNIFY }] },
    ],
  });
  corpus = openCorpus(dir);
  oracle = new InMemoryOracle(corpus);
});

const base: SamplerOptions = { split: "train", objective: "clm", context: 192, rows: 3, seed: 11 };
const variants: [string, Partial<SamplerOptions>][] = [
  ["clm", {}],
  ["mlm", { objective: "mlm" }],
  ["mlm cluster-weighted", { objective: "mlm", clusterWeighted: true }],
  ["clm source weights 0.5/0.5, lookahead 1", { sourceWeights: { swissprot: 0.5, mgnify: 0.5 }, lookahead: 1 }],
  ["mlm valid split, context 1024 (crops)", { objective: "mlm", split: "valid", context: 1024, rows: 2 }],
];

test("in-place reads give exactly the in-memory path's batches (ids, masks, source mix, cluster-weighted draws)", () => {
  if (clustered) assert.ok(corpus.manifest.clustering.sizes.clusters < corpus.manifest.sources.reduce((a, s) => a + s.kept, 0), "mmseqs found multi-member clusters");
  for (const [name, v] of variants) {
    const o = { ...base, ...v };
    const disk = new Sampler(corpus, o), mem = new Sampler(oracle, o);
    const mixed = new Set<string>();
    for (let k = 0; k < 40; k++) {
      const a = disk.next(), b = mem.next();
      assert.deepEqual(a, b, `${name}: batch ${k}`);
      for (const s of Object.keys(a.sources)) mixed.add(s);
    }
    assert.deepEqual(disk.progress(), mem.progress(), name);
    if (!v.split) assert.deepEqual([...mixed].sort(), ["mgnify", "swissprot"], `${name}: both sources drawn`);
  }
});

test("resume at step k: a fresh in-place sampler restored from the JSON state continues the in-memory stream", () => {
  for (const [name, v] of variants.slice(1, 3)) {
    const o = { ...base, ...v };
    const mem = new Sampler(oracle, o), disk = new Sampler(corpus, o);
    for (let k = 0; k < 7; k++) disk.next(), mem.next();
    const resumed = new Sampler(openCorpus(dir), o);
    resumed.restore(JSON.parse(JSON.stringify(disk.state())));
    for (let k = 0; k < 10; k++) assert.deepEqual(resumed.next(), mem.next(), `${name}: batch ${7 + k}`);
  }
});

test("the trainer's data (samplerData: training stream and validation batches) is identical on both paths", () => {
  const c = defaultConfig();
  c.objective = "mlm";
  c.model = { ...c.model, context: 128 };
  c.eval = { ...c.eval, tokens: 4096 };
  c.data = { ...c.data, seed: 5 };
  const a = samplerData(corpus, c, 4, "disk"), b = samplerData(oracle, c, 4, "memory");
  assert.ok(b.validation.length > 1);
  assert.deepEqual(a.validation, b.validation);
  for (let k = 0; k < 12; k++) assert.deepEqual(a.train.next(8), b.train.next(8), `step ${k}`);
  assert.deepEqual(a.train.state(), b.train.state());
});

test("a rank reads only its own rows' sequences; its rows and the stream equal the single-process ones", () => {
  let reads = 0;
  const counting: SequenceCorpus = {
    split: (s) => corpus.split(s), length: (s, i) => corpus.length(s, i), cluster: (s, i) => corpus.cluster(s, i),
    residues: (s, i, a, n) => (reads++, corpus.residues(s, i, a, n)),
  };
  const o = { ...base, objective: "mlm" as const, rows: 1 };
  const W = 3;
  const whole = new CorpusBatchSource(new Sampler(oracle, o));
  const ranks = [0, 1, 2].map((r) => new CorpusBatchSource(new Sampler(counting, o), { rank: r, worldSize: W }));
  for (let k = 0; k < 6; k++) {
    const g = whole.next(7);
    ranks.forEach((src, r) => {
      const before = reads;
      const b = src.next(7);
      const mine = strideRows(g, r, W);
      let segs = 0;
      for (let i = 0; i < mine.segment.length; i++) if (mine.segment[i]! >= 0 && mine.position[i] === 0) segs++;
      assert.ok(segs > 0);
      assert.equal(reads - before, segs, `step ${k} rank ${r}: one read per own sequence`);
      assert.deepEqual(strideRows(b, r, W), mine, `step ${k} rank ${r}`);
      assert.equal(b.lossTokens, g.lossTokens);
      assert.deepEqual(b.sources, g.sources);
    });
  }
  for (const src of ranks) assert.deepEqual(src.state(), whole.state());
});

test("cluster-members file: written once next to the index, keyed by the index's hash, rebuilt when stale", () => {
  const d = join(tmp(), "cm");
  cpSync(dir, d, { recursive: true });
  const c = openCorpus(d);
  const src = c.split("train")[0]!;
  const p = clusterMembersPath(src as never);
  rmSync(p, { force: true }); // the copy may carry the one the first test wrote
  assert.ok(!existsSync(p));
  const o = { ...base, clusterWeighted: true, objective: "mlm" as const };
  const first = new Sampler(c, o).next();
  assert.ok(existsSync(p));
  const bytes = readFileSync(p);
  assert.equal(bytes.toString("latin1", 0, 8), "PLMCLMEM");
  const clusters = Number(bytes.readBigUInt64LE(16));
  assert.equal(bytes.length, 64 + 4 * (clusters + 1) + 4 * src.sequences);
  assert.equal(bytes.readUInt32LE(64 + 4 * clusters), src.sequences, "last start = members");
  // a stale file (another index's hash) is replaced, and draws stay those of the in-memory path
  bytes[40] = bytes[40]! ^ 0xff;
  writeFileSync(p, bytes);
  closeCorpusFiles(d);
  const again = new Sampler(openCorpus(d), o).next();
  assert.deepEqual(again, first);
  assert.deepEqual(again, new Sampler(oracle, o).next());
  assert.notEqual(readFileSync(p)[40], bytes[40]);
});

test("a shard truncated after the build: a UserError naming it (at open, and mid-training), never a short read", () => {
  const d = join(tmp(), "trunc");
  cpSync(dir, d, { recursive: true });
  const shard = join(d, corpus.manifest.sources[0]!.splits.train.shards[0]!);
  const c = openCorpus(d);
  const s = new Sampler(c, { ...base, rows: 2 });
  s.next();
  truncateSync(shard, 64 + 100);
  const err = (() => { try { for (let k = 0; k < 500; k++) s.next(); } catch (e) { return e as Error; } return null; })();
  assert.ok(err instanceof UserError, String(err));
  assert.ok(err.message.startsWith(shard) && /truncated/.test(err.message), err.message);
  closeCorpusFiles(d);
  assert.throws(() => openCorpus(d), (e: Error) => e instanceof UserError && e.message.startsWith(shard) && /manifest says/.test(e.message));
  copyFileSync(join(dir, corpus.manifest.sources[0]!.splits.train.shards[0]!), shard);
  assert.equal(new Sampler(openCorpus(d), base).next().rows, base.rows);
});

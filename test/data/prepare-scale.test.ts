// The scale path of prepareCorpus: byte-identical output to the in-memory build it replaced (a golden taken
// from that build), --clusters FILE with a real MMseqs2 TSV, and its bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { prepareCorpus } from "../../src/data/prepare.js";
import { sampleSources } from "../../src/data/samples.js";
import { mmseqsVersion } from "../../src/data/cluster.js";
import { readFastaRecords } from "../../src/data/fasta.js";
import { readIndex, readShard } from "../../src/data/shards.js";
import { encodeResidues } from "../../src/data/tokenizer.js";
import { UserError } from "../../src/core/errors.js";
import type { CorpusManifest } from "../../src/data/manifest.js";
import { tmp, FIXTURES, SWISSPROT_SAMPLE } from "./helpers.js";

const haveMmseqs = mmseqsVersion() !== null;

// taken with the in-memory build (commit 4419a73, before records.bin) by the same three calls
const GOLDEN = JSON.parse(readFileSync(join(FIXTURES, "prepare-golden-sample.json"), "utf8")) as Record<string, Record<string, unknown>>;
const CONFIGS: [string, object][] = [["none", { cluster: "none" }], ["none-disk", { cluster: "none", forceDiskDedup: true }], ["mmseqs", { cluster: "mmseqs", threads: 1 }]];

for (const [name, extra] of CONFIGS) {
  test(`sample corpus (${name}): shards, indexes and manifest byte-identical to the in-memory build`, { skip: name === "mmseqs" && !haveMmseqs && "mmseqs not installed" }, async () => {
    const out = join(tmp(), "c");
    const m = await prepareCorpus({ out, sources: sampleSources({ swissprot: 0.7, mgnify: 0.3 }), shardTokens: 300000, validFraction: 0.05, testFraction: 0.05, ...extra });
    const { created: _c, wallSeconds: _w, tool: _t, ...rest } = m;
    const want = GOLDEN[name]!;
    assert.deepEqual(JSON.parse(JSON.stringify(rest)), want);
    assert.ok((want.files as unknown[]).length >= 8, "the golden lists the shard and index files with their sha256");
  });
}

/** every corpus sequence (as text) with its split and cluster id, read from the shards and indexes */
function corpusEntries(out: string, m: CorpusManifest): { seq: string; split: string; cluster: number }[] {
  const res: { seq: string; split: string; cluster: number }[] = [];
  for (const s of m.sources) for (const sp of ["train", "valid", "test"] as const) {
    const idx = readIndex(join(out, s.splits[sp].index));
    const shards = s.splits[sp].shards.map((f) => readShard(join(out, f)));
    for (let i = 0; i < idx.length; i += 4) {
      const body = shards[idx[i]!]!.subarray(idx[i + 1]!, idx[i + 1]! + idx[i + 2]!);
      res.push({ seq: Buffer.from(body).toString("hex"), split: sp, cluster: idx[i + 3]! });
    }
  }
  return res;
}

test("--clusters with an MMseqs2 easy-cluster TSV: clusters stay whole across splits, unlisted members counted", { skip: !haveMmseqs && "mmseqs not installed" }, async () => {
  const dir = tmp();
  const fasta = join(dir, "swissprot.fa");
  writeFileSync(fasta, spawnSync("zcat", [SWISSPROT_SAMPLE]).stdout);
  // 3,000 proteins in ~2,000 clusters (sensitivity 1 keeps it to seconds)
  const r = spawnSync("mmseqs", ["easy-cluster", fasta, join(dir, "clu"), join(dir, "mmtmp"), "--min-seq-id", "0.3", "-c", "0.5", "-s", "1", "--threads", "1", "-v", "1"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(join(dir, "clu_cluster.tsv"), "utf8").trim().split("\n").map((l) => l.split("\t") as [string, string]);
  const records = await readFastaRecords(fasta);
  // leave out 7 non-representative members: they must come back as their own clusters, counted
  const dropped = new Set(lines.filter(([a, b]) => a !== b).slice(0, 7).map(([, b]) => b));
  assert.equal(dropped.size, 7);
  const tsv = join(dir, "clusters.tsv");
  writeFileSync(tsv, lines.filter(([, b]) => !dropped.has(b)).map((l) => l.join("\t")).join("\n") + "\n");
  const out = join(dir, "corpus");
  // high valid/test fractions so that many clusters land outside train
  const m = await prepareCorpus({ out, sources: [{ name: "sp", weight: 1, inputs: [{ name: fasta, path: fasta }] }], clustersFile: tsv, validFraction: 0.2, testFraction: 0.2 });
  // the corpus keeps the first occurrence of each sequence: which FASTA id each kept sequence has
  const idOf = new Map<string, string>();
  for (const rec of records) { const h = Buffer.from(encodeResidues(rec.seq)).toString("hex"); if (!idOf.has(h)) idOf.set(h, rec.id); }
  const repOf = new Map(lines.map(([a, b]) => [b, a]));
  const expectMissing = [...idOf.values()].filter((id) => dropped.has(id)).length;
  assert.ok(expectMissing > 0);
  assert.equal(m.clustering.method, "file");
  assert.equal(m.clustering.file!.missing, expectMissing);
  assert.match(m.clustering.guarantee, new RegExp(`${expectMissing} sequences not listed there are each their own cluster`));
  const entries = corpusEntries(out, m);
  assert.equal(entries.length, idOf.size);
  const splitsOfRep = new Map<string, Set<string>>(), clusterOfRep = new Map<string, Set<number>>();
  for (const e of entries) {
    const id = idOf.get(e.seq)!;
    const rep = dropped.has(id) ? `own:${id}` : repOf.get(id)!;
    assert.ok(rep, `${id} is in the TSV`);
    (splitsOfRep.get(rep) ?? splitsOfRep.set(rep, new Set()).get(rep)!).add(e.split);
    (clusterOfRep.get(rep) ?? clusterOfRep.set(rep, new Set()).get(rep)!).add(e.cluster);
  }
  for (const [rep, s] of splitsOfRep) assert.equal(s.size, 1, `cluster of ${rep} split across ${[...s].join(", ")}`);
  for (const [rep, s] of clusterOfRep) assert.equal(s.size, 1, `cluster of ${rep} has one id`);
  const ids = new Set(entries.map((e) => e.cluster));
  assert.equal(ids.size, clusterOfRep.size, "one cluster id per TSV cluster (and per unlisted sequence)");
  assert.equal(Math.max(...ids) + 1, ids.size, "cluster ids are dense");
  assert.ok(splitsOfRep.size > [...splitsOfRep.values()].filter((s) => s.has("train")).length + 10, "many clusters outside train: the check has teeth");
  const multi = [...clusterOfRep.keys()].filter((rep) => entries.filter((e) => repOf.get(idOf.get(e.seq)!) === rep && !dropped.has(idOf.get(e.seq)!)).length > 1);
  assert.ok(multi.length > 100, `multi-member clusters exist (${multi.length})`);
  assert.equal(m.clustering.sizes.clusters, ids.size);
  assert.equal(m.clustering.splits.train + m.clustering.splits.valid + m.clustering.splits.test, ids.size);
});

test("--clusters: a malformed line is a UserError naming FILE:LINE; a member in two clusters is refused", async () => {
  const dir = tmp();
  const fasta = join(dir, "a.fa");
  writeFileSync(fasta, ">p1\nMKTAYIAKQR\n>p2\nMKTAYIAKQL\n>p3\nWYVHHKKTTS\n");
  const src = [{ name: "a", weight: 1, inputs: [{ name: fasta, path: fasta }] }];
  const bad = join(dir, "bad.tsv");
  writeFileSync(bad, "p1\tp1\np1\tp2\np3 p3\n");
  await assert.rejects(prepareCorpus({ out: join(dir, "o1"), sources: src, clustersFile: bad }), (e: Error) => e instanceof UserError && e.message.startsWith(`${bad}:3: malformed cluster line 'p3 p3'`));
  writeFileSync(bad, "p1\tp1\np1\tp2\np3\tp3\tx\n");
  await assert.rejects(prepareCorpus({ out: join(dir, "o2"), sources: src, clustersFile: bad }), new RegExp(`${bad}:3: malformed`));
  const twice = join(dir, "twice.tsv");
  writeFileSync(twice, "p1\tp1\np1\tp2\np3\tp3\np3\tp2\n");
  await assert.rejects(prepareCorpus({ out: join(dir, "o3"), sources: src, clustersFile: twice }), /listed in more than one cluster/);
  // the failed build kept its ingest: the fixed file redoes only the cluster pass
  writeFileSync(bad, "p1\tp1\np1\tp2\np3\tp3\n");
  const events: string[] = [];
  const fixed = await prepareCorpus({ out: join(dir, "o2"), sources: src, clustersFile: bad }, (e) => { events.push(`${e.phase} ${e.message ?? ""}`); });
  assert.ok(events.some((e) => /resuming .* after its finished dedup pass/.test(e)), events.join(" | "));
  assert.ok(!events.some((e) => e.startsWith("ingest")));
  assert.equal(fixed.clustering.file!.clusters, 2);
  const ok = join(dir, "ok.tsv");
  writeFileSync(ok, "p1\tp1\np1\tp2\nq9\tq9\n");
  const m = await prepareCorpus({ out: join(dir, "o4"), sources: src, clustersFile: ok, validFraction: 0, testFraction: 0 });
  assert.deepEqual(m.clustering.file, { name: "ok.tsv", lines: 3, clusters: 1, missing: 1, unmatchedMembers: 1 });
  assert.deepEqual([m.clustering.sizes.clusters, m.clustering.sizes.largest, m.clustering.sizes.singletons], [2, 2, 1]);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareCorpus, PrepareError, type ProgressEvent } from "../../src/data/prepare.js";
import { openCorpus } from "../../src/data/corpus.js";
import { mmseqsVersion } from "../../src/data/cluster.js";
import { FastaFormatError } from "../../src/data/fasta.js";
import { UserError } from "../../src/core/errors.js";
import type { CorpusManifest } from "../../src/data/manifest.js";
import { tmp, writeFasta, randomProtein, SWISSPROT_SAMPLE, MGNIFY } from "./helpers.js";

const haveMmseqs = mmseqsVersion() !== null;

function sumValues(r: Record<string, number>) {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function checkAccounting(m: CorpusManifest) {
  for (const s of m.sources) {
    assert.equal(s.kept + s.deduplicated + sumValues(s.filtered) + sumValues(s.invalid), s.read, `source ${s.name} accounts for every record`);
    const inSplits = s.splits.train.sequences + s.splits.valid.sequences + s.splits.test.sequences;
    assert.equal(inSplits, s.kept);
  }
}

/** every (split, source) sequence as text, with its cluster id */
function contents(dir: string) {
  const c = openCorpus(dir);
  const out: { split: string; source: string; seq: string; cluster: number }[] = [];
  for (const split of ["train", "valid", "test"] as const) {
    for (const s of c.split(split)) {
      for (let i = 0; i < s.sequences; i++) out.push({ split, source: s.name, seq: Buffer.from(c.residues(s, i)).toString("hex"), cluster: c.cluster(s, i) });
    }
  }
  return out;
}

test("mixing Swiss-Prot sample and MGnify: counts add up, dedup is exact, clusters never cross splits", { skip: !haveMmseqs && "mmseqs not installed" }, async () => {
  const out = join(tmp(), "corpus");
  const events: ProgressEvent[] = [];
  const m = await prepareCorpus({
    out, threads: 2, validFraction: 0.1, testFraction: 0.1,
    sources: [
      { name: "swissprot", weight: 0.7, inputs: [{ name: "sp", path: SWISSPROT_SAMPLE }] },
      { name: "mgnify", weight: 0.3, inputs: [{ name: "mg", path: MGNIFY }] },
    ],
  }, (e) => events.push(e));
  checkAccounting(m);
  const [sp, mg] = m.sources;
  assert.equal(sp!.read, 3000);
  assert.equal(mg!.read, 1847);
  assert.equal(mg!.invalid.empty, 1); // one Prodigal record without residues
  assert.equal(sp!.deduplicated, 3000 - 2962); // 2,962 distinct sequences in the sample (zcat | join lines | sort -u | wc -l)
  assert.equal(m.clustering.method, "mmseqs2-linclust");
  assert.ok(m.clustering.sizes.clusters < m.dedup.distinct, "homologues were merged into clusters");
  assert.ok(events.some((e) => e.phase === "cluster") && events.some((e) => e.phase === "ingest"));
  const all = contents(out);
  assert.equal(all.length, m.dedup.distinct);
  assert.equal(new Set(all.map((r) => r.seq)).size, all.length, "no sequence stored twice");
  // the no-leak property: no valid/test sequence shares a cluster with any training sequence
  const trainClusters = new Set(all.filter((r) => r.split === "train").map((r) => r.cluster));
  const heldOut = all.filter((r) => r.split !== "train");
  assert.ok(heldOut.length > 100);
  for (const r of heldOut) assert.ok(!trainClusters.has(r.cluster), "held-out cluster also in train");
  // the manifest lists files with hashes and the corpus opens
  assert.ok(m.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256)));
  assert.ok(!existsSync(out + ".partial"));
});

test("near-duplicate pairs (one mutation) always land in the same split with MMseqs2", { skip: !haveMmseqs && "mmseqs not installed" }, async () => {
  const dir = tmp();
  const recs: [string, string][] = [];
  for (let i = 0; i < 150; i++) {
    const a = randomProtein(120, i + 1);
    const b = a.slice(0, 60) + (a[60] === "A" ? "G" : "A") + a.slice(61);
    recs.push([`p${i}a`, a], [`p${i}b`, b]);
  }
  const path = writeFasta(dir, "pairs.fa", recs);
  const build = async (cluster: "mmseqs" | "none") => {
    const out = join(dir, cluster);
    const m = await prepareCorpus({ out, cluster, threads: 2, validFraction: 0.25, testFraction: 0.25, sources: [{ name: "s", weight: 1, inputs: [{ name: "pairs", path }] }] });
    const where = new Map(contents(out).map((r) => [r.seq, r.split]));
    const enc = (s: string) => Buffer.from(s.split("").map((ch) => "<cls> <pad> <eos> <unk> L A G V S E R T I D P K Q N F Y M H W C X B U Z O".split(" ").indexOf(ch))).toString("hex");
    let separated = 0;
    for (let i = 0; i < recs.length; i += 2) if (where.get(enc(recs[i]![1])) !== where.get(enc(recs[i + 1]![1]))) separated++;
    return { m, separated };
  };
  const mm = await build("mmseqs");
  assert.equal(mm.m.clustering.sizes.clusters, 150);
  assert.equal(mm.separated, 0);
  // the honest fallback: exact-duplicate separation only — near duplicates do get separated, and the manifest says so
  const none = await build("none");
  assert.equal(none.m.clustering.method, "none");
  assert.match(none.m.clustering.guarantee, /exact duplicates/);
  assert.ok(none.separated > 0, "fallback separates some near-duplicate pairs (that is why mmseqs is the default)");
});

test("cluster auto without mmseqs falls back and flags it; cluster mmseqs without mmseqs fails", async () => {
  const dir = tmp();
  const path = writeFasta(dir, "a.fa", [["a", "MKV"], ["b", "MKL"]]);
  const old = process.env.PLMSCALE_MMSEQS;
  process.env.PLMSCALE_MMSEQS = "/nonexistent/mmseqs";
  try {
    const m = await prepareCorpus({ out: join(dir, "c1"), cluster: "auto", sources: [{ name: "s", weight: 1, inputs: [{ name: "a", path }] }] });
    assert.equal(m.clustering.method, "none");
    await assert.rejects(prepareCorpus({ out: join(dir, "c2"), cluster: "mmseqs", sources: [{ name: "s", weight: 1, inputs: [{ name: "a", path }] }] }), /mmseqs .*not installed/);
  } finally {
    if (old === undefined) delete process.env.PLMSCALE_MMSEQS;
    else process.env.PLMSCALE_MMSEQS = old;
  }
});

test("disk dedup path builds the same corpus as the in-memory path", async () => {
  const dir = tmp();
  const opts = (out: string, forceDiskDedup: boolean) => ({ out, forceDiskDedup, cluster: "none" as const, sources: [
    { name: "a", weight: 1, inputs: [{ name: "sp", path: SWISSPROT_SAMPLE }] },
    { name: "b", weight: 1, inputs: [{ name: "sp-again", path: SWISSPROT_SAMPLE }] }, // all of b duplicates a
  ] });
  const mem = await prepareCorpus(opts(join(dir, "mem"), false));
  const disk = await prepareCorpus(opts(join(dir, "disk"), true));
  assert.equal(mem.dedup.mode, "memory");
  assert.equal(disk.dedup.mode, "disk");
  assert.deepEqual(disk.sources.map((s) => [s.kept, s.deduplicated]), mem.sources.map((s) => [s.kept, s.deduplicated]));
  assert.equal(mem.sources[1]!.kept, 0);
  assert.equal(mem.sources[1]!.deduplicated, 3000);
  assert.deepEqual(contents(join(dir, "disk")), contents(join(dir, "mem")));
});

test("length filters and bad-record policy are counted per reason", async () => {
  const dir = tmp();
  const path = writeFasta(dir, "mix.fa", [["short", "MK"], ["ok", "MKVLA"], ["long", "M".repeat(50)], ["bad", "MK9V"], ["stop", "MK*VL"], ["empty", ""]]);
  const m = await prepareCorpus({ out: join(dir, "c"), cluster: "none", minLength: 3, maxLength: 20, sources: [{ name: "s", weight: 1, inputs: [{ name: "mix", path }] }] });
  const s = m.sources[0]!;
  assert.deepEqual(s.filtered, { "too-short": 1, "too-long": 1 });
  assert.deepEqual(s.invalid, { empty: 1, "invalid-char": 1, "internal-stop": 1 });
  assert.equal(s.kept, 1);
  checkAccounting(m);
  await assert.rejects(
    prepareCorpus({ out: join(dir, "c2"), cluster: "none", onBad: "fail", sources: [{ name: "s", weight: 1, inputs: [{ name: path, path }] }] }),
    (e: Error) => e instanceof FastaFormatError && /mix\.fa: line 7 .*record 'bad' is invalid \(invalid-char/.test(e.message),
  );
});

test("an interrupted build leaves no manifest; the corpus cannot be opened; a rerun completes", async () => {
  const dir = tmp();
  const out = join(dir, "c");
  const ac = new AbortController();
  const sources = [{ name: "s", weight: 1, inputs: [{ name: "sp", path: SWISSPROT_SAMPLE }] }];
  await assert.rejects(prepareCorpus({ out, cluster: "none", signal: ac.signal, sources }, (e) => { if (e.phase === "ingest") ac.abort(); }));
  assert.ok(!existsSync(join(out, "manifest.json")));
  assert.throws(() => openCorpus(out), (e: Error) => e instanceof UserError && e.exitCode === 3 && /no manifest\.json.*interrupted/.test(e.message));
  const m = await prepareCorpus({ out, cluster: "none", sources });
  assert.equal(m.sources[0]!.read, 3000);
  assert.ok(!existsSync(out + ".partial"));
  openCorpus(out);
});

test("an existing corpus is not overwritten without force; --force replaces it", async () => {
  const dir = tmp();
  const path = writeFasta(dir, "a.fa", [["a", "MKVL"]]);
  const out = join(dir, "c");
  const sources = [{ name: "s", weight: 1, inputs: [{ name: "a", path }] }];
  await prepareCorpus({ out, cluster: "none", sources });
  await assert.rejects(prepareCorpus({ out, cluster: "none", sources }), (e: Error) => e instanceof PrepareError && /--force/.test(e.message));
  const m = await prepareCorpus({ out, cluster: "none", sources, force: true, maxRecords: 1 });
  assert.equal(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).created, m.created);
  // --force never deletes a directory that is not a corpus
  writeFileSync(join(dir, "notes.txt"), "keep me");
  await assert.rejects(prepareCorpus({ out: dir, cluster: "none", sources, force: true }), /is not a corpus/);
  assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "keep me");
});

test("maxRecords stops each source after N records", async () => {
  const m = await prepareCorpus({ out: join(tmp(), "c"), cluster: "none", maxRecords: 100, sources: [{ name: "s", weight: 1, inputs: [{ name: "sp", path: SWISSPROT_SAMPLE }] }] });
  assert.equal(m.sources[0]!.read, 100);
  checkAccounting(m);
});

test("a damaged corpus is refused with a hint", async () => {
  const dir = tmp();
  const out = join(dir, "c");
  const path = writeFasta(dir, "a.fa", [["a", "MKVLAAAA"], ["b", "GGGGKKKK"]]);
  const m = await prepareCorpus({ out, cluster: "none", validFraction: 0, testFraction: 0, sources: [{ name: "s", weight: 1, inputs: [{ name: "a", path }] }] });
  const shard = join(out, m.sources[0]!.splits.train.shards[0]!);
  const bytes = readFileSync(shard);
  writeFileSync(shard, bytes.subarray(0, bytes.length - 3));
  assert.throws(() => openCorpus(out), /bytes, the manifest says .*rebuild/);
  const wrongMagic = Buffer.from(bytes);
  wrongMagic.write("NOTATOKN", 0, "latin1");
  writeFileSync(shard, wrongMagic);
  assert.throws(() => openCorpus(out).split("train"), /bad magic 'NOTATOKN'.*plmscale data prepare/);
  const wrongVersion = Buffer.from(bytes);
  wrongVersion.writeUInt32LE(99, 8);
  writeFileSync(shard, wrongVersion);
  assert.throws(() => openCorpus(out).split("train"), /format version 99, this plmscale reads version 1/);
  const man = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  writeFileSync(join(out, "manifest.json"), JSON.stringify({ ...man, version: 7 }));
  assert.throws(() => openCorpus(out), /manifest version 7/);
});

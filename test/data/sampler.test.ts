import { test, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { prepareCorpus } from "../../src/data/prepare.js";
import { openCorpus, type Corpus } from "../../src/data/corpus.js";
import { Sampler, type SamplerOptions } from "../../src/data/sampler.js";
import { Permutation } from "../../src/data/permutation.js";
import { evalBatches } from "../../src/data/evaluate.js";
import { BatchPrefetcher } from "../../src/data/prefetch.js";
import { mmseqsVersion } from "../../src/data/cluster.js";
import { sampleSources } from "../../src/data/samples.js";
import { CLS, EOS, PAD, MASK, IGNORE, encodeResidues } from "../../src/data/tokenizer.js";
import type { Batch } from "../../src/data/batch.js";
import { tmp, writeFasta, randomProtein, SWISSPROT_SAMPLE, MGNIFY } from "./helpers.js";

let dir = "";
let corpus: Corpus;
before(async () => {
  dir = join(tmp(), "mix");
  await prepareCorpus({
    out: dir, cluster: "none", validFraction: 0.05, testFraction: 0.05,
    sources: [
      { name: "swissprot", weight: 0.7, inputs: [{ name: "sp", path: SWISSPROT_SAMPLE }] },
      { name: "mgnify", weight: 0.3, inputs: [{ name: "mg", path: MGNIFY }] },
    ],
  });
  corpus = openCorpus(dir);
  assert.deepEqual(sampleSources({ swissprot: 0.7, mgnify: 0.3 }).map((s) => [s.name, s.weight, s.inputs[0]!.path]), [["swissprot", 0.7, SWISSPROT_SAMPLE], ["mgnify", 0.3, MGNIFY]]);
});

const base: SamplerOptions = { split: "train", objective: "clm", context: 256, rows: 4, seed: 7 };

/** structural invariants of the Batch contract (docs/CONTRACTS.md) */
function checkLayout(b: Batch) {
  const T = b.context;
  let real = 0;
  for (let r = 0; r < b.rows; r++) {
    let expectSeg = 0;
    for (let t = 0; t < T; t++) {
      const i = r * T + t;
      const seg = b.segment[i]!;
      if (seg < 0) {
        assert.equal(b.input[i], PAD);
        assert.equal(b.target[i], IGNORE);
        for (let u = t; u < T; u++) assert.equal(b.segment[r * T + u], -1, "padding only in the row's tail");
        break;
      }
      real++;
      if (b.position[i] === 0) {
        assert.equal(seg, expectSeg++, "segments count up from 0 in each row");
        assert.equal(b.input[i], CLS);
      } else {
        assert.equal(seg, b.segment[i - 1]);
        assert.equal(b.position[i], b.position[i - 1]! + 1);
      }
      const last = t === T - 1 || b.segment[i + 1] !== seg;
      if (last && b.objective !== "mlm") assert.equal(b.input[i], EOS);
    }
  }
  assert.equal(b.realTokens, real);
  assert.equal(Object.values(b.sources).reduce((a, v) => a + v, 0), real);
}
declare module "../../src/data/batch.js" { interface Batch { objective?: string } }

test("CLM batches: packed layout, targets are the next token within the same sequence", () => {
  const s = new Sampler(corpus, base);
  let real = 0, slots = 0;
  for (let k = 0; k < 20; k++) {
    const b = s.next();
    checkLayout(b);
    let loss = 0;
    for (let i = 0; i < b.input.length; i++) {
      const same = i + 1 < b.input.length && (i + 1) % b.context !== 0 && b.segment[i]! >= 0 && b.segment[i + 1] === b.segment[i];
      assert.equal(b.target[i], same ? b.input[i + 1] : IGNORE);
      if (same) loss++;
    }
    assert.equal(b.lossTokens, loss);
    real += b.realTokens;
    slots += b.rows * b.context;
  }
  assert.ok(real / slots > 0.9, `packing keeps padding low (${real / slots})`);
});

test("MLM masking: 15% of residues, 80/10/10, never <cls>/<eos>/padding, targets are the originals", () => {
  // the first batch packs identically for both objectives (masking draws come after packing)
  const clm = new Sampler(corpus, { ...base, rows: 64 }).next();
  const mlm = new Sampler(corpus, { ...base, rows: 64, objective: "mlm" }).next();
  assert.deepEqual(mlm.segment, clm.segment);
  let residues = 0, selected = 0, masked = 0, unchanged = 0;
  for (let i = 0; i < clm.input.length; i++) {
    const orig = clm.input[i]!;
    const isResidue = clm.segment[i]! >= 0 && orig !== CLS && orig !== EOS;
    if (isResidue) residues++;
    if (mlm.target[i] === IGNORE) {
      assert.equal(mlm.input[i], orig, "unselected positions are unchanged");
      continue;
    }
    assert.ok(isResidue, "only residues are selected");
    assert.equal(mlm.target[i], orig);
    selected++;
    if (mlm.input[i] === MASK) masked++;
    else if (mlm.input[i] === orig) unchanged++;
    else assert.ok(mlm.input[i]! >= 4 && mlm.input[i]! <= 23, "random replacement is a standard residue");
  }
  assert.equal(mlm.lossTokens, selected);
  const p = selected / residues;
  assert.ok(Math.abs(p - 0.15) < 0.01, `selected ${p}`);
  assert.ok(Math.abs(masked / selected - 0.8) < 0.03, `masked ${masked / selected}`);
  // unchanged = the 10% kept + random draws that hit the original (≈ 1/20 of the 10% random)
  assert.ok(Math.abs(unchanged / selected - 0.105) < 0.025, `unchanged ${unchanged / selected}`);
});

test("packed residues are contiguous pieces of corpus sequences; long ones are cropped to the context", async () => {
  const d = tmp();
  const long = randomProtein(3000, 99);
  const path = writeFasta(d, "long.fa", [["long", long], ["short", "MKVLA"]]);
  const out = join(d, "c");
  await prepareCorpus({ out, cluster: "none", validFraction: 0, testFraction: 0, sources: [{ name: "s", weight: 1, inputs: [{ name: "l", path }] }] });
  const c = openCorpus(out);
  const text = Buffer.from(encodeResidues(long)).toString("hex");
  const s = new Sampler(c, { ...base, context: 64, rows: 8 });
  const starts = new Set<number>();
  for (let k = 0; k < 10; k++) {
    const b = s.next();
    checkLayout(b);
    for (let i = 0; i < b.input.length; i++) {
      if (b.position[i] !== 0 || b.segment[i]! < 0) continue;
      let j = i + 1;
      while (b.input[j] !== EOS) j++;
      const piece = Buffer.from(Int32Array.prototype.slice.call(b.input, i + 1, j)).toString("hex");
      if (j - i - 1 === 5) continue; // the short sequence
      assert.equal(j - i + 1, 64, "a cropped sequence fills the context");
      const at = text.indexOf(piece);
      assert.ok(at >= 0 && at % 2 === 0, "crop is a contiguous substring");
      starts.add(at);
    }
  }
  assert.ok(starts.size > 5, "random crop positions vary");
});

test("deterministic for a seed; different seeds differ", () => {
  const a = new Sampler(corpus, base), b = new Sampler(corpus, base), c = new Sampler(corpus, { ...base, seed: 8 });
  let differs = false;
  for (let k = 0; k < 5; k++) {
    const x = a.next(), y = b.next(), z = c.next();
    assert.deepEqual(x, y);
    if (x.input.join() !== z.input.join()) differs = true;
  }
  assert.ok(differs);
});

test("state() → JSON → restore() continues the identical stream (MLM, cluster-weighted and not)", () => {
  for (const extra of [{ objective: "mlm" as const }, { objective: "mlm" as const, clusterWeighted: true }]) {
    const o = { ...base, ...extra };
    const a = new Sampler(corpus, o);
    for (let k = 0; k < 7; k++) a.next();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = new Sampler(corpus, o);
    b.restore(saved);
    for (let k = 0; k < 5; k++) assert.deepEqual(b.next(), a.next());
    assert.deepEqual(b.progress(), a.progress());
  }
  const a = new Sampler(corpus, base);
  assert.throws(() => new Sampler(corpus, { ...base, context: 128 }).restore(a.state()), /context=256/);
});

test("source weights hold in tokens, and per-source accounting matches the batches", () => {
  for (const w of [{ swissprot: 0.7, mgnify: 0.3 }, { swissprot: 0.2, mgnify: 0.8 }]) {
    const s = new Sampler(corpus, { ...base, sourceWeights: w });
    const fromBatches: Record<string, number> = {};
    for (let k = 0; k < 60; k++) for (const [n, v] of Object.entries(s.next().sources)) fromBatches[n] = (fromBatches[n] ?? 0) + v;
    const p = s.progress();
    assert.equal(p.swissprot!.tokens, fromBatches.swissprot);
    assert.equal(p.mgnify!.tokens, fromBatches.mgnify);
    const share = p.swissprot!.tokens / (p.swissprot!.tokens + p.mgnify!.tokens);
    assert.ok(Math.abs(share - w.swissprot) < 0.01, `share ${share} vs ${w.swissprot}`);
  }
  const only = new Sampler(corpus, { ...base, sourceWeights: { mgnify: 1 } });
  assert.deepEqual(Object.keys(only.next().sources), ["mgnify"]);
  assert.throws(() => new Sampler(corpus, { ...base, sourceWeights: { uniref: 1 } }), /unknown source 'uniref'/);
});

test("epochs: one pass visits every sequence once, then the order reshuffles", () => {
  for (const n of [1, 2, 3, 17, 1000, 4097]) {
    const p = new Permutation(n, 12345);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) seen.add(p.at(i));
    assert.equal(seen.size, n);
    assert.ok([...seen].every((v) => v >= 0 && v < n));
  }
  const s = new Sampler(corpus, { ...base, sourceWeights: { mgnify: 1 }, context: 1024, rows: 16 });
  const src = corpus.split("train").find((x) => x.name === "mgnify")!;
  while (s.progress().mgnify!.epoch < 2) s.next();
  const p = s.progress().mgnify!;
  assert.ok(p.epochs > 1.9 && p.epochs < 2.3, `epochs ${p.epochs}`);
  assert.ok(p.sequences >= src.sequences * 2 - 32 && p.sequences <= src.sequences * 2 + 64);
});

test("cluster-weighted sampling draws clusters uniformly, not sequences", { skip: mmseqsVersion() === null && "mmseqs not installed" }, async () => {
  const d = tmp();
  const fam = randomProtein(150, 5);
  const recs: [string, string][] = [];
  for (let i = 0; i < 40; i++) recs.push([`f${i}`, fam.slice(0, 70) + randomProtein(3, 100 + i) + fam.slice(73)]);
  for (let i = 0; i < 40; i++) recs.push([`s${i}`, randomProtein(150, 1000 + i)]);
  const out = join(d, "c");
  await prepareCorpus({ out, threads: 2, validFraction: 0, testFraction: 0, sources: [{ name: "s", weight: 1, inputs: [{ name: "f", path: writeFasta(d, "f.fa", recs) }] }] });
  const c = openCorpus(out);
  assert.equal(c.manifest.clustering.sizes.clusters, 41);
  const famShare = (clusterWeighted: boolean) => {
    const s = new Sampler(c, { ...base, context: 160, rows: 1, clusterWeighted, lookahead: 1 });
    let fams = 0, total = 0;
    for (let k = 0; k < 820; k++) {
      const b = s.next();
      total++;
      if (Buffer.from(Int32Array.prototype.slice.call(b.input, 1, 71)).equals(Buffer.from(encodeResidues(fam.slice(0, 70))))) fams++;
    }
    return fams / total;
  };
  assert.ok(Math.abs(famShare(false) - 0.5) < 0.02);
  assert.ok(Math.abs(famShare(true) - 1 / 41) < 0.01);
});

test("BatchPrefetcher (worker thread) yields the same stream and resumes from state", async () => {
  const o: SamplerOptions = { ...base, objective: "mlm" };
  const sync = new Sampler(corpus, o);
  const pf = new BatchPrefetcher(dir, o, 3);
  try {
    await pf.whenReady();
    for (let k = 0; k < 6; k++) assert.deepEqual(await pf.next(), sync.next());
    assert.deepEqual(pf.state(), sync.state());
    const saved = sync.state();
    const expect = [sync.next(), sync.next()];
    await pf.restore(saved);
    assert.deepEqual(await pf.next(), expect[0]);
    assert.deepEqual(await pf.next(), expect[1]);
  } finally {
    await pf.close();
  }
  const bad = new BatchPrefetcher(join(dir, "nope"), o);
  await assert.rejects(bad.whenReady(), /no manifest\.json/);
  await bad.close();
});

test("evalBatches: identical on every call (fixed masks), bounded by maxTokens and by the split", () => {
  const o = { objective: "mlm" as const, context: 256, rows: 4, maxTokens: 5000 };
  const a = evalBatches(corpus, "valid", o), b = evalBatches(corpus, "valid", o);
  assert.deepEqual(a, b);
  const real = a.reduce((s, x) => s + x.realTokens, 0);
  assert.ok(real >= 5000 && real < 5000 + 4 * 256);
  const all = evalBatches(corpus, "valid", { ...o, maxTokens: 1e12 });
  const splitTokens = corpus.split("valid").reduce((s, x) => s + x.tokens, 0);
  const seen = all.reduce((s, x) => s + x.realTokens, 0);
  assert.ok(seen >= splitTokens && seen < splitTokens + 4 * 256 + 2 * 256, "one pass over the split");
});

// Generation metrics: the composition statistics by hand, and the task end to end on a real (tiny) CLM over a
// two-source corpus, which also exercises per-source perplexity and identity bins per source.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composition, hasTandemRepeat, jensenShannon, ksStatistic, lowComplexityFraction } from "../../src/eval/sequence-stats.js";
import { prepareCorpus } from "../../src/data/prepare.js";
import { sampleSources } from "../../src/data/samples.js";
import { mmseqsVersion } from "../../src/data/cluster.js";
import { train } from "../../src/train/loop.js";
import { configFromFlags } from "../../src/train/cli-config.js";
import { evaluateRun } from "../../src/eval/run.js";

test("composition statistics by hand", () => {
  assert.equal(jensenShannon([1, 0], [0, 1]), 1);
  assert.equal(jensenShannon([0.5, 0.5], [0.5, 0.5]), 0);
  // p = (1, 0), q = (½, ½): m = (¾, ¼); JS = ½·log2(4/3) + ½(½·log2(⅔) + ½·log2 2)
  const js = 0.5 * Math.log2(4 / 3) + 0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(0.5 / 0.25));
  assert.ok(Math.abs(jensenShannon([1, 0], [0.5, 0.5]) - js) < 1e-12);
  assert.equal(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]), 0.5);
  const c = composition(["AAC", "C"]);
  assert.equal(c[0], 0.5); // A
  assert.equal(c[1], 0.5); // C
  assert.equal(lowComplexityFraction("QQQQQQQQQQQQ"), 1); // entropy 0 over the only window
  assert.equal(lowComplexityFraction("ACDEFGHIKLMNPQRSTVWY"), 0); // every window has 12 distinct residues
  assert.equal(hasTandemRepeat("MKGSGSGSGSGSL"), true); // GS ×5 = 10 residues
  assert.equal(hasTandemRepeat("MKGSGSGSGL"), false);
});

test("generation and per-source perplexity on a two-source corpus (real CLM)", { timeout: 600_000, skip: mmseqsVersion() === null && "mmseqs not installed" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "plm-gen-"));
  await prepareCorpus({ out: join(dir, "corpus"), sources: sampleSources({ swissprot: 0.7, mgnify: 0.3 }), maxRecords: 400, validFraction: 0.1, testFraction: 0.1, threads: 1 });
  const run = join(dir, "clm");
  await train(configFromFlags({ objective: "clm", shape: "1,64,2", tokens: 40_000, context: 128, batchTokens: 2048, microRows: 16, lr: 3e-3, threads: 1, data: join(dir, "corpus"), evalEvery: 0, evalTokens: 2048, checkpointEvery: 0 }), { out: run, quiet: true });
  const r = await evaluateRun(run, ["perplexity", "generation"], { samples: 12, maxLength: 40, judge: run });
  const p = r.tasks.perplexity as any;
  assert.deepEqual(Object.keys(p.bySource).sort(), ["mgnify", "swissprot"]);
  assert.equal(p.bySource.mgnify.sequences + p.bySource.swissprot.sequences, p.sequences);
  assert.deepEqual(Object.keys(p.identity.perSource).sort(), ["mgnify", "swissprot"]);
  const g = r.tasks.generation as any;
  assert.equal(g.samples, 12);
  assert.ok(g.length.meanSamples <= 40);
  assert.ok(g.compositionJsBits >= 0 && g.compositionJsBits < 1);
  const bins = Object.values(g.maxIdentity.bins as Record<string, number>);
  assert.ok(Math.abs(bins.reduce((a, b) => a + b, 0) - 1) < 1e-9, "MaxID bins are fractions of the samples");
  assert.ok(g.diversity.clusters50 >= 1 && g.diversity.clusters50 <= 12 - g.emptySamples);
  assert.ok(g.naturalness.meanTokenLogLikelihood < 0);
  assert.match(g.notAvailable, /pLDDT.*Foldseek/);
  // the samples are kept and reused: a rerun draws nothing new and reports the same metrics
  const samples = readFileSync(join(run, "eval", "generation", "samples.jsonl"), "utf8");
  const again = await evaluateRun(run, ["generation"], { samples: 12, maxLength: 40, judge: run });
  assert.equal(readFileSync(join(run, "eval", "generation", "samples.jsonl"), "utf8"), samples);
  assert.equal((again.tasks.generation as any).compositionJsBits, g.compositionJsBits);
});

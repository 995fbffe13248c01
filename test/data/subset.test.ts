import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { prepareCorpus } from "../../src/data/prepare.js";
import { limitTrainTokens } from "../../src/data/subset.js";
import { openCorpus } from "../../src/data/corpus.js";
import { SWISSPROT_SAMPLE, tmp } from "./helpers.js";

test("limitTrainTokens: a prefix of the training split of about U tokens; valid and test splits shared unchanged", async () => {
  const dir = tmp();
  const src = join(dir, "full");
  await prepareCorpus({ out: src, cluster: "none", validFraction: 0.05, testFraction: 0.05, sources: [{ name: "sp", weight: 1, inputs: [{ name: "sample", path: SWISSPROT_SAMPLE }] }] });
  const full = openCorpus(src);
  const fullTrain = full.split("train")[0]!;
  const U = Math.round(fullTrain.tokens / 7);
  const r = limitTrainTokens(src, join(dir, "cut"), U);
  const cut = openCorpus(r.dir); // every listed file present with its recorded size; index count = manifest
  const t = cut.split("train")[0]!;
  // whole sequences: at least U, and less than U plus one sequence (the longest is < 40k residues)
  assert.ok(t.tokens >= U && t.tokens < U + 40_000, `${t.tokens} vs U ${U}`);
  assert.equal(r.trainTokens, t.tokens);
  // the kept sequences are the full split's first ones, residue for residue
  for (const i of [0, t.sequences - 1]) assert.deepEqual(cut.residues(t, i), full.residues(fullTrain, i));
  let counted = 0;
  for (let i = 0; i < t.sequences; i++) counted += cut.residues(t, i).length + 2;
  assert.equal(counted, t.tokens);
  // the held-out splits are the same sequences (all runs of a study are scored on them)
  const v = cut.split("valid")[0]!, fv = full.split("valid")[0]!;
  assert.equal(v.sequences, fv.sequences);
  assert.deepEqual(cut.residues(v, v.sequences - 1), full.residues(fv, fv.sequences - 1));
  // idempotent: a second call keeps what is there
  const again = limitTrainTokens(src, join(dir, "cut"), U);
  assert.equal(again.trainTokens, r.trainTokens);
  assert.throws(() => limitTrainTokens(src, join(dir, "too-big"), fullTrain.tokens * 2), /cannot limit/);
  const m = JSON.parse(readFileSync(join(r.dir, "manifest.json"), "utf8"));
  assert.equal(m.sources[0].splits.train.sequences, t.sequences);
});

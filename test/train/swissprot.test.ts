// End to end on real data: a small CLM trained on the committed Swiss-Prot sample (3,000 proteins) for a fixed
// budget of 600k tokens (≈80 s of one CPU core) must beat the unigram baseline on held-out proteins: both
// the 2.89 nats and the unigram cross-entropy computed here from the training split's frequencies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { train } from "../../src/train/loop.js";
import { configFromFlags } from "../../src/train/cli-config.js";
import { openData, FASTA_VALID_FRACTION } from "../../src/train/data-source.js";
import { readFastaCorpus } from "../../src/data/memory-corpus.js";
import { IGNORE, EOS } from "../../src/data/tokenizer.js";

const FASTA = fileURLToPath(new URL("../../../test/fixtures/swissprot-sample.fasta.gz", import.meta.url));

test("Swiss-Prot sample: validation loss falls below the unigram entropy", { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "plm-sp-"));
  const config = configFromFlags({
    objective: "clm", shape: "2,128,2", tokens: 600_000, context: 128, batchTokens: 2048, microRows: 16, lr: 5e-3, warmup: 0.03,
    threads: 1, data: FASTA, evalEvery: 0, evalTokens: 32_768, checkpointEvery: 0,
  });
  const r = await train(config, { out: join(dir, "run"), quiet: true });

  // unigram cross-entropy of the held-out targets under the training split's token frequencies
  // (the targets a CLM predicts: every residue and <eos>)
  const { corpus } = await readFastaCorpus(FASTA, { validFraction: FASTA_VALID_FRACTION, seed: config.data.seed });
  const counts = new Float64Array(33).fill(1); // add-one smoothing
  const [trainSplit] = corpus.split("train");
  for (let i = 0; i < trainSplit!.sequences; i++) {
    for (const id of corpus.residues(trainSplit!, i)) counts[id]!++;
    counts[EOS]!++;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const { validation } = await openData({ ...config, microBatchRows: 16 }, 16);
  let ce = 0, n = 0;
  for (const b of validation) for (const t of b.target) if (t !== IGNORE) (ce -= Math.log(counts[t]! / total)), n++;
  const unigram = ce / n;

  t.diagnostic(`validation loss ${r.valLoss.toFixed(4)}, unigram ${unigram.toFixed(4)}`);
  assert.ok(unigram > 2.8 && unigram < 3.05, `unigram baseline ${unigram}`);
  assert.ok(r.valLoss < 2.89, `validation loss ${r.valLoss} ≥ 2.89`);
  assert.ok(r.valLoss < unigram, `validation loss ${r.valLoss} vs unigram ${unigram}`);
  rmSync(dir, { recursive: true, force: true });
});

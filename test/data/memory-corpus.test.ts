// The in-memory side of the one data path: packSequences/sliceRows (data/batch.ts), MemoryCorpus under the
// Sampler, readFastaCorpus (FASTA → train/valid splits, bad records counted) and readFastaRecords.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { packSequences, sliceRows, applyClmTargets } from "../../src/data/batch.js";
import { MemoryCorpus, readFastaCorpus } from "../../src/data/memory-corpus.js";
import { readFastaRecords } from "../../src/data/fasta.js";
import { Sampler } from "../../src/data/sampler.js";
import { CLS, EOS, PAD, IGNORE, encodeResidues, decode } from "../../src/data/tokenizer.js";
import { UserError } from "../../src/core/errors.js";
import { tmp, writeFasta, randomProtein } from "./helpers.js";

const SEQS = ["MKTAYIAK", "LLG", "ACDEFGHIKLMN", "MV"].map(encodeResidues);

test("packSequences: in order, positions restart per sequence, a sequence that does not fit starts the next row", () => {
  // row 0: MKTAYIAK (10 tokens) + LLG (5) = 15, one pad; ACDEFGHIKLMN (14) does not fit → row 1, then MV (4) does not fit
  const { batch: b, used } = packSequences(SEQS, 2, 16);
  assert.equal(used, 3);
  assert.deepEqual([...b.position.subarray(0, 16)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 0]);
  assert.deepEqual([...b.segment.subarray(0, 16)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, -1]);
  assert.deepEqual([...b.input.subarray(10, 16)], [CLS, 4, 4, 6, EOS, PAD]);
  assert.equal(decode(b.input.subarray(16, 32)), "<cls>ACDEFGHIKLMN<eos><pad><pad>");
  assert.equal(b.realTokens, 10 + 5 + 14);
  applyClmTargets(b);
  assert.equal(b.target[8], b.input[9]); // K predicts <eos>
  assert.equal(b.target[9], IGNORE); // <eos> of the first sequence predicts nothing (not the next <cls>)
  assert.equal(b.lossTokens, 9 + 4 + 13);
  assert.throws(() => packSequences([encodeResidues("A".repeat(15))], 1, 16), /at most 14 fit a row of 16/);
});

test("sliceRows: a row range with its own real and loss token counts", () => {
  const { batch } = packSequences(SEQS, 2, 16);
  applyClmTargets(batch);
  const r1 = sliceRows(batch, 1, 1);
  assert.equal(r1.rows, 1);
  assert.equal(r1.realTokens, 14);
  assert.equal(r1.lossTokens, 13);
  assert.deepEqual([...r1.input], [...batch.input.subarray(16, 32)]);
  assert.equal(sliceRows(batch, 0, 1).realTokens, 15);
});

test("MemoryCorpus under the Sampler: every sequence once per epoch, state → JSON → restore continues the stream", () => {
  const seqs = Array.from({ length: 12 }, (_, i) => encodeResidues(randomProtein(5 + i, i + 1)));
  const c = new MemoryCorpus("mem", { train: seqs });
  assert.equal(c.split("train")[0]!.tokens, seqs.reduce((a, s) => a + s.length + 2, 0));
  assert.equal(c.split("valid")[0]!.sequences, 0);
  const o = { split: "train" as const, objective: "mlm" as const, context: 32, rows: 1, seed: 5, lookahead: 1 };
  // one epoch, strict draw order: the 12 sequences each appear exactly once
  const seen: string[] = [];
  const s = new Sampler(c, o);
  while (seen.length < 12) {
    const b = s.next();
    for (let i = 0; i < b.input.length; i++) {
      if (b.position[i] !== 0 || b.segment[i]! < 0) continue;
      let j = i + 1;
      while (b.input[j] !== EOS) j++;
      const orig = Int32Array.from(b.input.subarray(i + 1, j), (x, k) => (b.target[i + 1 + k] !== IGNORE ? b.target[i + 1 + k]! : x));
      seen.push(decode(orig, true));
    }
  }
  assert.deepEqual(seen.slice(0, 12).sort(), seqs.map((x) => decode(x, true)).sort());
  const a = new Sampler(c, o);
  a.next();
  const st = JSON.parse(JSON.stringify(a.state()));
  const want = [a.next(), a.next(), a.next()];
  const b = new Sampler(c, o);
  b.restore(st);
  for (const w of want) {
    const g = b.next();
    assert.deepEqual(g.input, w.input);
    assert.deepEqual(g.target, w.target);
  }
  assert.notDeepEqual(new Sampler(c, o).next().input, want[0]!.input);
  assert.throws(() => new Sampler(c, { ...o, split: "valid" }), /no sequences to draw in split 'valid'/);
});

test("readFastaCorpus: bad records counted and skipped, duplicates never cross the split, seeded, gz = plain", async () => {
  const d = tmp();
  const good = Array.from({ length: 400 }, (_, i) => randomProtein(30 + (i % 50), 1000 + i));
  const records: [string, string][] = good.map((s, i) => [`p${i}`, s]);
  records.push(["dup1", good[0]!], ["dup2", good[1]!], ["badchar", "MKJL"], ["stop", "MK*LL"], ["empty", ""]);
  const path = writeFasta(d, "in.fa", records);
  const f = await readFastaCorpus(path, { validFraction: 0.1, seed: 3 });
  assert.deepEqual(f.bad, { empty: 1, "invalid-char": 1, "internal-stop": 1 });
  assert.equal(f.records, 402);
  assert.equal(f.train + f.valid, 402);
  assert.ok(f.valid > 20 && f.valid < 65, `held out ${f.valid} of 402 at 10%`);
  const text = (split: "train" | "valid") => {
    const [s] = f.corpus.split(split);
    return Array.from({ length: s!.sequences }, (_, i) => decode(f.corpus.residues(s!, i), true));
  };
  const train = text("train"), valid = text("valid");
  assert.equal(train.length, f.train);
  for (const dup of [good[0]!, good[1]!]) {
    const where = [train.filter((x) => x === dup).length, valid.filter((x) => x === dup).length];
    assert.ok(where[0] === 2 || where[1] === 2, `both copies in one split: ${where}`);
  }
  const again = await readFastaCorpus(path, { validFraction: 0.1, seed: 3 });
  assert.deepEqual(text("valid"), valid);
  assert.equal(again.valid, f.valid);
  const other = await readFastaCorpus(path, { validFraction: 0.1, seed: 4 });
  const [ov] = other.corpus.split("valid");
  assert.notDeepEqual(Array.from({ length: ov!.sequences }, (_, i) => decode(other.corpus.residues(ov!, i), true)), valid);
  const gz = join(d, "in.fa.gz");
  writeFileSync(gz, gzipSync(Buffer.from(records.map(([h, s]) => `>${h}\n${s}\n`).join(""))));
  const z = await readFastaCorpus(gz, { validFraction: 0.1, seed: 3 });
  assert.deepEqual([z.train, z.valid], [f.train, f.valid]);
  // at least one held out when the fraction rounds to none; none at all when the fraction is 0
  const two = writeFasta(d, "two.fa", [["a", "MKV"], ["b", "LLG"]]);
  assert.equal((await readFastaCorpus(two, { validFraction: 1e-9, seed: 0 })).valid, 1);
  assert.equal((await readFastaCorpus(two, { validFraction: 0, seed: 0 })).valid, 0);
  // … with all its copies
  const dups = writeFasta(d, "dups.fa", [["a", "MKV"], ["b", "LLG"], ["a2", "MKV"], ["b2", "LLG"]]);
  const held = await readFastaCorpus(dups, { validFraction: 1e-9, seed: 0 });
  assert.deepEqual([held.train, held.valid], [2, 2]);
});

test("readFastaRecords: ids and upper-case residues in file order; bad records and bad files are UserErrors naming the line", async () => {
  const d = tmp();
  const ok = writeFasta(d, "ok.fa", [["sp|P1 first protein", "mktay*"], ["empty", ""], ["p2", "LLG"]]);
  assert.deepEqual(await readFastaRecords(ok), [{ id: "sp|P1", seq: "MKTAY", line: 1 }, { id: "p2", seq: "LLG", line: 5 }]);
  const bad = writeFasta(d, "bad.fa", [["a", "MKV"], ["b", "MKJL"]]);
  await assert.rejects(readFastaRecords(bad), (e: unknown) => e instanceof UserError && /bad\.fa: line 3: record 'b' has an invalid character \('J' at residue 3\)/.test(e.message));
  const headerless = join(d, "nohead.fa");
  writeFileSync(headerless, "MKV\n");
  await assert.rejects(readFastaRecords(headerless), (e: unknown) => e instanceof UserError && /nohead\.fa: line 1 .*before any '>' header/.test(e.message));
});

// Parallel ingest (worker threads over record-aligned byte ranges): the same corpus as the serial scan, and the
// serial scan's exact errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareCorpus } from "../../src/data/prepare.js";
import { alignedRanges } from "../../src/data/ingest-parallel.js";
import { FastaFormatError } from "../../src/data/fasta.js";
import { writeSyntheticFasta } from "../../bench/synthetic.js";
import { tmp } from "./helpers.js";

test("alignedRanges: ranges tile the file and each starts at a header", () => {
  const dir = tmp();
  const p = join(dir, "a.fa");
  writeSyntheticFasta(p, { records: 3000, median: 50, seed: 3 });
  const text = readFileSync(p);
  const rs = alignedRanges(p, 4096);
  assert.ok(rs.length > 20, `${rs.length} ranges`);
  assert.equal(rs[0]!.start, 0);
  assert.equal(rs[rs.length - 1]!.end, text.length);
  for (let i = 0; i < rs.length; i++) {
    assert.equal(text[rs[i]!.start], 62, `range ${i} starts at '>'`);
    assert.ok(rs[i]!.start === 0 || text[rs[i]!.start - 1] === 10);
    if (i > 0) assert.equal(rs[i]!.start, rs[i - 1]!.end);
  }
});

test("workers 0, 1 and 2: byte-identical corpora (counts, dedup, filters, invalid records); errors as the serial scan's", async () => {
  const dir = tmp();
  const a = join(dir, "a.fa"), b = join(dir, "b.fa");
  writeSyntheticFasta(a, { records: 20000, median: 60, seed: 5, duplicates: 0.05 });
  // bad and filtered records in the second file, duplicates of the first
  writeFileSync(b, readFileSync(a, "latin1").slice(0, 200000) + ">bad1\nMKJJ\n>short\nMK\n>stop\nMK*LL\n>empty\n" + readFileSync(a, "latin1").slice(0, 50000));
  const src = [{ name: "s", weight: 1, inputs: [{ name: a, path: a }, { name: b, path: b }] }];
  const files: string[] = [];
  for (const workers of [0, 1, 2]) {
    const out = join(dir, `o${workers}`);
    const m = await prepareCorpus({ out, sources: src, workers, cluster: "none", minLength: 3, memoryMB: 16 }); // 1 MB ranges
    assert.deepEqual([m.sources[0]!.invalid["invalid-char"], m.sources[0]!.invalid["internal-stop"], m.sources[0]!.invalid.empty, m.sources[0]!.filtered["too-short"]], [1, 1, 1, 1]);
    assert.ok(m.sources[0]!.deduplicated > 1000);
    const { created: _c, wallSeconds: _w, ...rest } = m;
    files.push(JSON.stringify(rest));
  }
  assert.equal(files[1], files[0]);
  assert.equal(files[2], files[0]);
  const bad = join(dir, "bad.fa");
  writeFileSync(bad, readFileSync(a, "latin1").slice(0, 3_000_000).replace(/\n>syn5000\n/, "\n>syn5000\nMK\u0001\n"));
  for (const workers of [0, 2]) {
    await assert.rejects(prepareCorpus({ out: join(dir, `e${workers}`), sources: [{ name: "s", weight: 1, inputs: [{ name: bad, path: bad }] }], workers, cluster: "none", memoryMB: 16 }),
      (e: Error) => e instanceof FastaFormatError && /bad\.fa: line \d+ \(byte \d+\)/.test(e.message) && (files.push(e.message), true));
  }
  assert.equal(files[4], files[3], "the same message with and without workers");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBatcher, packBatch, encodeProtein, decodeProtein, CLS, EOS, PAD, MASK, IGNORE } from "../../src/train/batch.js";
import { Rng } from "../../src/train/rng.js";

const SEQS = ["MKTAYIAK", "LLG", "ACDEFGHIKLMNPQRSTVWY", "MV", "WWWWWWWWWWWWWW"];

test("tokenizer ids follow ESM-2 (CONTRACTS)", () => {
  assert.deepEqual([...encodeProtein("LAC")], [CLS, 4, 5, 23, EOS]);
  assert.equal(decodeProtein(encodeProtein("MKTAY")), "MKTAY");
});

test("CLM packing: positions reset per sequence, segments, next-token targets within a sequence only", () => {
  const { batch: b, used } = packBatch(SEQS.map(encodeProtein), 2, { objective: "clm", context: 16, maskProb: 0.15 }, new Rng(1));
  // row 0: MKTAYIAK (10) + LLG (5) = 15 then pad; row 1: the 22-token sequence is cropped to 16
  assert.equal(used, 3);
  assert.deepEqual([...b.position.subarray(0, 16)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 0]);
  assert.deepEqual([...b.segment.subarray(0, 16)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, -1]);
  assert.equal(b.input[15], PAD);
  for (let t = 0; t < 32; t++) {
    const same = t + 1 < 32 && (t + 1) % 16 !== 0 && b.segment[t]! >= 0 && b.segment[t + 1] === b.segment[t];
    assert.equal(b.target[t], same ? b.input[t + 1] : IGNORE, `t=${t}`);
  }
  assert.equal(b.target[9], IGNORE); // <eos> of the first sequence predicts nothing
  assert.equal(b.realTokens, 31);
  assert.equal(b.lossTokens, [...b.target].filter((x) => x !== IGNORE).length);
});

test("MLM masking: ~15% of residues, 80/10/10, targets only at masked positions, specials never masked", () => {
  const long = Array.from({ length: 200 }, (_, i) => "ACDEFGHIKLMNPQRSTVWY".repeat(3).slice(i % 7, 50 + (i % 7)));
  const { batch: b } = packBatch(long.map(encodeProtein), 64, { objective: "mlm", context: 128, maskProb: 0.15 }, new Rng(3));
  let masked = 0, maskTok = 0, same = 0, residues = 0;
  for (let t = 0; t < b.input.length; t++) {
    const isRes = b.segment[t]! >= 0 && b.position[t] !== 0 && (b.target[t] !== IGNORE || (b.input[t] !== EOS && b.input[t] !== CLS));
    if (isRes) residues++;
    if (b.target[t] === IGNORE) continue;
    masked++;
    assert.notEqual(b.target[t], CLS);
    assert.notEqual(b.target[t], EOS);
    if (b.input[t] === MASK) maskTok++;
    else if (b.input[t] === b.target[t]) same++;
  }
  assert.equal(masked, b.lossTokens);
  assert.ok(Math.abs(masked / residues - 0.15) < 0.02, `mask rate ${masked / residues}`);
  assert.ok(Math.abs(maskTok / masked - 0.8) < 0.04, `mask token share ${maskTok / masked}`);
  assert.ok(same / masked > 0.07 && same / masked < 0.16, `unchanged share ${same / masked}`);
});

test("MemoryBatcher: restoring a saved state continues the identical stream", () => {
  const o = { objective: "mlm" as const, context: 16, maskProb: 0.15, seed: 5 };
  const a = new MemoryBatcher(SEQS, o);
  a.next(3);
  const st = a.state();
  const want = [a.next(2), a.next(3), a.next(1)];
  const b = new MemoryBatcher(SEQS, o);
  b.restore(JSON.parse(JSON.stringify(st)));
  const got = [b.next(2), b.next(3), b.next(1)];
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(got[i]!.input, want[i]!.input);
    assert.deepEqual(got[i]!.target, want[i]!.target);
  }
  // and differs from a fresh stream
  assert.notDeepEqual(new MemoryBatcher(SEQS, o).next(2).input, want[0]!.input);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { VOCAB, VOCAB_SIZE, encode, encodeResidues, decode, CLS, EOS, PAD, MASK } from "../../src/data/tokenizer.js";

// Hugging Face facebook/esm2_t6_8M_UR50D vocab.txt, in file order (line i = id i).
const HF_ESM2_VOCAB_TXT = `<cls>\n<pad>\n<eos>\n<unk>\nL\nA\nG\nV\nS\nE\nR\nT\nI\nD\nP\nK\nQ\nN\nF\nY\nM\nH\nW\nC\nX\nB\nU\nZ\nO\n.\n-\n<null_1>\n<mask>`;

test("vocabulary ids equal Hugging Face's ESM-2 vocab.txt line numbers", () => {
  assert.deepEqual([...VOCAB], HF_ESM2_VOCAB_TXT.split("\n"));
  assert.equal(VOCAB_SIZE, VOCAB.length);
  assert.equal(VOCAB[CLS], "<cls>");
  assert.equal(VOCAB[PAD], "<pad>");
  assert.equal(VOCAB[EOS], "<eos>");
  assert.equal(VOCAB[MASK], "<mask>");
});

test("encode wraps residues in <cls> … <eos>; lower case folds; trailing * stripped", () => {
  assert.deepEqual([...encode("MKV")], [0, 20, 15, 7, 2]);
  assert.deepEqual([...encode("mkv*")], [0, 20, 15, 7, 2]);
  assert.deepEqual([...encodeResidues("XBUZO")], [24, 25, 26, 27, 28]);
  assert.equal(decode(encode("ACDW")), "<cls>ACDW<eos>");
  assert.equal(decode(encode("ACDW"), true), "ACDW");
});

test("encode rejects characters outside the protein alphabet", () => {
  assert.throws(() => encode("MK1V"), /'1' at position 3/);
  assert.throws(() => encode("MK-V"), /not in the protein alphabet/);
  assert.throws(() => encode("MJ"), /'J'/);
});

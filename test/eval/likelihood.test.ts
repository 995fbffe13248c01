// The MLM corruption behind eval perplexity (likelihood.ts mlmCorrupt) is the training masker's: BERT/ESM-2's
// 80/10/10 on residues only, a fixed draw per seed, and the same draws as the loop it had before it shared
// data/batch.ts applyMlmMask (so perplexities recorded earlier stay comparable).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mlmCorrupt, tokensOf } from "../../src/eval/likelihood.js";
import { CLS, EOS, MASK, FIRST_RESIDUE, STANDARD_RESIDUES, encodeResidues } from "../../src/data/tokenizer.js";
import { Rng } from "../../src/core/random.js";

const residues = encodeResidues("MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWSTPSELGHAGLNGDILVWNPVLEDAFELSSMGIRVDADTLKHQLALTGDEDRLELEWHQALLRGEMPQTIGGGIGQSRLTMLLLQLPHIGQVQAGVWPAACRERVPALRP");

/** The loop likelihood.ts used before it called applyMlmMask (kept here as the reference for the draws). */
function formerCorrupt(ids: Int32Array, maskProb: number, seed: number): { input: Int32Array; positions: number[] } {
  const rng = new Rng(seed);
  const input = ids.slice(), positions: number[] = [];
  for (let t = 1; t < ids.length; t++) {
    if (ids[t] === EOS) continue;
    if (rng.next() >= maskProb) continue;
    positions.push(t);
    const u = rng.next();
    if (u < 0.8) input[t] = MASK;
    else if (u < 0.9) input[t] = FIRST_RESIDUE + rng.int(STANDARD_RESIDUES);
  }
  return { input, positions };
}

test("mlmCorrupt: residues only, 15% selected, 80% of those <mask>, 10% a random residue, the rest unchanged", () => {
  const ids = tokensOf(residues, 1024);
  assert.equal(ids[ids.length - 1], EOS);
  let selected = 0, masked = 0, replaced = 0, eligible = 0;
  for (let seed = 0; seed < 300; seed++) {
    const { input, positions } = mlmCorrupt(ids, 0.15, seed);
    const chosen = new Set(positions);
    assert.ok(!chosen.has(0) && !chosen.has(ids.length - 1), "<cls> and <eos> are never selected");
    for (let t = 0; t < ids.length; t++) {
      if (!chosen.has(t)) assert.equal(input[t], ids[t], `seed ${seed}: unselected position ${t} changed`);
      else if (input[t] === MASK) masked++;
      else if (input[t] !== ids[t]) replaced++;
    }
    selected += positions.length;
    eligible += ids.length - 2;
  }
  assert.ok(Math.abs(selected / eligible - 0.15) < 0.01, `selection rate ${selected / eligible}`);
  assert.ok(Math.abs(masked / selected - 0.8) < 0.02, `<mask> share ${masked / selected}`);
  // a random residue equals the original 1 time in 20 (STANDARD_RESIDUES), so about 9.5% end up changed
  assert.ok(Math.abs(replaced / selected - 0.1 * (1 - 1 / STANDARD_RESIDUES)) < 0.015, `replaced share ${replaced / selected}`);
});

test("mlmCorrupt: the same seed gives the same corruption, another seed another one", () => {
  const ids = tokensOf(residues, 1024);
  assert.deepEqual(mlmCorrupt(ids, 0.15, 42), mlmCorrupt(ids, 0.15, 42));
  assert.notDeepEqual(mlmCorrupt(ids, 0.15, 42).positions, mlmCorrupt(ids, 0.15, 43).positions);
});

test("mlmCorrupt: the same draws as the former loop, for whole and cropped sequences (last residue selectable, no <eos>)", () => {
  for (const context of [1024, 40]) {
    const ids = tokensOf(residues, context);
    assert.equal(ids[0], CLS);
    let lastChosen = 0;
    for (let seed = 0; seed < 200; seed++) {
      const now = mlmCorrupt(ids, 0.15, seed), before = formerCorrupt(ids, 0.15, seed);
      assert.deepEqual(now.positions, before.positions, `context ${context}, seed ${seed}`);
      assert.deepEqual(now.input, before.input, `context ${context}, seed ${seed}`);
      if (now.positions.includes(ids.length - 1)) lastChosen++;
    }
    // cropped to 40 tokens the row ends in a residue, which can be selected; a whole sequence ends in <eos>
    if (context === 40) assert.ok(lastChosen > 10, `last residue selected ${lastChosen} times`);
    else assert.equal(lastChosen, 0);
  }
});

// The Batch contract (docs/CONTRACTS.md): packed rows of `context` tokens as plain, transferable typed arrays.
import { IGNORE, MASK, FIRST_RESIDUE, STANDARD_RESIDUES, CLS, EOS, PAD } from "./tokenizer.js";
import type { Rng } from "../core/random.js";

export interface Batch {
  rows: number;
  context: number;
  input: Int32Array;
  target: Int32Array;
  position: Int32Array;
  segment: Int32Array;
  realTokens: number;
  lossTokens: number;
  sources: Record<string, number>;
}


export function emptyBatch(rows: number, context: number): Batch {
  const n = rows * context;
  return {
    rows, context,
    input: new Int32Array(n).fill(PAD),
    target: new Int32Array(n).fill(IGNORE),
    position: new Int32Array(n),
    segment: new Int32Array(n).fill(-1),
    realTokens: 0, lossTokens: 0, sources: {},
  };
}

/** MLM corruption (BERT/ESM-2): each residue is selected with `prob`; selected → <mask> / random residue /
 * unchanged with `ratios`; targets are the originals at selected positions only. <cls>, <eos>, padding never. */
export function applyMlmMask(b: Batch, rng: Rng, prob: number, ratios: [number, number, number]): void {
  const [pm, pr] = ratios;
  let loss = 0;
  for (let t = 0; t < b.input.length; t++) {
    const id = b.input[t]!;
    if (b.segment[t]! < 0 || id === CLS || id === EOS) continue;
    if (rng.next() >= prob) continue;
    b.target[t] = id;
    loss++;
    const u = rng.next();
    if (u < pm) b.input[t] = MASK;
    else if (u < pm + pr) b.input[t] = FIRST_RESIDUE + rng.int(STANDARD_RESIDUES);
  }
  b.lossTokens = loss;
}

/** CLM targets: the next token inside the same sequence; -100 at each sequence's last token and on padding. */
export function applyClmTargets(b: Batch): void {
  const T = b.context;
  let loss = 0;
  for (let r = 0; r < b.rows; r++) {
    const o = r * T;
    for (let t = 0; t < T - 1; t++) {
      const s = b.segment[o + t]!;
      if (s >= 0 && b.segment[o + t + 1] === s) {
        b.target[o + t] = b.input[o + t + 1]!;
        loss++;
      }
    }
  }
  b.lossTokens = loss;
}

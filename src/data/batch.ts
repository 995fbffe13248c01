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

/**
 * Write `<cls> residues <eos>` into row `row` of `b` starting at column `pos`, as segment `seg` (positions
 * restart at 0). Returns the tokens written (residues + 2). The caller checks that they fit the row.
 */
export function placeSequence(b: Batch, row: number, pos: number, seg: number, residues: ArrayLike<number>): number {
  const need = residues.length + 2;
  const o = row * b.context + pos;
  b.input[o] = CLS;
  for (let i = 0; i < residues.length; i++) b.input[o + 1 + i] = residues[i]!;
  b.input[o + need - 1] = EOS;
  for (let t = 0; t < need; t++) {
    b.position[o + t] = t;
    b.segment[o + t] = seg;
  }
  b.realTokens += need;
  return need;
}

/**
 * Pack sequences (residue ids, without <cls>/<eos>) in the given order into `rows` rows of `context` tokens: a
 * sequence that does not fit the rest of a row starts the next one; stops when the rows are full. No targets
 * (apply applyClmTargets or applyMlmMask). For fixed, known inputs (tests, benchmarks); training draws its
 * batches from the Sampler, which places sequences with the same placeSequence.
 */
export function packSequences(seqs: ArrayLike<number>[], rows: number, context: number): { batch: Batch; used: number } {
  const b = emptyBatch(rows, context);
  let used = 0, row = 0, pos = 0, seg = 0;
  while (used < seqs.length && row < rows) {
    const s = seqs[used]!;
    if (s.length + 2 > context) throw new RangeError(`packSequences: sequence ${used} has ${s.length} residues; at most ${context - 2} fit a row of ${context}`);
    if (pos + s.length + 2 > context) {
      row++, pos = 0, seg = 0;
      continue;
    }
    pos += placeSequence(b, row, pos, seg++, s);
    used++;
  }
  return { batch: b, used };
}

/** Rows [start, start+rows) of a batch as a batch of its own (micro-batches for gradient accumulation). */
export function sliceRows(b: Batch, start: number, rows: number): Batch {
  const T = b.context, lo = start * T, hi = (start + rows) * T;
  const target = b.target.subarray(lo, hi), segment = b.segment.subarray(lo, hi);
  let real = 0, loss = 0;
  for (let i = 0; i < segment.length; i++) {
    if (segment[i]! >= 0) real++;
    if (target[i] !== IGNORE) loss++;
  }
  return {
    rows, context: T, input: b.input.subarray(lo, hi), target, position: b.position.subarray(lo, hi), segment,
    realTokens: real, lossTokens: loss, sources: {},
  };
}

/** BERT's and ESM-2's split of the selected positions: [<mask>, random residue, unchanged]. */
export const MLM_MASK_RATIOS: readonly [number, number, number] = [0.8, 0.1, 0.1];

/** MLM corruption (BERT/ESM-2): each residue is selected with `prob`; selected → <mask> / random residue /
 * unchanged with `ratios`; targets are the originals at selected positions only. <cls>, <eos>, padding never. */
export function applyMlmMask(b: Batch, rng: Rng, prob: number, ratios: readonly [number, number, number]): void {
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

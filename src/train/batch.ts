// The source interface the training loop draws Batches from (layout: docs/CONTRACTS.md "Batches",
// src/data/batch.ts). The in-memory packer below produces the same layout from a list of
// sequences; the loop uses it for tests and for FASTA inputs, and src/data's corpus sampler for corpora.
import { Rng } from "./rng.js";
import { CLS, PAD, EOS, UNK, MASK, IGNORE, encode, decode } from "../data/tokenizer.js";
import type { Batch } from "../data/batch.js";

export type { Batch };

/** Where training batches come from: a stream whose state can be saved and restored exactly. */
export interface BatchSource {
  next(rows: number): Batch;
  state(): unknown;
  restore(state: unknown): void;
}

export { CLS, PAD, EOS, UNK, MASK, IGNORE };
/** the 20 standard amino acids' ids (MLM's random replacement draws from these) */
const STANDARD = Array.from({ length: 20 }, (_, i) => 4 + i);

/** `<cls> residues <eos>` as ids (src/data's tokenizer). */
export function encodeProtein(seq: string): Int32Array {
  return encode(seq);
}

/** Residue letters of ids (specials dropped). */
export function decodeProtein(ids: ArrayLike<number>): string {
  return decode(ids, true);
}

export interface PackOptions {
  objective: "mlm" | "clm";
  context: number;
  maskProb: number;
}

/**
 * Pack encoded sequences greedily into `rows` rows of `context` tokens (a sequence that does not fit in the
 * rest of a row starts the next one; longer than `context` is cropped by a window from `rng`), then build
 * targets: CLM the next token within the same sequence, MLM BERT-style 80/10/10 masking of residues.
 */
export function packBatch(seqs: Int32Array[], rows: number, o: PackOptions, rng: Rng): { batch: Batch; used: number } {
  const T = o.context, n = rows * T;
  const input = new Int32Array(n).fill(PAD), target = new Int32Array(n).fill(IGNORE);
  const position = new Int32Array(n), segment = new Int32Array(n).fill(-1);
  let used = 0, row = 0, col = 0, seg = 0, real = 0;
  while (used < seqs.length && row < rows) {
    let s = seqs[used]!;
    if (s.length > T) {
      const start = rng.int(s.length - T + 1);
      s = s.subarray(start, start + T);
    }
    if (col + s.length > T) {
      row++, col = 0, seg = 0;
      continue;
    }
    const base = row * T + col;
    for (let i = 0; i < s.length; i++) {
      input[base + i] = s[i]!;
      position[base + i] = i;
      segment[base + i] = seg;
    }
    col += s.length, seg++, used++, real += s.length;
  }
  let loss = 0;
  if (o.objective === "clm") {
    for (let t = 0; t + 1 < n; t++) {
      if (segment[t]! >= 0 && (t + 1) % T !== 0 && segment[t + 1] === segment[t]) target[t] = input[t + 1]!, loss++;
    }
  } else {
    for (let t = 0; t < n; t++) {
      const id = input[t]!;
      if (segment[t]! < 0 || id === CLS || id === EOS || id === PAD) continue;
      if (rng.next() >= o.maskProb) continue;
      target[t] = id, loss++;
      const r = rng.next();
      if (r < 0.8) input[t] = MASK;
      else if (r < 0.9) input[t] = STANDARD[rng.int(STANDARD.length)]!;
    }
  }
  return { batch: { rows, context: T, input, target, position, segment, realTokens: real, lossTokens: loss, sources: { memory: real } }, used };
}

interface MemoryState {
  epoch: number;
  cursor: number;
  rng: number;
}

/**
 * An endless stream of packed batches over sequences held in memory: shuffled each epoch by a seeded RNG,
 * masking drawn from the same RNG, state = (epoch, cursor, rng) so a restored stream is identical.
 */
export class MemoryBatcher implements BatchSource {
  private order: number[] = [];
  private st: MemoryState;
  private readonly encoded: Int32Array[];

  constructor(seqs: string[], private readonly o: PackOptions & { seed: number; shuffle?: boolean }) {
    if (seqs.length === 0) throw new Error("MemoryBatcher: no sequences");
    this.encoded = seqs.map(encodeProtein);
    this.st = { epoch: 0, cursor: 0, rng: o.seed >>> 0 };
    this.reorder();
  }

  private reorder(): void {
    this.order = this.encoded.map((_, i) => i);
    if (this.o.shuffle !== false) new Rng((this.o.seed ^ Math.imul(this.st.epoch + 1, 0x9e3779b1)) >>> 0).shuffle(this.order);
  }

  next(rows: number): Batch {
    const window: Int32Array[] = [];
    // enough sequences to fill the rows even if all are short, wrapping epochs
    let e = this.st.epoch, c = this.st.cursor, order = this.order;
    const need = rows * this.o.context;
    for (let tok = 0; tok < need + this.o.context; ) {
      if (c >= order.length) {
        e++, c = 0;
        const saved = this.st.epoch;
        this.st.epoch = e;
        this.reorder();
        order = this.order;
        this.st.epoch = saved;
      }
      const s = this.encoded[order[c++]!]!;
      window.push(s);
      tok += Math.min(s.length, this.o.context);
    }
    const rng = new Rng(this.st.rng);
    const { batch, used } = packBatch(window, rows, this.o, rng);
    // advance the cursor by the sequences consumed
    let ee = this.st.epoch, cc = this.st.cursor + used;
    while (cc >= this.encoded.length) (cc -= this.encoded.length), ee++;
    this.st = { epoch: ee, cursor: cc, rng: rng.state };
    this.reorder();
    return batch;
  }

  state(): MemoryState {
    return { ...this.st };
  }

  restore(state: unknown): void {
    const s = state as MemoryState;
    if (typeof s?.epoch !== "number" || typeof s.cursor !== "number" || typeof s.rng !== "number") throw new Error("MemoryBatcher: bad state");
    this.st = { ...s };
    this.reorder();
  }
}

/** A fixed list of batches (validation): `rows` rows each until `tokens` are covered, always the same. */
export function fixedBatches(source: BatchSource, tokens: number, rows: number, context: number): Batch[] {
  const out: Batch[] = [];
  for (let left = Math.round(tokens / context); left > 0; left -= rows) out.push(source.next(Math.min(rows, left)));
  return out;
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

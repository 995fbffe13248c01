// TRANSITIONAL (issue 9): the one RNG is core/random.ts's Rng and the one mixer core/hash.ts. This file stays
// only because train/batch.ts (the in-memory packer, removed by the data-path change of issue 9 item 3) saves
// this generator's one-integer state, and train/loop.ts, train/data-source.ts and eval/generate.ts import
// from here; those files are edited on parallel branches. Once they import ../core/random.js and
// ../core/hash.js directly, delete this file.
export { mixSeed } from "../core/hash.js";

/** @deprecated SplitMix32 stream of train/batch.ts's MemoryBatcher; use core/random.ts's Rng. */
export class Rng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }
  /** uniform in [0, 1) */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  }
  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

// A keyed permutation of [0, n) (4-round Feistel, cycle-walking), so an epoch's shuffled order needs O(1)
// memory and a resumed sampler only has to remember (epoch, cursor). Keys and rounds use core/hash's mix32.
import { mix32 } from "../core/hash.js";

/** A bijection of [0, n) keyed by `key` (4-round Feistel on the smallest even bit width ≥ log2 n, cycle-walking). */
export class Permutation {
  private readonly half: number;
  private readonly mask: number;
  constructor(readonly n: number, private readonly key: number) {
    let bits = 2;
    while (2 ** bits < n) bits += 2;
    this.half = bits / 2;
    this.mask = 2 ** this.half - 1;
  }
  at(i: number): number {
    if (i < 0 || i >= this.n) throw new RangeError(`Permutation.at(${i}) outside [0, ${this.n})`);
    let x = i;
    do x = this.round(x);
    while (x >= this.n);
    return x;
  }
  private round(x: number): number {
    let l = Math.floor(x / 2 ** this.half), r = x & this.mask;
    for (let k = 0; k < 4; k++) {
      const f = mix32(r, mix32(this.key, k)) & this.mask;
      const nl = r;
      r = (l ^ f) & this.mask;
      l = nl;
    }
    return l * 2 ** this.half + r;
  }
}

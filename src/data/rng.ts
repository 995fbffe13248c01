// Seeded, serialisable randomness for the sampler: xoshiro128** (state = 4 × u32, fits in JSON) and a keyed
// Feistel permutation of [0, n) (cycle-walking), so an epoch's shuffled order needs O(1) memory and a resumed
// run only has to remember (epoch, cursor).
import { mix32 } from "./cluster.js";

export class Rng {
  private s: Uint32Array;
  constructor(seed: number | number[]) {
    if (Array.isArray(seed)) {
      if (seed.length !== 4) throw new Error("Rng state must be 4 integers");
      this.s = Uint32Array.from(seed);
    } else {
      // splitmix-style expansion of one seed into 4 non-zero words
      this.s = new Uint32Array(4);
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        this.s[i] = mix32(x, i + 1) || 1;
      }
    }
  }
  state(): number[] {
    return Array.from(this.s);
  }
  /** uniform u32 (xoshiro128**) */
  u32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return r;
  }
  /** uniform in [0, 1) with 32 bits */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** uniform integer in [0, n) (n ≤ 2^32) */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

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

// The one seeded random number generator: xoshiro128** (Blackman & Vigna 2018; state = 4 × u32, so it fits in
// JSON and a resumed run continues the identical stream). The data sampler saves this state in checkpoints,
// so the stream must not change: test/core/random.test.ts checks it against the reference C implementation.
import { mix32 } from "./hash.js";

export class Rng {
  private s: Uint32Array;
  /** From one integer seed (expanded to four non-zero words) or from a saved `state()`. */
  constructor(seed: number | readonly number[]) {
    if (Array.isArray(seed)) {
      if (seed.length !== 4 || seed.some((x) => !Number.isInteger(x))) throw new Error("Rng state must be 4 integers");
      this.s = Uint32Array.from(seed);
    } else {
      this.s = new Uint32Array(4);
      let x = (seed as number) >>> 0;
      // Seed 0 alone collapses to [1, 1, 1, 1] below (the increment equals mix32's key multiplier, so
      // x ^ (i+1)·0x9e3779b9 = 0), a state whose first outputs are far from uniform; it gets words of its own.
      // Every other seed keeps the expansion the sampler has always used.
      if (x === 0) {
        for (let i = 0; i < 4; i++) this.s[i] = mix32(i + 1, 0x5eed) || 1;
        return;
      }
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        this.s[i] = mix32(x, i + 1) || 1;
      }
    }
  }
  /** The whole state, for JSON; `new Rng(state)` continues the stream exactly. */
  state(): number[] {
    return Array.from(this.s);
  }
  /** uniform u32 */
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
  next(): number {
    return this.u32() / 4294967296;
  }
  /** uniform integer in [0, n) (n ≤ 2^32) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** standard normal (Box–Muller; two uniforms per draw and no cached spare, so `state()` stays exact) */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** Fisher–Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// The one integer hash mixer. Everything seeded in plmscale derives its numbers from mix32: corpus splits
// (data/cluster.splitOf, so prepared corpora stay reproducible bit for bit), sampler permutations and RNG
// seeding, per-step torch seeds and bootstrap substreams.

/** splitmix32-style finaliser: a well-distributed u32 from two u32s. */
export function mix32(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * One u32 from any number of non-negative integers up to 2^53 (both 32-bit halves of each are mixed), e.g.
 * a per-step seed from (seed, step): the same inputs give the same seed after a resume.
 */
export function mixSeed(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = mix32(h, x >>> 0);
    h = mix32(h, Math.floor(x / 4294967296) >>> 0);
  }
  return h;
}

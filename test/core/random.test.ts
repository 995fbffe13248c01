// The one RNG (core/random.ts) and mixer (core/hash.ts). Expected values come from the reference C code
// (xoshiro128**, Blackman & Vigna; murmur3's fmix32), compiled separately, not from this implementation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/random.js";
import { mix32, mixSeed } from "../../src/core/hash.js";

test("xoshiro128** matches the reference implementation from state [1, 2, 3, 4]", () => {
  const r = new Rng([1, 2, 3, 4]);
  const out = Array.from({ length: 1000 }, () => r.u32());
  assert.deepEqual(out.slice(0, 6), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  assert.equal(out[999], 3170714187);
  assert.deepEqual(r.state(), [2954884481, 294556968, 2598411021, 550772539]);
});

test("an integer seed expands to the same four words as before (seeded sampler streams unchanged)", () => {
  // x += 0x9e3779b9; s[i] = mix32(x, i + 1) || 1, computed in C for seed 42
  assert.deepEqual(new Rng(42).state(), [1136963111, 2766579425, 474548090, 3065094392]);
});

test("seed 0 does not collapse to the degenerate state [1, 1, 1, 1]", () => {
  const r = new Rng(0);
  assert.equal(new Set(r.state()).size, 4);
  const xs = Array.from({ length: 64 }, () => r.next());
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.15, `mean of the first 64 draws ${mean}`);
});

test("state() through JSON continues the identical stream; a bad state is refused", () => {
  const a = new Rng(7);
  for (let i = 0; i < 10; i++) a.u32();
  const b = new Rng(JSON.parse(JSON.stringify(a.state())) as number[]);
  assert.deepEqual(Array.from({ length: 50 }, () => b.next()), Array.from({ length: 50 }, () => a.next()));
  assert.throws(() => new Rng([1, 2, 3]), /4 integers/);
});

test("uniform, integer, normal and shuffle draws have the right distribution", () => {
  const r = new Rng(3);
  const u = Array.from({ length: 20000 }, () => r.next());
  assert.ok(u.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(u.reduce((a, b) => a + b, 0) / u.length - 0.5) < 0.01);
  const counts = [0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 7000; i++) counts[r.int(7)]!++;
  assert.ok(counts.every((c) => c > 850 && c < 1150), counts.join(","));
  const z = Array.from({ length: 20000 }, () => r.normal());
  const m = z.reduce((a, b) => a + b, 0) / z.length;
  const v = z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length;
  assert.ok(Math.abs(m) < 0.03 && Math.abs(v - 1) < 0.05, `mean ${m}, variance ${v}`);
  const xs = r.shuffle(Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual([...xs].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual(xs, Array.from({ length: 100 }, (_, i) => i));
});

test("mix32 matches murmur3's fmix32 of a ^ b·0x9e3779b9 (corpus splits stay reproducible)", () => {
  const cases: [number, number, number][] = [
    [0, 0, 0], [1, 0, 1364076727], [0, 1, 2462723854], [12345, 67890, 2712444346],
    [4294967295, 4294967295, 920564995], [3735928559, 7, 2474009322],
  ];
  for (const [a, b, want] of cases) assert.equal(mix32(a, b), want, `mix32(${a}, ${b})`);
});

test("mixSeed: order matters, high words count, same inputs give the same seed", () => {
  assert.equal(mixSeed(5, 100), mixSeed(5, 100));
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  assert.notEqual(mixSeed(2 ** 32), mixSeed(0));
  assert.notEqual(mixSeed(7, 0), mixSeed(7));
  const seen = new Set(Array.from({ length: 10000 }, (_, step) => mixSeed(42, step)));
  assert.ok(seen.size >= 9995, `${seen.size} distinct per-step seeds of 10000`);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { flopsPerToken, nonEmbeddingParams, shapeFor, totalParams, paramsPerLayer, headDimFor } from "../../src/scaling/shape.js";

// ESM-2's published shapes (Lin et al. 2023, Table S1). Their released checkpoints add a contact head of
// L·H+1 weights (e.g. 121 for 8M); fair-esm's total for 650M is 651,043,254 with that head.
const esm2 = {
  "8M": { layers: 6, dModel: 320, heads: 20, ffn: 1280 },
  "35M": { layers: 12, dModel: 480, heads: 20, ffn: 1920 },
  "150M": { layers: 30, dModel: 640, heads: 20, ffn: 2560 },
  "650M": { layers: 33, dModel: 1280, heads: 20, ffn: 5120 },
};

test("per-layer count by hand: d=320, f=1280", () => {
  // 4(320²+320) + 4·320 + (320·1280+1280) + (1280·320+320)
  assert.equal(paramsPerLayer(320, 1280), 410880 + 1280 + 410880 + 409920);
});

test("ESM-2 650M total parameters match fair-esm's count less the contact head", () => {
  const s = esm2["650M"];
  const contactHead = s.layers * s.heads + 1;
  assert.equal(totalParams(s) + contactHead, 651_043_254);
});

test("ESM-2 shapes land at their nominal sizes", () => {
  const nominal = { "8M": 8e6, "35M": 35e6, "150M": 150e6, "650M": 650e6 } as const;
  for (const [name, s] of Object.entries(esm2)) {
    const total = totalParams(s);
    const rel = total / nominal[name as keyof typeof nominal];
    assert.ok(rel > 0.9 && rel < 1.1, `${name}: ${total}`);
  }
});

test("shapeFor hits the target within 3% across seven decades", () => {
  for (const n of [1e5, 3.4e5, 2e6, 3e7, 6.5e8, 3e9, 1.07e10, 1e11]) {
    const s = shapeFor(n);
    const got = nonEmbeddingParams(s);
    assert.ok(Math.abs(got / n - 1) <= 0.03, `N=${n}: got ${got} from ${JSON.stringify(s)}`);
    assert.equal(s.dModel % s.heads, 0);
    assert.equal(s.dModel / s.heads, headDimFor(s.dModel));
    assert.equal(s.ffn, 4 * s.dModel);
  }
});

test("shapeFor grows width faster than depth", () => {
  const small = shapeFor(1e6), big = shapeFor(1e10);
  assert.ok(big.dModel / big.layers > small.dModel / small.layers);
});

test("shapeFor rejects non-positive targets", () => {
  assert.throws(() => shapeFor(0), /positive/);
  assert.throws(() => shapeFor(Number.NaN), /positive/);
});

test("FLOPs per token: 6N plus attention by hand", () => {
  const s = esm2["8M"];
  const f = flopsPerToken(s, 1024);
  assert.equal(f.sixN, 6 * nonEmbeddingParams(s));
  assert.equal(f.withAttention - f.sixN, 6 * 6 * 1024 * 320 + 6 * 320 * 33);
});

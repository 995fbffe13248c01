// Rotary embeddings against a plain-JS evaluation of ESM-2's formula (Su et al. 2021; HF EsmRotaryEmbedding):
// out[i] = x[i]·cos(p·θ_{i mod Dh/2}) + rotate_half(x)[i]·sin(p·θ_{i mod Dh/2}), θ_j = 10000^(−2j/Dh),
// rotate_half(x) = [−x₂, x₁]; q and k stacked on a leading dim are rotated independently.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { rotaryTables, applyRotary } from "../../src/model/rotary.js";

function reference(x: Float32Array, pos: number[], T: number, Dh: number): Float64Array {
  const half = Dh / 2, out = new Float64Array(x.length);
  for (let base = 0; base < x.length; base += Dh) {
    const t = (base / Dh) % T;
    for (let i = 0; i < Dh; i++) {
      const j = i % half, ang = pos[t]! * Math.pow(10000, (-2 * j) / Dh);
      const rot = i < half ? -x[base + i + half]! : x[base + i - half]!;
      out[base + i] = x[base + i]! * Math.cos(ang) + rot * Math.sin(ang);
    }
  }
  return out;
}

test("applyRotary matches the formula, for one tensor and for q,k stacked", () => torch.tidy(() => {
  torch.manualSeed(3);
  const T = 7, Dh = 8, H = 3;
  const pos = [0, 1, 2, 0, 1, 2, 3]; // two packed sequences: positions restart
  const position = torch.tensor(pos, [1, T], { dtype: "int64" });
  const r = rotaryTables(position, Dh);
  const x = torch.randn([2, 1, H, T, Dh]); // [2 (q, k), B, H, T, Dh]
  const xs = x.data() as Float32Array;
  const want = reference(xs, pos, T, Dh);
  const check = (got: Float32Array, expect: ArrayLike<number>, what: string) => {
    assert.equal(got.length, expect.length);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - expect[i]!) < 1e-5, `${what} at ${i}: ${got[i]} vs ${expect[i]}`);
  };
  check(applyRotary(x, r).data() as Float32Array, want, "stacked");
  const k = x.select(0, 1); // a non-contiguous view, as in the attention block
  check(applyRotary(k, r).data() as Float32Array, want.subarray(H * T * Dh), "k alone");
  // position 0 is the identity
  const x0 = applyRotary(x, r).select(3, 0).data() as Float32Array;
  check(x0, x.select(3, 0).data() as Float32Array, "position 0");
}));

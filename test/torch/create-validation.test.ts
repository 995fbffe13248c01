// Issue 16 item 10: tensor() from JS values checks them against the dtype instead of silently producing NaN
// ("a"), 0 (null), 44 (uint8 300) or 0 (int32 2^40). Real libtorch: the accepted edge values round-trip.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";

function roundTrip(values: (number | boolean)[], dtype: torch.DType): number[] {
  const t = torch.tensor(values, { dtype });
  try {
    return Array.from(t.toArray() as ArrayLike<number | bigint>, Number);
  } finally {
    t.dispose();
  }
}

test("non-numbers are refused with their position and type (not NaN, not 0)", () => {
  assert.throws(() => torch.tensor(["a", "b"] as never), /tensor\(\): the value at \[0\] is "a" \(string\); expected a number or a boolean/);
  assert.throws(() => torch.tensor([[1, 2], [3, null]] as never), /the value at \[1\]\[1\] is null \(null\)/);
  assert.throws(() => torch.tensor([1, undefined] as never, { dtype: "int32" }), /the value at \[1\] is undefined \(undefined\)/);
  assert.throws(() => torch.tensor(null as never), /the value at \(the scalar\) is null/);
  assert.throws(() => torch.tensor([{}] as never), /\(object\)/);
});

test("integers outside the dtype, or not integers, are refused (uint8 300 is not 44, int32 2^40 is not 0)", () => {
  assert.throws(() => torch.tensor([1, 300], { dtype: "uint8" }), /the value at \[1\] is 300, outside dtype uint8 \(0 to 255\)/);
  assert.throws(() => torch.tensor([-1], { dtype: "uint8" }), /outside dtype uint8/);
  assert.throws(() => torch.tensor([2 ** 40], { dtype: "int32" }), /is 1099511627776, outside dtype int32 \(-2147483648 to 2147483647\)/);
  assert.throws(() => torch.tensor([128], { dtype: "int8" }), /outside dtype int8 \(-128 to 127\)/);
  assert.throws(() => torch.tensor([40000], { dtype: "int16" }), /outside dtype int16/);
  assert.throws(() => torch.tensor([2 ** 60], { dtype: "int64" }), /outside dtype int64/);
  assert.throws(() => torch.tensor([1.5], { dtype: "int32" }), /is 1\.5, a non-integer; dtype int32 holds integers/);
  assert.throws(() => torch.tensor([NaN], { dtype: "int64" }), /is NaN, a non-integer/);
  // typed-array input converted to a narrower dtype is checked the same way
  assert.throws(() => torch.tensor(new Float32Array([300]), { dtype: "uint8" }), /outside dtype uint8/);
  // the edges themselves are exact
  assert.deepEqual(roundTrip([0, 255], "uint8"), [0, 255]);
  assert.deepEqual(roundTrip([-128, 127], "int8"), [-128, 127]);
  assert.deepEqual(roundTrip([-(2 ** 31), 2 ** 31 - 1], "int32"), [-(2 ** 31), 2 ** 31 - 1]);
  assert.deepEqual(roundTrip([Number.MAX_SAFE_INTEGER], "int64"), [Number.MAX_SAFE_INTEGER]);
});

test("floats: finite values that would overflow the dtype are refused; NaN and ±Infinity pass as written", () => {
  assert.throws(() => torch.tensor([1e39]), /the value at \[0\] is 1e\+39, beyond dtype float32's largest finite value .* it would become Infinity/);
  assert.throws(() => torch.tensor([-70000], { dtype: "float16" }), /beyond dtype float16's largest finite value \(65504\); it would become -Infinity/);
  assert.deepEqual(roundTrip([1e39], "float64"), [1e39]);
  const f = roundTrip([NaN, Infinity, -Infinity, 3.4e38], "float32");
  assert.ok(Number.isNaN(f[0]) && f[1] === Infinity && f[2] === -Infinity && Math.abs(f[3]! / 3.4e38 - 1) < 1e-6);
  assert.deepEqual(roundTrip([65504], "float16"), [65504]);
  // bool takes truthiness, as torch.tensor does
  assert.deepEqual(roundTrip([0, 2, true, false], "bool"), [0, 1, 1, 0]);
});

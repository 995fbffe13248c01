// Tensor creation and read-back for every supported dtype, metadata, basic ops, seeds, threads.
import { test, afterEach, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { tensor, tidy, liveTensorCount } from "../../src/torch/index.js";

let base = 0;
beforeEach(() => { base = liveTensorCount(); });
afterEach(() => assert.equal(liveTensorCount(), base, "live tensor count returns to baseline"));

test("typed arrays round-trip in their own dtype", () => tidy(() => {
  const cases: [ArrayLike<number> | BigInt64Array, torch.DType][] = [
    [new Float32Array([1.5, -2, 3e-3]), "float32"],
    [new Float64Array([1e-300, -2.5, Math.PI]), "float64"],
    [new Int32Array([-7, 0, 2 ** 31 - 1]), "int32"],
    [new Uint8Array([0, 7, 255]), "uint8"],
    [new BigInt64Array([-(2n ** 40n), 0n, 9007199254740993n]), "int64"],
  ];
  for (const [arr, dt] of cases) {
    const t = tensor(arr as any, [3]);
    assert.equal(t.dtype, dt);
    assert.deepEqual(Array.from(t.data() as any), Array.from(arr as any), dt);
  }
}));

test("nested arrays infer shape; dtype option converts (int64, bool, float16, bfloat16)", () => tidy(() => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, "float32");
  assert.deepEqual(tensor([[1, 2], [3, 4]], { dtype: "int64" }).toArray(), [1, 2, 3, 4]);
  const b = tensor([true, false, true]);
  assert.equal(b.dtype, "bool");
  assert.deepEqual(b.toArray(), [1, 0, 1]);
  const h = tensor([1, 0.5, 65504, 1 / 3], { dtype: "float16" });
  assert.equal(h.dtype, "float16");
  assert.deepEqual(Array.from(h.data() as Float32Array), [1, 0.5, 65504, 0.333251953125]);
  const bf = tensor([1, 3.140625, 1 / 3], { dtype: "bfloat16" });
  assert.equal(bf.dtype, "bfloat16");
  assert.deepEqual(Array.from(bf.data() as Float32Array), [1, 3.140625, 0.333984375]);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
}));

test("bytes(): raw little-endian bytes, and fromBytes back", () => tidy(() => {
  const t = tensor([1, 2], { dtype: "bfloat16" });
  assert.deepEqual(Array.from(t.bytes()), [0x80, 0x3f, 0x00, 0x40]);
  const u = torch.fromBytes(new Uint8Array([0, 0, 0x80, 0x3f]), "float32", [1]);
  assert.equal(u.item(), 1);
}));

test("shape, ndim, numel, size(), device, toString, item", () => tidy(() => {
  const t = torch.zeros([2, 3, 4]);
  assert.deepEqual(t.shape, [2, 3, 4]);
  assert.equal(t.ndim, 3);
  assert.equal(t.numel, 24);
  assert.equal(t.size(-1), 4);
  assert.equal(t.device, "cpu");
  assert.match(String(t), /shape=\[2,3,4\].*float32/);
  assert.equal(torch.full([], 2.5).item(), 2.5);
  assert.throws(() => t.item(), /one element/);
}));

test("factories and arithmetic give the expected numbers", () => tidy(() => {
  assert.deepEqual(torch.arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.equal(torch.arange(5).dtype, "int64");
  assert.deepEqual(torch.arange(1, 2, 0.25, { dtype: "float32" }).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(torch.ones([2]).add(torch.full([2], 3)).mul(2).sub(1).div(4).toArray(), [1.75, 1.75]);
  assert.deepEqual(tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])).toArray(), [3, 7]);
  assert.deepEqual(torch.cat([tensor([1, 2]), tensor([3])]).toArray(), [1, 2, 3]);
  assert.deepEqual(torch.stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [1, 3, 2, 4]);
  assert.deepEqual(torch.where(tensor([true, false]), tensor([1, 2]), tensor([9, 9])).toArray(), [1, 9]);
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.sum(1).toArray(), [6, 15]);
  assert.deepEqual(x.mean(0).toArray(), [2.5, 3.5, 4.5]);
  assert.deepEqual(x.transpose(0, 1).contiguous().toArray(), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(x.slice(1, 1, null).toArray(), [2, 3, 5, 6]);
  assert.deepEqual(x.index([tensor([1, 0], { dtype: "int64" })]).toArray(), [4, 5, 6, 1, 2, 3]);
  assert.deepEqual(x.argmax(1).toArray(), [2, 2]);
  const [vals, idx] = x.maxDim(0);
  assert.deepEqual([vals.toArray(), idx.toArray()], [[4, 5, 6], [1, 1, 1]]);
  const y = torch.zeros([3]);
  y.add_(tensor([1, 2, 3])).mul_(2);
  assert.deepEqual(y.toArray(), [2, 4, 6]);
  assert.deepEqual(x.chunk(3, 1).map((c) => c.toArray()), [[1, 4], [2, 5], [3, 6]]);
}));

test("manualSeed makes randn reproducible", () => tidy(() => {
  torch.manualSeed(123);
  const a = torch.randn([5]).toArray();
  torch.manualSeed(123);
  const b = torch.randn([5]).toArray();
  assert.deepEqual(a, b);
  const r = torch.randint(0, 10, [100]).toArray();
  assert.ok(r.every((v) => v >= 0 && v < 10 && Number.isInteger(v)));
}));

test("threads can be set and read back", () => {
  const prev = torch.getNumThreads();
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(prev);
  assert.equal(torch.getNumThreads(), prev);
});

// Debian's libtorch runs float32 GEMMs on OpenBLAS's own thread pool, which at::set_num_threads leaves alone.
const hasOpenBlas = torch.buildInfo().blasThreads > 0;
test("setNumThreads also sizes OpenBLAS's thread pool", { skip: !hasOpenBlas && "no OpenBLAS in this process" }, () => {
  const prev = torch.getNumThreads();
  try {
    for (const n of [2, 1, 3, 1]) {
      torch.setNumThreads(n);
      assert.equal(torch.buildInfo().blasThreads, n, `after setNumThreads(${n})`);
    }
  } finally {
    torch.setNumThreads(prev);
  }
  assert.equal(torch.buildInfo().blasThreads, prev);
});

test("autograd: backward, grad, zeroGrad, noGrad, retainGraph, explicit gradient", () => tidy(() => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  assert.equal(x.requiresGrad, true);
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  x.mul(3).sum().backward(); // accumulates
  assert.deepEqual(x.grad!.toArray(), [5, 7, 9]);
  x.zeroGrad();
  assert.equal(x.grad, null);
  const y = x.mul(2);
  y.backward(tensor([1, 0, 1]), true);
  assert.deepEqual(x.grad!.toArray(), [2, 0, 2]);
  const z = torch.noGrad(() => x.mul(2));
  assert.equal(z.requiresGrad, false);
  assert.equal(torch.isGradEnabled(), true);
}));

test("hasOp probes schemas by (name, overload)", () => {
  assert.equal(torch.hasOp("mm"), true);
  assert.equal(torch.hasOp("aten::add", "Tensor"), true);
  assert.equal(torch.hasOp("aten::add", "NoSuchOverload"), false);
  assert.equal(torch.hasOp("aten::definitely_not_an_op"), false);
  assert.match(torch.schemaOf("mm")!, /^aten::mm\(Tensor self, Tensor mat2\) -> Tensor$/);
});

test("buildInfo reports the libtorch version and the malloc setting", () => {
  const info = torch.buildInfo();
  assert.match(info.torchVersion, /^\d+\.\d+/);
  assert.equal(info.mallocTuned, process.env.PLMSCALE_MALLOC !== "default");
});

// Ops of the shapes (Tensor|Scalar…) -> Tensor run through the dispatcher's typed entry (native/src/ops.cc
// call_fast); the others through the boxed stack. Both must agree on defaults, Scalar kinds, in-place results,
// autograd, and errors; raw callOp reaches the same op with trailing arguments omitted.
test("typed fast path: defaults, scalars, in-place, autograd and errors match the boxed path", () => tidy(() => {
  const a = tensor([1, 2, 3]), b = tensor([10, 20, 30]);
  assert.deepEqual(a.add(b).toArray(), [11, 22, 33]); // alpha omitted: schema default 1
  assert.deepEqual(a.add(b, 2).toArray(), [21, 42, 63]);
  assert.deepEqual(a.sub(b, 0.5).toArray(), [-4, -8, -12]);
  assert.deepEqual(new torch.Tensor(torch.callOp("add", "Tensor", a.handle, b.handle)).toArray(), [11, 22, 33]);
  assert.deepEqual(a.add(2.5, 2).toArray(), [6, 7, 8]); // add.Scalar: (Tensor, Scalar, Scalar)
  assert.deepEqual(new torch.Tensor(torch.callOp("mul", "Scalar", a.handle, false)).toArray(), [0, 0, 0]); // boolean Scalar
  const i = tensor([7, 9], { dtype: "int64" });
  assert.equal(i.div(2).dtype, "float32"); // integral Scalar 2 stays an int scalar: true division promotes
  assert.deepEqual(i.mul(2).toArray(), [14, 18]);
  assert.equal(i.mul(2).dtype, "int64");
  assert.deepEqual(i.mul(0.5).toArray(), [3.5, 4.5]);
  const c = a.clone();
  assert.equal(c.mul_(3), c); // in place returns its own input, mutated
  assert.deepEqual(c.toArray(), [3, 6, 9]);
  c.add_(b, -1);
  assert.deepEqual(c.toArray(), [-7, -14, -21]);
  c.addcmul_(a, b, 0.5);
  assert.deepEqual(c.toArray(), [-2, 6, 24]);
  const w = tensor([1, 2, 3]).requiresGrad_();
  w.mul(w).add(w, 3).sum().backward(); // d/dw (w² + 3w) = 2w + 3
  assert.deepEqual(w.grad!.toArray(), [5, 7, 9]);
  const d = tensor([1]);
  d.dispose();
  assert.throws(() => a.add(d), /aten::add.Tensor: argument 'other' \(Tensor\): tensor was disposed/);
  assert.throws(() => torch.callOp("add", "Tensor", a.handle), /argument 'other'.*missing/);
  assert.throws(() => torch.callOp("add", "Tensor", a.handle, b.handle, "x"), /argument 'alpha'.*expected a number or boolean/);
}));

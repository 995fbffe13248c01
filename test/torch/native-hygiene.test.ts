// Native addon hygiene: numbers that cannot be int64 (NaN, ±Infinity, out of range) are rejected before any
// C++ cast, naming the op and argument; dtype codes are validated (autocast included); the addon refuses to
// load in a worker thread; handle generations retire a slot instead of wrapping into reuse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import * as torch from "../../src/torch/index.js";
import { tidy } from "../../src/torch/index.js";
import { native, addonPath } from "../../src/torch/native.js";
import { autocastState } from "../../src/torch/device.js";
import { dtypeCode } from "../../src/torch/dtype.js";

test("int arguments: NaN, ±Infinity and out-of-range values are errors naming op and argument", () => tidy(() => {
  const x = torch.ones([4]);
  assert.throws(() => torch.callOp("sum", "dim_IntList", x.handle, [NaN]), /^Error: aten::sum.dim_IntList: argument 'dim' \(int\[\]\?\): expected an integer, got NaN$/);
  assert.throws(() => torch.callOp("narrow", "", x.handle, 0, Infinity, 1), /aten::narrow: argument 'start' \(int\): expected an integer, got Infinity/);
  assert.throws(() => torch.callOp("narrow", "", x.handle, 0, 0, -Infinity), /aten::narrow: argument 'length' \(int\): expected an integer, got -Infinity/);
  assert.throws(() => torch.callOp("narrow", "", x.handle, 0, 1e19, 1), /aten::narrow: argument 'start' \(int\): expected an integer, got 1e\+19/);
  // through the typed API too
  assert.throws(() => x.narrow(0, NaN, 1), /aten::narrow: argument 'start' \(int\): expected an integer, got NaN/);
  // addon functions outside callOp: shapes and dtype codes
  assert.throws(() => native.fromBuffer(new Float32Array(1), dtypeCode("float32"), [NaN]), /^Error: fromBuffer: shape must be an integer, got NaN$/);
  assert.throws(() => native.fromBuffer(new Float32Array(1), Infinity, [1]), /fromBuffer: dtype must be an integer, got Infinity/);
}));

test("tensor handles: a NaN or infinite handle is rejected as such, not read as a disposed tensor or ignored", () => tidy(() => {
  const x = torch.ones([2]);
  assert.throws(() => torch.callOp("add", "Tensor", x.handle, NaN), /aten::add.Tensor: argument 'other' \(Tensor\): expected a Tensor handle, got NaN/);
  assert.throws(() => torch.callOp("cat", "", [x.handle, Infinity]), /aten::cat: argument 'tensors' \(Tensor\[\]\): expected a Tensor handle, got Infinity/);
  assert.throws(() => native.shape(Infinity), /^Error: shape: tensor must be a Tensor handle, got Infinity$/);
  assert.throws(() => native.release(NaN), /dispose: tensor must be a Tensor handle, got NaN/); // was silently ignored
  assert.throws(() => native.backward(-Infinity, null, false), /backward: tensor must be a Tensor handle, got -Infinity/);
}));

test("NaN and ±Infinity remain valid Scalar values (masks, fills)", () => tidy(() => {
  const s = torch.tensor([1, 2, 3]).maskedFill(torch.tensor([false, true, false]), -Infinity);
  assert.deepEqual(s.toArray(), [1, -Infinity, 3]);
  assert.ok(Number.isNaN(torch.full([1], NaN).item()));
  assert.equal(torch.full([1], 1e300, { dtype: "float64" }).item(), 1e300);
}));

test("dtype codes are validated: op arguments and autocast (state unchanged on error)", () => tidy(() => {
  assert.throws(() => torch.callOp("zeros", "", [2], 99), /aten::zeros: argument 'dtype' \(ScalarType\?\): unknown dtype code 99/);
  assert.throws(() => torch.callOp("zeros", "", [2], -1), /aten::zeros: argument 'dtype'.*unknown dtype code -1/);
  assert.equal(new torch.Tensor(torch.callOp("zeros", "", [2], dtypeCode("float64"))).dtype, "float64");
  const before = autocastState();
  assert.throws(() => native.setAutocast(true, 99), /^Error: setAutocast: unknown dtype code 99$/);
  assert.throws(() => native.setAutocast(true, NaN), /setAutocast: dtype must be an integer, got NaN/);
  let ran = false;
  assert.throws(() => torch.autocast(() => { ran = true; }, "int64"), /setAutocast: autocast dtype must be a floating type, got Long/);
  assert.equal(ran, false);
  assert.deepEqual(autocastState(), before);
  assert.deepEqual(torch.autocast(() => autocastState(), "float16"), { enabled: true, dtype: "float16" });
  assert.deepEqual(autocastState(), before);
}));

test("the addon refuses to load in a worker_threads Worker; the main thread keeps working", async () => {
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     try { require(workerData); parentPort.postMessage("loaded"); } catch (e) { parentPort.postMessage("error: " + e.message); }`,
    { eval: true, workerData: addonPath },
  );
  const msg = await new Promise<string>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  assert.match(msg, /^error: plmscale addon init: refusing to load in a worker thread: plmscale's native addon is single-threaded/);
  assert.match(msg, /child processes/);
  assert.deepEqual(tidy(() => torch.ones([2]).add(1).toArray()), [2, 2]);
});

test("handle generations: a slot at the last generation is retired on release, never reissued with a wrapped generation", () => {
  const SLOT = 2 ** 22;
  const before = native.debugHandleGenerations();
  assert.equal(before.maxGeneration, 2 ** 30 - 1);
  assert.ok(before.maxGeneration * SLOT + SLOT < Number.MAX_SAFE_INTEGER, "handles stay exact in a double");
  torch.ones([1]).dispose(); // at least one free slot
  const aged = native.debugHandleGenerations(before.maxGeneration);
  assert.ok(aged.freeSlots >= 1);
  const t = torch.ones([1]);
  const slot = t.handle % SLOT;
  assert.equal(Math.floor(t.handle / SLOT), before.maxGeneration, "the reused slot carries the last generation");
  t.dispose();
  assert.equal(native.debugHandleGenerations().retiredSlots, before.retiredSlots + 1);
  // Without retirement the generation wraps to 0, and the next tensor gets handle `slot` (generation 0) —
  // the same number a tensor in that slot had 2^30 releases earlier, which would then read as valid.
  const fresh = Array.from({ length: aged.freeSlots + 2 }, () => torch.ones([1]));
  assert.ok(fresh.every((f) => f.handle % SLOT !== slot), "a retired slot is never handed out again");
  assert.equal(native.isValid(slot), false);
  assert.equal(native.isValid(t.handle), false);
  for (const f of fresh) f.dispose();
});

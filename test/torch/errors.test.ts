// Error paths: bad input becomes a JS error naming the op and argument; the process stays alive.
import { test, afterEach, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { tensor, tidy, liveTensorCount, F } from "../../src/torch/index.js";
import { native } from "../../src/torch/native.js";

let base = 0;
beforeEach(() => { base = liveTensorCount(); });
afterEach(() => assert.equal(liveTensorCount(), base, "live tensor count returns to baseline"));

test("wrong shapes name the op and the shapes", () => tidy(() => {
  assert.throws(() => torch.ones([2, 3]).mm(torch.ones([2, 3])), /aten::mm: .*2x3 and 2x3/);
  assert.throws(() => torch.ones([2, 3]).reshape(4, 2), /aten::reshape.*shape '\[4, 2\]' is invalid/);
  assert.throws(() => F.linear(torch.ones([2, 3]), torch.ones([4, 5])), /aten::linear/);
}));

test("wrong dtypes are reported", () => tidy(() => {
  // embedding indices must be integers
  assert.throws(() => F.embedding(torch.ones([4, 2]), torch.ones([3])), /aten::embedding: .*(Long|Int)/);
  // cross entropy targets must be int64 class ids (float targets of the wrong shape are rejected)
  assert.throws(() => F.crossEntropy(torch.ones([3, 4]), tensor([1, 2, 3], { dtype: "int32" })), /aten::cross_entropy_loss/);
  assert.throws(() => tensor([1.5], { dtype: "int64" }), /non-integer/);
}));

test("unknown ops and overloads give a clear error", () => {
  assert.throws(() => torch.callOp("aten::no_such_op", "", 1), /aten::no_such_op is not available in this libtorch/);
  assert.throws(() => torch.op("mm", "bogus")(), /aten::mm.bogus is not available/);
  assert.equal(native.resolveOp("aten::nothing", ""), -1);
});

test("wrong argument kinds and counts name the argument", () => tidy(() => {
  const x = torch.ones([2]);
  assert.throws(() => torch.callOp("add", "Tensor", x.handle, "nope"), /aten::add.Tensor: argument 'other' \(Tensor\): expected a Tensor/);
  assert.throws(() => torch.callOp("sum", "dim_IntList", x.handle, [0.5]), /argument 'dim'.*integer/);
  assert.throws(() => torch.callOp("mm", "", x.handle, x.handle, x.handle), /takes 2 arguments but 3 were given/);
  assert.throws(() => torch.callOp("mm", "", x.handle), /argument 'mat2'.*missing/);
  assert.throws(() => torch.callOp("gelu", "", x.handle, 3), /argument 'approximate'.*string/);
  assert.throws(() => torch.callOp("add", "Tensor", x.handle, null), /null is not allowed/);
  assert.throws(() => native.callOp(123456), /unknown operator id/);
}));

test("use after dispose is detected, also when the slot was reused", () => {
  const a = torch.ones([2]);
  a.dispose();
  const b = torch.zeros([2]); // likely reuses a's slot with a new generation
  assert.throws(() => a.add(1), /argument 'self' \(Tensor\): tensor was disposed/);
  assert.throws(() => a.toArray(), /disposed/);
  assert.throws(() => a.shape, /disposed/);
  assert.deepEqual(b.toArray(), [0, 0]);
  b.dispose();
});

test("non-finite inputs that an op rejects raise instead of crashing", () => tidy(() => {
  const probs = tensor([0.5, NaN, 0.5]);
  assert.throws(() => torch.callOp("multinomial", "", probs.handle, 1, false, null), /aten::multinomial: .*(inf|nan)/i);
  const bad = tensor([[1, 2], [2, 1]]); // not positive-definite
  assert.throws(() => torch.callOp("linalg_cholesky", "", bad.handle, false), /aten::linalg_cholesky/);
}));

test("backward misuse is reported", () => tidy(() => {
  assert.throws(() => torch.ones([2]).sum().backward(), /does not require grad/);
  const x = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => x.mul(2).backward(), /scalar output/);
}));

test("the process is alive and still computes after all errors", () => tidy(() => {
  assert.equal(torch.ones([3]).sum().item(), 3);
}));

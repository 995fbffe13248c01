// Gradient checks against finite differences (float64) for every op the models use.
import { test, afterEach, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { F, tensor, liveTensorCount, full, tidy } from "../../src/torch/index.js";
import { gradcheck, input } from "./gradcheck.js";

let base = 0;
beforeEach(() => { base = liveTensorCount(); });
afterEach(() => assert.equal(liveTensorCount(), base, "live tensor count returns to baseline"));

test("matmul (batched and 2-D)", () => {
  gradcheck("matmul", (a, b) => a!.matmul(b!), [input([2, 3, 4], 1), input([4, 5], 2)]);
});

test("linear with and without bias", () => {
  gradcheck("linear", (x, w, b) => F.linear(x!, w!, b!), [input([2, 3, 4], 3), input([5, 4], 4), input([5], 5)]);
  gradcheck("linear-nobias", (x, w) => F.linear(x!, w!), [input([3, 4], 6), input([2, 4], 7)]);
});

test("softmax and logSoftmax", () => {
  gradcheck("softmax", (x) => F.softmax(x!, -1), [input([3, 5], 8, 2)]);
  gradcheck("logSoftmax", (x) => F.logSoftmax(x!, 1), [input([2, 4, 3], 9, 2)]);
});

test("layerNorm (input, weight, bias)", () => {
  gradcheck("layerNorm", (x, w, b) => F.layerNorm(x!, [6], w!, b!, 1e-5), [input([2, 3, 6], 10), input([6], 11), input([6], 12)]);
});

test("gelu (exact and tanh) and silu", () => {
  gradcheck("gelu", (x) => F.gelu(x!), [input([10], 13, 3)]);
  gradcheck("gelu-tanh", (x) => F.gelu(x!, "tanh"), [input([10], 14, 3)]);
  gradcheck("silu", (x) => F.silu(x!), [input([10], 15, 3)]);
});

test("embedding (gradient to the table; padding row gets none)", () => {
  const ids = tensor([[0, 2, 2], [3, 1, 0]], { dtype: "int64" });
  gradcheck("embedding", (w) => F.embedding(w!, ids), [input([4, 3], 16)]);
  ids.dispose();
  tidy(() => {
    const w = tensor(Float64Array.from(input([4, 3], 17).data), [4, 3], { requiresGrad: true });
    const ids2 = tensor([1, 2, 1, 3], { dtype: "int64" });
    F.embedding(w, ids2, 1).sum().backward();
    assert.deepEqual(w.grad!.toArray(), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], "padding row 1 gets no gradient");
  });
});

test("dropout in eval mode is the identity (values and gradient)", () => {
  gradcheck("dropout-eval", (x) => F.dropout(x!, 0.5, false), [input([3, 4], 18)]);
  const x = tensor([1, 2, 3]);
  const y = F.dropout(x, 0.9, false);
  assert.deepEqual(y.toArray(), [1, 2, 3]);
  x.dispose();
  y.dispose();
});

test("crossEntropy with ignore_index (mean over non-ignored targets)", () => {
  const target = tensor([2, -100, 0, 4, -100], { dtype: "int64" });
  gradcheck("crossEntropy", (x) => F.crossEntropy(x!, target), [input([5, 5], 19, 2)]);
  gradcheck("crossEntropy-sum-smooth", (x) => F.crossEntropy(x!, target, { reduction: "sum", labelSmoothing: 0.1 }), [input([5, 5], 20, 2)]);
  target.dispose();
});

test("scaledDotProductAttention: plain, causal, boolean and additive masks", () => {
  const q = input([1, 2, 3, 4], 21), k = input([1, 2, 3, 4], 22), v = input([1, 2, 3, 4], 23);
  gradcheck("attention", (a, b, c) => F.scaledDotProductAttention(a!, b!, c!), [q, k, v]);
  gradcheck("attention-causal", (a, b, c) => F.scaledDotProductAttention(a!, b!, c!, { causal: true }), [q, k, v]);
  const boolMask = tensor([[true, false, true], [true, true, false], [false, true, true]]);
  gradcheck("attention-boolmask", (a, b, c) => F.scaledDotProductAttention(a!, b!, c!, { mask: boolMask }), [q, k, v]);
  const addMask = full([3, 3], 0.5, { dtype: "float64" });
  gradcheck("attention-addmask", (a, b, c) => F.scaledDotProductAttention(a!, b!, c!, { mask: addMask }), [q, k, v]);
  boolMask.dispose();
  addMask.dispose();
});

test("composite attention is differentiable on its own (the 1.13 fallback)", () => {
  gradcheck("composite-causal", (a, b, c) => F.compositeAttention(a!, b!, c!, { causal: true }),
    [input([2, 1, 4, 2], 24), input([2, 1, 4, 2], 25), input([2, 1, 4, 2], 26)]);
});

test("elementwise and movement ops used by the models", () => {
  gradcheck("reshape/permute/transpose", (x) => x!.reshape(2, 3, 2).permute(2, 0, 1).transpose(0, 1).contiguous(), [input([12], 27)]);
  gradcheck("mul/add/div/exp/sqrt", (x, y) => x!.mul(y!).add(x!).div(y!.exp()).add(x!.square().add(1).sqrt()), [input([5], 28), input([5], 29)]);
  gradcheck("mean/sum/var", (x) => x!.mean(1).add(x!.sum(0).sum()).add(x!.var(1)), [input([3, 4], 30)]);
});

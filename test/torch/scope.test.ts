// Memory scopes: tidy, keep, dispose, Symbol.dispose, nesting, exceptions, async rejection.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { tensor, tidy, keep, liveTensorCount } from "../../src/torch/index.js";

test("tidy disposes intermediates and moves returned tensors to the parent scope", () => {
  const base = liveTensorCount();
  const out = tidy(() => {
    const a = torch.ones([4]);
    const b = a.mul(2).add(1);
    return { b, list: [a.sum()] };
  });
  assert.equal(liveTensorCount(), base + 2);
  assert.deepEqual(out.b.toArray(), [3, 3, 3, 3]);
  assert.equal(out.list[0]!.item(), 4);
  torch.dispose(out);
  assert.equal(liveTensorCount(), base);
});

test("nested tidy: inner result survives into the outer scope, then the outer disposes it", () => {
  const base = liveTensorCount();
  tidy(() => {
    const inner = tidy(() => torch.ones([2]).mul(3));
    assert.equal(torch.scopeDepth(), 1);
    assert.equal(inner.disposed, false);
    assert.deepEqual(inner.toArray(), [3, 3]);
  });
  assert.equal(liveTensorCount(), base);
});

test("keep() escapes every scope; dispose() is idempotent", () => {
  const base = liveTensorCount();
  const kept = tidy(() => {
    const k = keep(torch.zeros([3]));
    torch.ones([3]);
    return 1;
  }) && undefined;
  assert.equal(kept, undefined);
  assert.equal(liveTensorCount(), base + 1);
  // find it again: keep returns the tensor
  const t = tidy(() => keep(torch.zeros([1])));
  t.dispose();
  t.dispose();
  assert.equal(liveTensorCount(), base + 1);
});

test("an exception inside tidy disposes everything created there", () => {
  const base = liveTensorCount();
  assert.throws(() => tidy(() => {
    torch.ones([5]);
    throw new Error("boom");
  }), /boom/);
  assert.equal(liveTensorCount(), base);
});

test("tidy rejects async callbacks (scopes do not span await)", () => {
  const base = liveTensorCount();
  assert.throws(() => tidy((async () => torch.ones([1])) as any), /synchronous/);
  assert.equal(liveTensorCount(), base);
});

test("`using` releases at block end via Symbol.dispose", () => {
  const base = liveTensorCount();
  {
    using t = torch.ones([8]);
    assert.equal(liveTensorCount(), base + 1);
    assert.equal(t.numel, 8);
  }
  assert.equal(liveTensorCount(), base);
});

test("gradients read inside tidy are released with the scope", () => {
  const x = keep(tensor([1, 2], { requiresGrad: true }));
  const base = liveTensorCount();
  for (let i = 0; i < 5; i++) tidy(() => { x.mul(x).sum().backward(); return x.grad!.toArray(); });
  assert.equal(liveTensorCount(), base);
  x.dispose();
});

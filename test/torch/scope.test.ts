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
  let kept: torch.Tensor | undefined, dropped: torch.Tensor | undefined;
  const r = tidy(() =>
    tidy(() => {
      kept = keep(torch.zeros([3]).add(7)); // the zeros intermediate is released, the sum escapes both scopes
      dropped = torch.ones([3]);
      return 1;
    }),
  );
  assert.equal(r, 1);
  assert.equal(kept!.disposed, false);
  assert.equal(dropped!.disposed, true);
  assert.throws(() => dropped!.toArray(), /disposed/);
  assert.deepEqual(kept!.toArray(), [7, 7, 7]);
  assert.equal(liveTensorCount(), base + 1, "only the kept tensor is alive");
  kept!.dispose();
  assert.equal(liveTensorCount(), base);
  // a second dispose must not release the tensor that now occupies the freed slot
  const next = torch.ones([2]);
  kept!.dispose();
  assert.equal(liveTensorCount(), base + 1);
  assert.deepEqual(next.toArray(), [1, 1]);
  next.dispose();
  assert.equal(liveTensorCount(), base);
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

// The GC backstop is registered lazily (end of the current job, or every 64 top-level tensors): leaked tensors
// must still be released once collected, both when the microtask flush registers them and when the batch does.
test("leaked top-level tensors are released by the GC backstop (deferred registration)", async () => {
  const gc = globalThis.gc;
  assert.ok(gc, "run this test with node --expose-gc (scripts/run-tests.mjs passes it)");
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
  };
  await settle();
  const base = liveTensorCount();
  const leak = (n: number) => {
    for (let i = 0; i < n; i++) torch.ones([3]); // no dispose, no scope: only the backstop can free these
  };
  leak(5); // fewer than one batch: registered by the microtask flush
  assert.equal(liveTensorCount(), base + 5);
  await settle();
  assert.equal(liveTensorCount(), base, "a small leak is freed after collection");
  leak(200); // three full batches flushed synchronously, the rest at the end of the job
  await settle();
  assert.equal(liveTensorCount(), base, "a large leak is freed after collection");
  // disposed before the flush: released at once, and the late flush must not resurrect or double-free it
  const t = torch.ones([2]);
  const u = torch.ones([2]);
  t.dispose();
  assert.equal(liveTensorCount(), base + 1);
  await settle();
  assert.deepEqual(u.toArray(), [1, 1]);
  u.dispose();
  assert.equal(liveTensorCount(), base);
});

test("a scope's end releases its tensors in one addon call; stale and repeated handles are skipped", async () => {
  const { native } = await import("../../src/torch/native.js");
  const base = liveTensorCount();
  // a scope bigger than the reused release buffer's first size (1024) still frees everything
  tidy(() => {
    const x = torch.ones([1]);
    for (let i = 0; i < 3000; i++) x.add(1);
  });
  assert.equal(liveTensorCount(), base);
  const a = torch.ones([2]), b = torch.ones([2]), c = torch.ones([2]);
  a.dispose(); // stale: its slot may already hold another tensor under a new generation
  const d = torch.ones([2]); // likely reuses a's slot
  native.releaseMany(new Float64Array([a.handle, b.handle, b.handle, c.handle]), 3); // c is past the count
  assert.equal(native.isValid(d.handle), true, "a stale handle does not release the slot's new tensor");
  assert.equal(native.isValid(b.handle), false);
  assert.equal(native.isValid(c.handle), true, "only the first `count` handles");
  assert.throws(() => native.releaseMany([1, 2] as unknown as Float64Array), /Float64Array/);
  b.dispose(); // already released natively: harmless
  c.dispose();
  d.dispose();
  assert.equal(liveTensorCount(), base);
});

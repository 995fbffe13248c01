// Causal attention by query blocks (src/torch/causal-blocks.ts) against the full square: same outputs and
// gradients, fewer keys per block, and the cases that must keep the full square.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { F, tidy, type Tensor } from "../../src/torch/index.js";
import { blockCausalAttention, causalBlockCount } from "../../src/torch/causal-blocks.js";

function maxDiff(a: Tensor, b: Tensor): number {
  return a.sub(b).abs().max().item();
}

/** Output and q/k/v gradients of attention `f` under a fixed upstream gradient. */
function run(f: (q: Tensor, k: Tensor, v: Tensor) => Tensor, q: Tensor, k: Tensor, v: Tensor, g: Tensor): Tensor[] {
  const [qq, kk, vv] = [q, k, v].map((x) => x.detach().requiresGrad_(true)) as [Tensor, Tensor, Tensor];
  const out = f(qq, kk, vv);
  out.mul(g).sum().backward();
  return [out.detach(), qq.grad!, kk.grad!, vv.grad!];
}

for (const t of [256, 200, 130]) {
  test(`block-causal attention equals the full causal square, outputs and gradients (T = ${t})`, () => {
    const base = torch.liveTensorCount();
    tidy(() => {
      torch.manualSeed(t);
      const shape = [2, 3, t, 16];
      const q = torch.randn(shape), k = torch.randn(shape), v = torch.randn(shape), g = torch.randn(shape);
      const full = run((a, b, c) => F.compositeAttention(a, b, c, { causal: true }), q, k, v, g);
      const blocks = causalBlockCount(t, t);
      assert.ok(blocks > 1, `T = ${t} is split (${blocks} blocks)`);
      const split = run((a, b, c) => F.scaledDotProductAttention(a, b, c, { causal: true }), q, k, v, g);
      const names = ["output", "dq", "dk", "dv"];
      split.forEach((x, i) => assert.ok(maxDiff(x, full[i]!) < 2e-5, `${names[i]}: ${maxDiff(x, full[i]!)}`));
      // and explicitly one block (the full square through the same entry point) agrees too
      const one = run((a, b, c) => F.scaledDotProductAttention(a, b, c, { causal: true, causalBlocks: 1 }), q, k, v, g);
      one.forEach((x, i) => assert.ok(maxDiff(x, full[i]!) < 2e-5, `one block ${names[i]}`));
      // the default really took the blocked path: its key gradient sums the blocks' contributions in another
      // order than the single call does, so the two differ in the last bits (identical only if not split)
      assert.ok(maxDiff(split[2]!, one[2]!) > 0, "the default call was split into blocks");
    });
    assert.equal(torch.liveTensorCount(), base, "no tensor outlives the scope");
  });
}

test("each query block sees only the keys up to its last row (the upper triangle is skipped)", () => {
  tidy(() => {
    const q = torch.randn([1, 2, 100, 8]), k = torch.randn([1, 2, 100, 8]), v = torch.randn([1, 2, 100, 8]);
    const seen: [number, number, number[]][] = [];
    const out = blockCausalAttention(q, k, v, 3, (qi, ki, vi, m) => {
      seen.push([qi.size(-2), ki.size(-2), m.shape]);
      return F.scaledDotProductAttention(qi, ki, vi, { mask: m });
    });
    // rows split 34 / 34 / 32; keys 34, 68, 100; each mask [rows, keys]
    assert.deepEqual(seen, [[34, 34, [34, 34]], [34, 68, [34, 68]], [32, 100, [32, 100]]]);
    assert.ok(maxDiff(out, F.compositeAttention(q, k, v, { causal: true })) < 2e-5);
  });
});

test("block counts: short rows, cross-attention and long rows", () => {
  assert.equal(causalBlockCount(120, 120), 1, "under two blocks of 64 rows: one call");
  assert.equal(causalBlockCount(128, 128), 2);
  assert.equal(causalBlockCount(1024, 1024), 16);
  assert.equal(causalBlockCount(4096, 4096), 16, "at most 16 blocks");
  assert.equal(causalBlockCount(256, 300), 1, "only self-attention's square is split");
});

test("attention dropout keeps the full square (one random number per score, as the mask path draws them)", () => {
  tidy(() => {
    const q = torch.randn([1, 2, 128, 8]), k = torch.randn([1, 2, 128, 8]), v = torch.randn([1, 2, 128, 8]);
    torch.manualSeed(7);
    const a = F.scaledDotProductAttention(q, k, v, { causal: true, dropout: 0.5 });
    torch.manualSeed(7);
    const b = F.scaledDotProductAttention(q, k, v, { causal: true, dropout: 0.5, causalBlocks: 1 });
    assert.equal(maxDiff(a, b), 0);
  });
});

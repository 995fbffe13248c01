// Parity of the composite attention with libtorch's fused one where this libtorch has it:
// aten::scaled_dot_product_attention (PyTorch ≥ 2.0) or aten::_scaled_dot_product_attention (1.13).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { F, tidy } from "../../src/torch/index.js";

function maxDiff(a: torch.Tensor, b: torch.Tensor): number {
  return a.sub(b).abs().max().item();
}

/** libtorch's own fused kernel, through the typed wrappers (the reference for the composite). */
function fused(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | null, causal: boolean): torch.Tensor {
  if (torch.hasOp("scaled_dot_product_attention")) return torch.ops.scaledDotProductAttention(q, k, v, mask, 0, causal);
  const [out, weights] = torch.ops._scaledDotProductAttention(q, k, v, mask, 0, false, causal);
  weights?.dispose();
  return out!;
}

const hasFused = torch.hasOp("scaled_dot_product_attention") || torch.hasOp("_scaled_dot_product_attention");

test("composite attention matches the fused schema (plain, causal, bool mask, additive mask)", { skip: !hasFused && "no fused attention schema in this libtorch" }, () => {
  const base = torch.liveTensorCount();
  tidy(() => {
    torch.manualSeed(0);
    const q = torch.randn([2, 3, 5, 8]), k = torch.randn([2, 3, 5, 8]), v = torch.randn([2, 3, 5, 8]);
    assert.ok(maxDiff(F.compositeAttention(q, k, v), fused(q, k, v, null, false)) < 1e-5, "plain");
    assert.ok(maxDiff(F.compositeAttention(q, k, v, { causal: true }), fused(q, k, v, null, true)) < 1e-5, "causal");
    const plain = fused(q, k, v, null, false);
    assert.ok(maxDiff(fused(q, k, v, null, true), plain) > 1e-2, "causal masking changes the result");
    // a random keep-mask (true = may attend) with the diagonal forced on, so every row attends somewhere
    const rowOk = torch.rand([5, 5]).gt(0.3).maskedFill(torch.eye(5).gt(0), true);
    const masked = rowOk.logicalNot().sum().item();
    assert.ok(masked >= 3 && masked <= 20, `the mask hides some keys (${masked} of 25)`);
    assert.ok(maxDiff(F.compositeAttention(q, k, v, { mask: rowOk }), fused(q, k, v, rowOk, false)) < 1e-5, "bool mask");
    assert.ok(maxDiff(F.compositeAttention(q, k, v, { mask: rowOk }), plain) > 1e-2, "the bool mask changes the result");
    const add = torch.randn([2, 1, 5, 5]);
    assert.ok(maxDiff(F.compositeAttention(q, k, v, { mask: add }), fused(q, k, v, add, false)) < 1e-5, "additive mask");
    assert.ok(maxDiff(F.compositeAttention(q, k, v, { mask: add }), plain) > 1e-2, "the additive mask changes the result");
  });
  assert.equal(torch.liveTensorCount(), base);
});

test("F.scaledDotProductAttention agrees with the composite reference", () => tidy(() => {
  torch.manualSeed(1);
  const q = torch.randn([1, 2, 4, 4]), k = torch.randn([1, 2, 4, 4]), v = torch.randn([1, 2, 4, 4]);
  assert.ok(maxDiff(F.scaledDotProductAttention(q, k, v, { causal: true }), F.compositeAttention(q, k, v, { causal: true })) < 1e-5);
  assert.ok(maxDiff(F.scaledDotProductAttention(q, k, v, { scale: 0.3 }), F.compositeAttention(q, k, v, { scale: 0.3 })) < 1e-5);
  // causal: the first query sees only the first key, so its output is v[..., 0, :]
  const out = F.scaledDotProductAttention(q, k, v, { causal: true });
  assert.ok(maxDiff(out.select(2, 0), v.select(2, 0)) < 1e-6);
}));

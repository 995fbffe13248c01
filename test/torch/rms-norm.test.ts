// F.rmsNorm / nn.RMSNorm, the composite the llama family uses (libtorch 1.13 has no rms_norm op).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";

test("rmsNorm: x / √(mean(x²) + ε) · w per row, computed by hand; bf16 input keeps its dtype; gradients flow", () => {
  const x = torch.tensor(new Float32Array([1, 2, 3, 4, -2, 0, 2, 0]), [2, 4]);
  const w = torch.tensor(new Float32Array([1, 0.5, 2, -1]), [4]);
  const y = torch.F.rmsNorm(x, w, 1e-6).data() as Float32Array;
  const r0 = Math.sqrt((1 + 4 + 9 + 16) / 4 + 1e-6), r1 = Math.sqrt((4 + 0 + 4 + 0) / 4 + 1e-6);
  const want = [1 / r0, 0.5 * 2 / r0, 2 * 3 / r0, -4 / r0, -2 / r1, 0, 2 * 2 / r1, 0];
  want.forEach((v, i) => assert.ok(Math.abs(y[i]! - v) < 1e-6, `${i}: ${y[i]} vs ${v}`));
  const xb = x.to("bfloat16"), wb = w.to("bfloat16");
  const yb = torch.F.rmsNorm(xb, wb);
  assert.equal(yb.dtype, "bfloat16");
  const m = new torch.nn.RMSNorm(4);
  assert.deepEqual([...m.namedParameters()].map(([n, p]) => [n, p.shape]), [["weight", [4]]]);
  const loss = m.forward(x).square().sum();
  loss.backward();
  assert.ok(m.weight.grad !== null && (m.weight.grad.abs().sum().item() as number) > 0);
  for (const t of [x, w, xb, wb, yb, loss]) t.dispose();
  m.dispose();
});

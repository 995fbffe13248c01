// CUDA: device transfer, ops on the GPU against CPU results, autocast to bf16, memory statistics.
// Skips on machines without a CUDA device (the CPU Debian libtorch).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { F, tidy } from "../../src/torch/index.js";

const hasCuda = torch.cuda.isAvailable();
const skip = !hasCuda && "no CUDA device";

function close(a: torch.Tensor, b: torch.Tensor, tol: number): void {
  const d = a.cpu().float().sub(b.cpu().float()).abs().max().item();
  assert.ok(d <= tol, `max |diff| ${d} > ${tol}`);
}

test("CUDA queries agree with each other and with what tensors can do", () => {
  const count = torch.cuda.deviceCount();
  assert.ok(Number.isInteger(count) && count >= 0, `device count ${count}`);
  assert.equal(hasCuda, count > 0, "isAvailable() ⇔ deviceCount() > 0");
  if (!torch.buildInfo().cudaBuild) {
    assert.throws(() => torch.cuda.memoryStats(0), /^Error: cudaMemoryStats: this addon was built without CUDA/);
  }
  if (hasCuda) {
    tidy(() => {
      assert.equal(torch.zeros([2], { device: "cuda" }).device, "cuda:0");
      assert.equal(torch.ones([1]).cuda(count - 1).device, `cuda:${count - 1}`);
      assert.throws(() => torch.ones([1]).cuda(count), /aten::to.dtype_layout/, "one past the last device is rejected");
    });
    return;
  }
  // no device: every way of reaching CUDA fails with an error naming the op, and the process keeps computing
  const base = torch.liveTensorCount();
  assert.throws(() => torch.cuda.synchronize(), /^Error: cudaSynchronize: CUDA is not available$/);
  assert.throws(() => torch.zeros([2], { device: "cuda" }), /^Error: aten::zeros: .*CUDA/);
  tidy(() => {
    const x = torch.ones([2]);
    assert.throws(() => x.to("cuda"), /^Error: aten::to.dtype_layout: .*cuda/i);
    assert.throws(() => x.cuda(), /^Error: aten::to.dtype_layout: .*cuda/i);
    assert.deepEqual(x.add(1).toArray(), [2, 2]);
  });
  assert.equal(torch.liveTensorCount(), base, "failed transfers leave no tensors behind");
});

test("to('cuda') and back keeps values; ops on CUDA match CPU", { skip }, () => tidy(() => {
  torch.manualSeed(0);
  const x = torch.randn([4, 8]), w = torch.randn([3, 8]), b = torch.randn([3]);
  const xc = x.to("cuda"), wc = w.cuda(), bc = b.cuda();
  assert.equal(xc.device, "cuda:0");
  assert.deepEqual(xc.cpu().toArray(), x.toArray());
  close(F.linear(xc, wc, bc), F.linear(x, w, b), 1e-4);
  close(F.layerNorm(xc, [8]), F.layerNorm(x, [8]), 1e-4);
  close(F.gelu(xc), F.gelu(x), 1e-5);
  close(F.logSoftmax(xc, -1), F.logSoftmax(x, -1), 1e-5);
  const t = torch.tensor([1, -100, 2, 0], { dtype: "int64" });
  close(F.crossEntropy(xc.narrow(1, 0, 3), t.cuda()), F.crossEntropy(x.narrow(1, 0, 3), t), 1e-5);
  const q = torch.randn([2, 2, 16, 8]);
  close(F.scaledDotProductAttention(q.cuda(), q.cuda(), q.cuda(), { causal: true }), F.compositeAttention(q, q, q, { causal: true }), 1e-4);
  torch.cuda.synchronize();
}));

test("autograd and AdamW on CUDA", { skip }, () => {
  const lin = new torch.nn.Linear(8, 4).to("cuda");
  const opt = new torch.AdamW(lin.parameters(), { lr: 0.05 });
  const x = torch.keep(torch.randn([16, 8]).cuda()), y = torch.keep(torch.randint(0, 4, [16]).cuda());
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) losses.push(tidy(() => {
    const l = F.crossEntropy(lin.forward(x), y);
    l.backward();
    torch.clipGradNorm(lin.parameters(), 1);
    opt.step();
    opt.zeroGrad();
    return l.item();
  }));
  assert.ok(losses.at(-1)! < losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
  for (const t of [lin, opt, x, y]) t.dispose();
});

test("autocast runs matmuls in bfloat16 and restores the previous state", { skip }, () => tidy(() => {
  const a = torch.randn([64, 64]).cuda(), b = torch.randn([64, 64]).cuda();
  const out = torch.autocast(() => a.matmul(b));
  assert.equal(out.dtype, "bfloat16");
  assert.equal(a.matmul(b).dtype, "float32", "autocast is off again");
  close(out, a.matmul(b), 0.5);
}));

test("memory statistics reflect allocations", { skip: (!hasCuda || !torch.buildInfo().cudaBuild) && "no CUDA build/device" }, () => {
  const before = torch.cuda.memoryStats(0);
  const big = torch.zeros([1024, 1024], { device: "cuda" });
  const after = torch.cuda.memoryStats(0);
  assert.ok(after.allocated >= before.allocated + 4 * 1024 * 1024);
  assert.ok(after.reserved >= after.allocated);
  big.dispose();
  assert.ok(torch.cuda.memoryStats(0).allocated <= after.allocated - 4 * 1024 * 1024);
});

// nn modules, state dicts, AdamW against a scalar reference, gradient clipping, and "loss goes down".
import { test, afterEach, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { tensor, tidy, nn, F, liveTensorCount, AdamW, clipGradNorm } from "../../src/torch/index.js";
import { native } from "../../src/torch/native.js";

let base = 0;
beforeEach(() => { base = liveTensorCount(); });
afterEach(() => assert.equal(liveTensorCount(), base, "live tensor count returns to baseline"));

class Block extends nn.Module {
  readonly ln = this.registerModule("ln", new nn.LayerNorm(4));
  readonly layers = this.registerModule("layers", new nn.ModuleList([new nn.Linear(4, 8), new nn.Linear(8, 4, false)]));
  readonly emb = this.registerModule("emb", new nn.Embedding(10, 4, 1));
  forward(ids: torch.Tensor): torch.Tensor {
    const x = this.ln.forward(this.emb.forward(ids)); // [B, T, 4]
    return this.layers.at(1).forward(F.gelu(this.layers.at(0).forward(x))); // [B, T, 4]
  }
}

test("Module: dotted parameter names, counts, stateDict round trip, strict loading", () => {
  const a = new Block(), b = new Block();
  const names = a.namedParameters().map(([n]) => n);
  assert.deepEqual(names, ["ln.weight", "ln.bias", "layers.0.weight", "layers.0.bias", "layers.1.weight", "emb.weight"]);
  assert.equal(a.numParameters(), 4 + 4 + 32 + 8 + 32 + 40);
  tidy(() => {
    assert.deepEqual(a.emb.weight.select(0, 1).toArray(), [0, 0, 0, 0], "padding row starts at zero");
    assert.notDeepEqual(a.layers.at(0).weight.toArray(), b.layers.at(0).weight.toArray());
    b.loadStateDict(a.stateDict());
    assert.deepEqual(a.layers.at(0).weight.toArray(), b.layers.at(0).weight.toArray());
    const ids = tensor([[1, 2, 3]], { dtype: "int64" });
    assert.deepEqual(a.forward(ids).toArray(), b.forward(ids).toArray());
    assert.throws(() => b.loadStateDict(new Map([["ln.weight", a.ln.weight!]])), /missing \[ln.bias/);
    assert.throws(() => b.loadStateDict({ ...Object.fromEntries(a.stateDict()), "ln.weight": torch.ones([5]) }), /shape \[5\]/);
    const r = b.loadStateDict(new Map([["ln.weight", torch.full([4], 2)]]), false);
    assert.equal(r.missing.length, 5);
    assert.deepEqual(b.ln.weight!.toArray(), [2, 2, 2, 2]);
  });
  assert.equal(a.parameters().every((p) => p.requiresGrad), true);
  a.dispose();
  b.dispose();
});

test("Dropout follows train/eval mode", () => tidy(() => {
  const d = new nn.Dropout(0.5);
  const x = torch.ones([1000]);
  assert.deepEqual(d.eval().forward(x).toArray(), x.toArray());
  const y = d.train().forward(x).toArray();
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(zeros > 350 && zeros < 650, `about half dropped, got ${zeros}`);
  assert.ok(y.every((v) => v === 0 || v === 2), "survivors are scaled by 1/(1-p)");
}));

test("AdamW matches the closed-form update (foreach path)", () => {
  const lr = 0.1, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
  const p = torch.keep(tensor([1, -2], { dtype: "float64", requiresGrad: true }));
  const opt = new AdamW([p], { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, impl: "foreach" });
  const ref = [1, -2], m = [0, 0], v = [0, 0];
  for (let t = 1; t <= 3; t++) {
    tidy(() => p.mul(p).mul(tensor([1, 3], { dtype: "float64" })).sum().backward()); // g = 2 p ⊙ [1, 3]
    const g = [2 * ref[0]! * 1, 2 * ref[1]! * 3];
    opt.step();
    opt.zeroGrad();
    for (let i = 0; i < 2; i++) {
      ref[i] = ref[i]! * (1 - lr * wd);
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      ref[i] = ref[i]! - (lr / (1 - b1 ** t)) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps));
    }
    const got = p.toArray();
    got.forEach((x, i) => assert.ok(Math.abs(x - ref[i]!) < 1e-12, `step ${t}: ${x} vs ${ref[i]}`));
  }
  assert.equal(opt.stepCount, 3);
  opt.dispose();
  p.dispose();
});

test("AdamW fused and foreach agree where this libtorch has a CPU kernel for aten::_fused_adamw_", { skip: torch.fusedAdamWUnavailable("cpu") ?? false }, () => {
  const p1 = torch.keep(tensor([0.5, -1, 2], { requiresGrad: true })), p2 = torch.keep(tensor([0.5, -1, 2], { requiresGrad: true }));
  const o1 = new AdamW([p1], { lr: 0.01, impl: "fused" }), o2 = new AdamW([p2], { lr: 0.01, impl: "foreach" });
  for (let i = 0; i < 3; i++) {
    for (const [p, o] of [[p1, o1], [p2, o2]] as const) {
      tidy(() => p.pow(3).sum().backward());
      o.step();
      o.zeroGrad();
    }
  }
  p1.toArray().forEach((x, i) => assert.ok(Math.abs(x - p2.toArray()[i]!) < 1e-6));
  o1.dispose(); o2.dispose(); p1.dispose(); p2.dispose();
});

test("clipGradNorm scales to the global norm and returns the norm before clipping", () => {
  const a = torch.keep(tensor([0, 0], { requiresGrad: true })), b = torch.keep(tensor([0], { requiresGrad: true }));
  tidy(() => a.mul(tensor([3, 0])).sum().add(b.mul(4).sum()).backward()); // grads [3, 0], [4] → norm 5
  assert.ok(Math.abs(clipGradNorm([a, b], 1) - 5) < 1e-5);
  tidy(() => {
    a.grad!.toArray().forEach((x, i) => assert.ok(Math.abs(x - [0.6, 0][i]!) < 1e-5));
    assert.ok(Math.abs(b.grad!.item() - 0.8) < 1e-5);
  });
  assert.ok(Math.abs(clipGradNorm([a, b], 10) - 1) < 1e-5, "no clipping below the limit");
  tidy(() => assert.ok(Math.abs(b.grad!.item() - 0.8) < 1e-5));
  a.dispose(); b.dispose();
});

test("a tiny model learns: loss goes down with AdamW + clipping + cross entropy (ignore_index)", () => {
  torch.manualSeed(0);
  const model = new Block();
  const head = new nn.Linear(4, 10);
  const params = [...model.parameters(), ...head.parameters()];
  const opt = new AdamW(params, { lr: 0.05, beta2: 0.95 });
  const ids = torch.keep(tensor([[2, 3, 4, 5, 6, 7]], { dtype: "int64" }));
  const target = torch.keep(tensor([3, 4, 5, 6, 7, -100], { dtype: "int64" }));
  const losses: number[] = [];
  for (let i = 0; i < 60; i++) {
    losses.push(tidy(() => {
      const logits = head.forward(model.forward(ids)).reshape(6, 10); // [T, V]
      const loss = F.crossEntropy(logits, target);
      loss.backward();
      clipGradNorm(params, 1);
      opt.step();
      opt.zeroGrad();
      return loss.item();
    }));
  }
  assert.ok(losses.at(-1)! < losses[0]! * 0.2, `loss ${losses[0]} → ${losses.at(-1)}`);
  for (const x of [model, head, opt, ids, target]) x.dispose();
});

class WithBuffer extends nn.Module {
  readonly lin = this.registerModule("lin", new nn.Linear(3, 2));
  readonly table = this.registerBuffer("table", tensor([0.25, 0.5, 0.75]));
}

test("Module.to converts every parameter and buffer, repoints typed fields, releases the old tensors", () => {
  torch.manualSeed(3);
  const m = new WithBuffer();
  const old = m.stateDict();
  const oldValues = new Map([...old].map(([k, t]) => [k, t.toArray()]));
  const oldHandles = [...old.values()].map((t) => t.handle);
  const live = liveTensorCount();
  m.to("float64");
  assert.equal(liveTensorCount(), live, "one new tensor per old one, old ones released");
  assert.ok(oldHandles.length > 0, "the module has tensors to convert");
  for (const h of oldHandles) assert.equal(native.isValid(h), false, "old handle released");
  for (const t of old.values()) assert.equal(t.disposed, true);
  const moved = m.stateDict();
  assert.deepEqual([...moved.keys()], ["lin.weight", "lin.bias", "table"]);
  for (const [k, t] of moved) {
    assert.equal(t.dtype, "float64", k);
    assert.equal(t.device, "cpu", k);
    assert.equal(t.requiresGrad, k !== "table", `${k}: parameters stay trainable, buffers do not`);
    // float32 → float64 is exact: the values are the old ones
    assert.deepEqual(t.toArray(), oldValues.get(k), k);
  }
  assert.equal(m.lin.weight, moved.get("lin.weight"), "typed field points at the moved parameter");
  assert.equal(m.lin.bias, moved.get("lin.bias"));
  assert.equal(m.table, moved.get("table"));
  // gradients reach the moved parameters
  tidy(() => {
    m.lin.forward(tensor([1, 2, 3], [1, 3], { dtype: "float64" })).sum().backward();
    const g = m.lin.weight.grad!;
    assert.equal(g.dtype, "float64");
    assert.deepEqual(g.toArray(), [1, 2, 3, 1, 2, 3]);
  });
  m.dispose();
  assert.equal(liveTensorCount(), live - 3);
});

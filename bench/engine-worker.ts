// One measurement of bench:engine in this process (spawned by bench/engine.ts so that allocator settings,
// which apply at addon load, can differ between runs). Prints one JSON line.
// Usage: node dist/bench/engine-worker.js overhead|step N THREADS
import * as torch from "../src/torch/index.js";
import { F, nn, tidy, AdamW, clipGradNorm, type Tensor } from "../src/torch/index.js";
import { median } from "../src/core/stats.js";

class Block extends nn.Module {
  readonly ln1: nn.LayerNorm;
  readonly ln2: nn.LayerNorm;
  readonly qkv: nn.Linear;
  readonly o: nn.Linear;
  readonly up: nn.Linear;
  readonly down: nn.Linear;
  constructor(readonly d: number, readonly h: number, readonly f: number) {
    super();
    this.ln1 = this.registerModule("ln1", new nn.LayerNorm(d));
    this.ln2 = this.registerModule("ln2", new nn.LayerNorm(d));
    this.qkv = this.registerModule("qkv", new nn.Linear(d, 3 * d));
    this.o = this.registerModule("o", new nn.Linear(d, d));
    this.up = this.registerModule("up", new nn.Linear(d, f));
    this.down = this.registerModule("down", new nn.Linear(f, d));
  }
  forward(x: Tensor): Tensor {
    const [B, T, D] = x.shape as [number, number, number];
    const qkv = this.qkv.forward(this.ln1.forward(x)).view(B, T, 3, this.h, D / this.h).permute(2, 0, 3, 1, 4); // [3, B, H, T, Dh]
    const [q, k, v] = qkv.unbind(0) as [Tensor, Tensor, Tensor]; // as the peer: unbind, not three selects
    const a = F.scaledDotProductAttention(q, k, v, { causal: true }).transpose(1, 2).reshape(B, T, D); // [B, T, D]
    const x1 = x.add(this.o.forward(a));
    return x1.add(this.down.forward(F.gelu(this.up.forward(this.ln2.forward(x1))))); // [B, T, D]
  }
}

class Model extends nn.Module {
  readonly emb = this.registerModule("emb", new nn.Embedding(33, 256));
  readonly blocks = this.registerModule("blocks", new nn.ModuleList([0, 1, 2, 3].map(() => new Block(256, 8, 1024))));
  readonly ln = this.registerModule("ln", new nn.LayerNorm(256));
  readonly head = this.registerModule("head", new nn.Linear(256, 33));
  forward(ids: Tensor): Tensor {
    let x = this.emb.forward(ids); // [B, T, D]
    for (const b of this.blocks) x = b.forward(x);
    return this.head.forward(this.ln.forward(x)); // [B, T, V]
  }
}

const [mode, nText, threadsText] = process.argv.slice(2);
const n = Number(nText), threads = Number(threadsText);
const WARM_CALLS = 100_000; // per measured path; bench/engine_peer.py warms up with the same count
torch.setNumThreads(threads);
torch.manualSeed(0);

/** CPU seconds (user + system, all threads) of this process: robust to other load on a shared machine. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

if (mode === "overhead") {
  const a = torch.ones([1]), b = torch.ones([1]);
  const { native } = await import("../src/torch/native.js");
  const add = torch.opId("add", "Tensor");
  // warm up every measured path with WARM_CALLS calls (the Python peer gets as many): V8 tiers the wrappers up
  // after some thousand calls, and sizes its young generation to the scoped path's 1000 live results per scope
  // over the first ~50k (with 20k of warm-up the first scoped pass read 1.10–1.22 µs, a second one 0.93–1.00)
  for (let i = 0; i < WARM_CALLS / 1000; i++) tidy(() => { for (let j = 0; j < 1000; j++) a.add(b); });
  for (let i = 0; i < WARM_CALLS; i++) native.release(native.callOp(add, a.handle, b.handle));
  for (let i = 0; i < WARM_CALLS; i++) a.add(b).dispose();
  // 1. the training-step path: ops inside one scope per step (1000 ops per scope), released at scope end
  let c0 = cpuSeconds();
  for (let i = 0; i < n / 1000; i++) tidy(() => { for (let j = 0; j < 1000; j++) a.add(b); });
  const scopedUs = ((cpuSeconds() - c0) * 1e6) / n;
  // 2. the raw addon call (handle in, handle out, released)
  c0 = cpuSeconds();
  for (let i = 0; i < n; i++) native.release(native.callOp(add, a.handle, b.handle));
  const rawUs = ((cpuSeconds() - c0) * 1e6) / n;
  // 3. top level: each result gets a GC backstop, then is disposed (Python frees by refcount)
  c0 = cpuSeconds();
  for (let i = 0; i < n; i++) a.add(b).dispose();
  const us = ((cpuSeconds() - c0) * 1e6) / n;
  console.log(JSON.stringify({ usPerCall: us, rawUsPerCall: rawUs, scopedUsPerCall: scopedUs }));
} else {
  const B = 16, T = 256;
  const model = new Model();
  const opt = new AdamW(model.parameters(), { lr: 1e-4, beta1: 0.9, beta2: 0.95, weightDecay: 0.01 });
  const ids = torch.randint(0, 33, [B, T]);
  const target = torch.randint(0, 33, [B * T]);
  const step = () =>
    tidy(() => {
      // forward in its own scope: only the loss survives, so activations are freed as backward consumes them
      // (as Python's refcounting does) instead of staying alive until the end of the step
      const loss = tidy(() => F.crossEntropy(model.forward(ids).view(B * T, -1), target, { ignoreIndex: -100 }));
      loss.backward();
      clipGradNorm(model.parameters(), 1);
      opt.step();
      opt.zeroGrad();
      return loss.item();
    });
  step(); // warm-up
  const times: number[] = [], cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now(), c0 = cpuSeconds();
    step();
    times.push((performance.now() - t0) / 1000);
    cpu.push(cpuSeconds() - c0);
  }
  const med = median(times), cmed = median(cpu);
  console.log(JSON.stringify({ stepSeconds: med, tokensPerSecond: (B * T) / med, cpuSeconds: cmed, tokensPerCpuSecond: (B * T) / cmed,
    steps: n, params: model.numParameters(),
    attention: F.attentionImpl(), optimizer: opt.impl, mallocTuned: torch.buildInfo().mallocTuned }));
}

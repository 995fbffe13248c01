// Fully sharded training (src/train/fsdp.ts) in this process, on a world of one rank (Gloo over a FileStore):
// released blocks hold no parameter storage, a gather restores the exact values, and a --shard full step is a
// plain step (loss, gradient norm, updated weights and AdamW moments within 1e-5 relative). The 2-rank
// equivalence, the per-rank bytes at W = 2 and resuming across shard modes run as real processes in ddp.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../../src/torch/index.js";
import { createModel, type ProteinLM } from "../../src/model/index.js";
import { FullyShardedModel, modelParameterBytes } from "../../src/train/fsdp.js";
import { trainStep, decayGroups } from "../../src/train/step.js";
import type { Batch } from "../../src/data/batch.js";

const skip = torch.dist.distributedAvailable() ? false : "addon built without c10d";
const dir = mkdtempSync(join(tmpdir(), "plm-fsdp-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const ADAM = { lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8 };
const CFG = { layers: 3, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 16, activation: "gelu" as const, bias: true, dropout: 0 };

let groups = 0;
function worldOfOne(): torch.dist.ProcessGroup {
  return new torch.dist.ProcessGroup({ rank: 0, worldSize: 1, rendezvous: { kind: "file", path: join(dir, `store-${groups++}`) } });
}

/** rows of random tokens with ~40% loss positions, one sequence per row */
function batch(rows: number, T: number, seed: number): Batch {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31), s / 2 ** 31);
  const n = rows * T;
  const b: Batch = { rows, context: T, input: new Int32Array(n), target: new Int32Array(n).fill(-100), position: new Int32Array(n), segment: new Int32Array(n), realTokens: n, lossTokens: 0, sources: {} };
  for (let i = 0; i < n; i++) {
    b.input[i] = 4 + Math.floor(rnd() * 20);
    b.position[i] = i % T;
    if (rnd() < 0.4) (b.target[i] = 4 + Math.floor(rnd() * 20)), b.lossTokens++;
  }
  return b;
}

function values(m: Map<string, torch.Tensor>): Map<string, Float32Array> {
  return new Map([...m].map(([k, t]) => [k, Float32Array.from(t.data() as Float32Array)]));
}

/** max |a−b| over all tensors ≤ 1e-5 · max |b| over all tensors (the state as one vector, ∞-norm, as ddp.test.ts) */
function assertClose(a: Map<string, Float32Array>, b: Map<string, Float32Array>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: names`);
  let scale = 0;
  for (const y of b.values()) for (const v of y) scale = Math.max(scale, Math.abs(v));
  assert.ok(scale > 0, `${what}: not all zero`);
  for (const [k, x] of a) {
    const y = b.get(k)!;
    assert.equal(x.length, y.length, `${what} ${k}: size`);
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    assert.ok(diff <= 1e-5 * scale, `${what} ${k}: max diff ${diff}, largest entry ${scale}`);
  }
}

function model(seed: number): ProteinLM {
  torch.manualSeed(seed);
  const m = createModel("mlm", CFG);
  m.train();
  return m;
}

test("released units hold no parameter storage; a gather brings back a block's exact values; nothing leaks", { skip }, () => {
  const m = model(3);
  const before = values(m.stateDict());
  const whole = modelParameterBytes(m);
  assert.equal(whole, 4 * m.numParameters());
  const group = worldOfOne();
  const fsdp = new FullyShardedModel(group, m, 0.01, ADAM);
  try {
    fsdp.shardParameters();
    assert.equal(modelParameterBytes(m), 0, "every parameter tensor is empty after sharding");
    for (const p of m.parameters()) assert.deepEqual(p.shape, [0]);
    assert.equal(fsdp.parameterBytes(), whole, "W = 1: the one slice is the whole model (no padding)");
    const live = torch.liveTensorCount();
    fsdp.gather(1);
    const block = m.layers.at(1).namedParameters("layers.1.");
    assert.equal(modelParameterBytes(m), 4 * block.reduce((a, [, p]) => a + p.numel, 0));
    assert.ok(block.length > 0);
    for (const [k, p] of block) {
      assert.deepEqual(Array.from(p.data() as Float32Array), Array.from(before.get(k)!), `${k} after gather`);
    }
    assert.equal(m.layers.at(0).attn.qkv.weight.numel, 0, "other blocks stay released");
    fsdp.release(1);
    assert.equal(modelParameterBytes(m), 0);
    assert.equal(torch.liveTensorCount(), live, "gather + release leave no tensor behind");
    // the consolidated weights equal the model as built
    const w = fsdp.gatherWeights();
    assertClose(values(w), before, "gathered weights");
    torch.dispose([...w.values()]);
  } finally {
    fsdp.dispose();
    m.dispose();
    group.destroy();
  }
});

test("a --shard full step equals a plain step: loss, grad norm, weights, AdamW moments (1e-5); blocks freed after each step", { skip }, () => {
  const plain = model(5), sharded = model(5);
  const adam = new torch.AdamW(decayGroups(plain, 0.01), ADAM);
  const group = worldOfOne();
  const fsdp = new FullyShardedModel(group, sharded, 0.01, ADAM);
  try {
    fsdp.shardParameters();
    const lives: number[] = [];
    for (let step = 0; step < 3; step++) {
      const b = batch(5, 16, 100 + step); // 5 rows in micro-batches of 2: 3 micro-batches, the last one short
      adam.lr = fsdp.lr = ADAM.lr;
      // clip 0.5: the first steps' norms exceed it, so clipping is exercised
      const a = trainStep(plain, adam, plain.parameters(), b, { microRows: 2, device: "cpu", clip: 0.5 });
      const f = trainStep(sharded, fsdp, [], b, { microRows: 2, device: "cpu", clip: 0.5, units: fsdp.hooks, shardedUpdate: (s, c) => fsdp.update(s, c) });
      assert.ok(Math.abs(a.loss - f.loss) <= 1e-5 * a.loss, `step ${step} loss ${a.loss} vs ${f.loss}`);
      assert.ok(Math.abs(a.gradNorm - f.gradNorm) <= 1e-5 * a.gradNorm, `step ${step} grad norm ${a.gradNorm} vs ${f.gradNorm}`);
      if (step === 0) assert.ok(a.gradNorm > 0.5, `clipping exercised (norm ${a.gradNorm})`);
      assert.equal(modelParameterBytes(sharded), 0, `step ${step}: no block left gathered`);
      for (const p of sharded.parameters()) assert.equal(p.grad, null, "no full gradient left behind");
      lives.push(torch.liveTensorCount());
    }
    assert.equal(lives[2], lives[1], "the live tensor count is flat from step to step");
    const w = fsdp.gatherWeights();
    assertClose(values(w), values(plain.stateDict()), "weights after 3 steps");
    torch.dispose([...w.values()]);
    const st = fsdp.gatherState();
    assertClose(values(st), values(adam.stateTensors()), "AdamW moments");
    // load-from-full: a fresh sharded optimizer takes the one-process state and gives it back unchanged
    const other = model(9);
    const fsdp2 = new FullyShardedModel(group, other, 0.01, ADAM);
    fsdp2.loadStateTensors(st, fsdp.stepCount);
    assert.equal(fsdp2.stepCount, 3);
    const back = fsdp2.gatherState();
    assertClose(values(back), values(st), "state after load");
    torch.dispose([...st.values(), ...back.values()]);
    fsdp2.dispose();
    other.dispose();
  } finally {
    adam.dispose();
    fsdp.dispose();
    plain.dispose();
    sharded.dispose();
    group.destroy();
  }
});

test("overlap: every block gather of a training step is served by a prefetch, none dropped, and the step equals one without overlap bit for bit", { skip }, () => {
  const a = model(9), b = model(9);
  const ga = worldOfOne(), gb = worldOfOne();
  const on = new FullyShardedModel(ga, a, 0.01, ADAM), off = new FullyShardedModel(gb, b, 0.01, ADAM, undefined, false);
  try {
    on.shardParameters(), off.shardParameters();
    const L = CFG.layers;
    for (let step = 0; step < 2; step++) {
      const bt = batch(4, 16, 200 + step); // 2 micro-batches of 2 rows
      on.lr = off.lr = ADAM.lr;
      const x = trainStep(a, on, [], bt, { microRows: 2, device: "cpu", clip: 0.5, units: on.hooks, shardedUpdate: (s, c) => on.update(s, c) });
      const y = trainStep(b, off, [], bt, { microRows: 2, device: "cpu", clip: 0.5, units: off.hooks, shardedUpdate: (s, c) => off.update(s, c) });
      assert.equal(x.loss, y.loss, `step ${step} loss`);
      assert.equal(x.gradNorm, y.gradNorm, `step ${step} grad norm`);
    }
    // per micro-batch: the forward's blocks 0..L-1 (0 prefetched while the root is installed) and the backward's
    // L-1..0 come from prefetches: 2 steps × 2 micro-batches × 2L
    assert.equal(on.prefetches.dropped, 0);
    assert.equal(on.prefetches.used, 2 * 2 * 2 * L);
    assert.deepEqual(off.prefetches, { used: 0, dropped: 0 });
    const wa = on.gatherWeights(), wb = off.gatherWeights();
    for (const [k, t] of wa) assert.deepEqual(Array.from(t.data() as Float32Array), Array.from(wb.get(k)!.data() as Float32Array), `${k} after 2 steps`);
    torch.dispose([...wa.values(), ...wb.values()]);
  } finally {
    on.dispose(), off.dispose(), a.dispose(), b.dispose(), ga.destroy(), gb.destroy();
  }
});

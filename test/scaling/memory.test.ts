// Per-device memory planning (src/scaling/memory.ts): the ZeRO paper's model-state accounting, and the
// paper's 10.7B-class MLM at the ESM-2 3B budget on 64 × 80 GB coming out runnable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryPlan, planDevices } from "../../src/scaling/memory.js";
import { totalParams } from "../../src/scaling/shape.js";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

test("model states: DDP 16Ψ per device, ZeRO-1 4Ψ + 12Ψ/K, full 16Ψ/K (mixed precision, ZeRO §3.1)", () => {
  const shape = { layers: 12, dModel: 768, heads: 12, ffn: 3072 };
  const psi = totalParams(shape);
  const p = memoryPlan({ shape, context: 1024, microRows: 1, devices: 8, deviceBytes: 80e9, precision: "mixed" });
  const get = (s: string) => p.options.find((o) => o.strategy === s && (!o.checkpointActivations || s === "full"))!;
  assert.equal(p.params, psi);
  assert.equal(get("ddp").weights + get("ddp").grads + get("ddp").optimizer, 16 * psi);
  assert.equal(get("zero1").weights + get("zero1").grads + get("zero1").optimizer, 4 * psi + (12 * psi) / 8);
  assert.equal(get("full").weights + get("full").grads + get("full").optimizer, (16 * psi) / 8);
  // full sharding as built (src/train/fsdp.ts): always recomputes (no un-checkpointed option); whole at a time:
  // one block (12d² + 13d parameters) and the root (embedding 33·d, final norm, head), parameters + gradients, 2 bytes each
  assert.deepEqual(p.options.filter((o) => o.strategy === "full").map((o) => o.checkpointActivations), [true]);
  const block = 12 * 768 ** 2 + 13 * 768, root = 33 * 768 + 33 + 2 * 768 + 768 ** 2 + 768 + 2 * 768;
  assert.equal(get("full").workspace, 2 * 2 * (block + root));
  assert.equal(psi, 12 * block + root);
  // activations: 34·s·b·h bytes per layer (Korthikanti et al. eq. 2, fused attention) + logits; checkpointing keeps 2·s·b·h per layer + one layer
  const act = get("ddp").activations, ck = p.options.find((o) => o.strategy === "ddp" && o.checkpointActivations)!.activations;
  const logits = 1024 * 33 * 8;
  assert.equal(act, 12 * 34 * 1024 * 768 + logits);
  assert.equal(ck, 12 * 2 * 1024 * 768 + 34 * 1024 * 768 + logits);
  // fp32: 4Ψ weights, 4Ψ grads, 8Ψ moments; activations twice the bytes
  const f = memoryPlan({ shape, context: 1024, microRows: 1, devices: 8, deviceBytes: 80e9, precision: "fp32" });
  const fd = f.options.find((o) => o.strategy === "ddp" && !o.checkpointActivations)!;
  assert.deepEqual([fd.weights, fd.grads, fd.optimizer], [4 * psi, 4 * psi, 8 * psi]);
  assert.equal(fd.activations - logits, 2 * (act - logits));
});

test("the cheapest that fits: a small model on one GPU is plain DDP; a model that fits nowhere gives null", () => {
  const small = planDevices({ shape: { layers: 6, dModel: 320, heads: 20, ffn: 1280 }, context: 1024, devices: 1, deviceBytes: 80e9 }, 64);
  assert.equal(small.chosen?.strategy, "ddp");
  assert.equal(small.chosen?.checkpointActivations, false);
  assert.equal(small.microRows, 64);
  const huge = planDevices({ shape: { layers: 96, dModel: 12288, heads: 96, ffn: 49152 }, context: 2048, devices: 2, deviceBytes: 24e9 }, 64);
  assert.equal(huge.chosen, null);
});

test("plan: the 10.7B-class MLM at the ESM-2 3B budget on 64 × 80 GB A100s is runnable (ZeRO-1, not DDP)", () => {
  const r = spawnSync(process.execPath, [MAIN, "plan", "--objective", "mlm", "--like", "esm2-3b", "--gpu", "a100", "--gpus", "64", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { shape: { Ntotal: number }; memory: { chosen: { strategy: string; total: number; fits: boolean } | null; usableBytes: number; options: { strategy: string; fits: boolean }[] } };
  assert.ok(plan.shape.Ntotal > 10e9 && plan.shape.Ntotal < 12e9, `N = ${plan.shape.Ntotal}`);
  assert.equal(plan.memory.options.some((o) => o.strategy === "ddp" && o.fits), false, "16Ψ ≈ 175 GB cannot be replicated on 80 GB");
  assert.equal(plan.memory.chosen?.strategy, "zero1");
  assert.ok(plan.memory.chosen!.total <= plan.memory.usableBytes);
});

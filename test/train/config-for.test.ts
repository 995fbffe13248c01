// The one train-config builder: plan --emit and sweep points both get the trainer's defaults for everything
// the planner does not decide, and the trainer reads the result back unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { peakLrFor } from "../../src/scaling/lr.js";
import { planModel } from "../../src/scaling/planner.js";
import { defaultPreset } from "../../src/scaling/presets.js";
import { parallelFromMemoryPlan, plannedRunOf, trainConfigFor } from "../../src/train/config-for.js";
import { planDevices } from "../../src/scaling/memory.js";
import { shapeFor, totalParams } from "../../src/scaling/shape.js";
import { defaultConfig, parseTrainConfig } from "../../src/train/config.js";

test("plan --emit: exactly the contract's keys, the plan's numbers, the trainer's defaults elsewhere", () => {
  const p = planModel({ objective: "mlm", C: 1e19, preset: defaultPreset("mlm") });
  const cfg = trainConfigFor(plannedRunOf(p, { corpus: "data/c" }));
  assert.deepEqual(Object.keys(cfg).sort(), ["batchTokens", "checkpoint", "data", "device", "dtype", "eval", "lr", "model", "objective", "optimizer", "parallel", "seed", "threads", "tokens"]);
  assert.deepEqual(cfg.parallel, defaultConfig().parallel, "without a memory plan: one rank, no sharding");
  assert.deepEqual(Object.keys(cfg.model).sort(), ["activation", "bias", "context", "dModel", "dropout", "ffn", "head", "heads", "layers", "vocab"]);
  assert.equal(cfg.model.head, "esm");
  assert.equal(cfg.tokens, Math.round(p.D));
  assert.equal(cfg.model.dModel, p.shape.dModel);
  assert.equal(cfg.lr.peak, peakLrFor(p.shape.N));
  assert.equal(cfg.device, "cuda");
  assert.equal(cfg.dtype, "bfloat16");
  assert.equal(cfg.data.corpus, "data/c");
  const d = defaultConfig();
  assert.deepEqual(cfg.optimizer, d.optimizer);
  assert.equal(cfg.lr.warmupFraction, d.lr.warmupFraction);
  assert.equal(cfg.lr.minRatio, d.lr.minRatio);
  assert.equal(cfg.data.maskProb, d.data.maskProb);
  assert.equal(cfg.checkpoint.keep, d.checkpoint.keep);
  assert.ok(cfg.eval.everySteps >= 1 && cfg.eval.everySteps <= p.training.steps);
  assert.deepEqual(parseTrainConfig(cfg), { ...cfg, microBatchRows: 0, init: null });
});

test("plan --emit for a CLM: the linear head, and the plan's N is that head's count of the emitted shape", () => {
  const p = planModel({ objective: "clm", C: 1e19, preset: defaultPreset("clm") });
  const cfg = trainConfigFor(plannedRunOf(p, { corpus: "data/c" }));
  assert.equal(cfg.model.head, "linear");
  const { layers, dModel: d, ffn } = cfg.model;
  // per layer 4(d²+d) + 4d + (d·f+f) + (f·d+d), final LayerNorm 2d, nothing for the tied linear head
  assert.equal(p.shape.N, layers * (4 * (d * d + d) + 4 * d + (d * ffn + ffn) + (ffn * d + d)) + 2 * d);
});

test("plan --gpu --gpus --emit: the memory plan's choice becomes the config's parallel section and micro-batch", () => {
  const shape = shapeFor(1e9);
  const P = totalParams(shape);
  // 64 devices with room for everything: DDP (least communication, no recomputation), consolidated checkpoints
  const roomy = planDevices({ shape, context: 1024, devices: 64, deviceBytes: 100 * 16 * P }, 64);
  assert.deepEqual(parallelFromMemoryPlan(roomy), { parallel: { ranks: 64, shard: "none", checkpointActivations: false, checkpointFormat: "consolidated" }, microBatchRows: roomy.microRows });
  // 10 bytes per parameter per device: DDP's 16 bytes do not fit, ZeRO-1's 4 + 12/64 do → sharded optimizer and checkpoints
  const tight = planDevices({ shape, context: 1024, devices: 64, deviceBytes: 10 * P }, 64);
  const t = parallelFromMemoryPlan(tight)!;
  assert.equal(t.parallel.shard, "optimizer");
  assert.equal(t.parallel.checkpointFormat, "sharded");
  assert.equal(t.parallel.ranks, 64);
  assert.ok(t.microBatchRows >= 1 && t.microBatchRows <= 64);
  // nothing fits (1 byte per parameter): no section
  assert.equal(parallelFromMemoryPlan(planDevices({ shape, context: 1024, devices: 2, deviceBytes: P }, 64)), null);
  // and the trainer reads the section back
  assert.deepEqual(parseTrainConfig({ parallel: t.parallel }).parallel, t.parallel);
});

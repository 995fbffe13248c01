import { test } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../../src/core/errors.js";
import { parseTrainConfig, resolveConfig, defaultConfig } from "../../src/train/config.js";

test("missing keys take the documented defaults", () => {
  const c = parseTrainConfig({ objective: "clm", model: { layers: 2 } });
  assert.equal(c.objective, "clm");
  assert.equal(c.model.layers, 2);
  assert.equal(c.model.dModel, 320);
  assert.equal(c.optimizer.beta2, 0.95);
  assert.equal(c.lr.minRatio, 0.1);
  assert.equal(c.init, null);
});

test("unknown keys are rejected with their dotted name", () => {
  assert.throws(() => parseTrainConfig({ modle: {} }), /unknown key 'modle'/);
  assert.throws(() => parseTrainConfig({ model: { layer: 3 } }), /unknown key 'model.layer'/);
  assert.throws(() => parseTrainConfig({ lr: { peak: 1e-3, warmup: 0.1 } }), /unknown key 'lr.warmup'/);
});

test("wrong types and bad values name the key", () => {
  assert.throws(() => parseTrainConfig({ objective: "mlmx" }), /objective: expected one of mlm\|clm/);
  assert.throws(() => parseTrainConfig({ model: { layers: 2.5 } }), /model.layers: expected an integer/);
  assert.throws(() => parseTrainConfig({ model: { dModel: 100, heads: 3 } }), /divisible/);
  assert.throws(() => parseTrainConfig({ batchTokens: 1000, model: { context: 512 } }), /multiple of model.context/);
  assert.throws(() => parseTrainConfig({ data: { sourceWeights: { a: "x" } } }), /data.sourceWeights.a: expected a number/);
  assert.throws(() => parseTrainConfig([]), (e: unknown) => e instanceof UserError && e.exitCode === 2 && /expected an object/.test(e.message));
});

test("resolve: token budget rounded to whole rows, micro-batch and peak LR derived", () => {
  const c = parseTrainConfig({ model: { context: 128 }, tokens: 1000, batchTokens: 1024 });
  const r = resolveConfig(c, () => 7e-4, 1e6);
  assert.equal(r.tokens, 1024); // 1000/128 = 7.8 → 8 rows
  assert.equal(r.lr.peak, 7e-4);
  assert.equal(r.microBatchRows, 8); // 4096 tokens per CPU pass, capped at the step's 8 rows
  const r2 = resolveConfig({ ...c, lr: { ...c.lr, peak: 1e-3 }, microBatchRows: 3 }, () => 7e-4, 1e6);
  assert.equal(r2.lr.peak, 1e-3);
  assert.equal(r2.microBatchRows, 3);
  assert.throws(() => resolveConfig({ ...defaultConfig(), dtype: "bfloat16" }, () => 1e-3, 1), /bfloat16/);
});

test("init block for transfer", () => {
  const c = parseTrainConfig({ init: { from: "runs/clm" } });
  assert.deepEqual(c.init, { from: "runs/clm", objective: "clm" });
  assert.throws(() => parseTrainConfig({ init: { from: "" } }), /init.from/);
});

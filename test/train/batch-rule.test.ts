import { test } from "node:test";
import assert from "node:assert/strict";
import { configFromFlags } from "../../src/train/cli-config.js";
import { defaultConfig } from "../../src/train/config.js";

test("train flags without --batch-tokens/--context follow the batch rule; given values (flag or file) are kept", () => {
  // the command: 3e5 parameters on 2e6 tokens got 16,384-token batches at context 1,024 (123 steps)
  const c = configFromFlags({ objective: "clm", params: 3e5, tokens: 2e6, data: "/corpus" });
  assert.notEqual(c.batchTokens, defaultConfig().batchTokens);
  assert.equal(c.batchTokens, 4096);
  assert.equal(c.model.context, 256);
  assert.ok(c.tokens / c.batchTokens >= 400, `${c.tokens / c.batchTokens} steps`);
  // a flag wins; the other follows the rule around it
  const ctx = configFromFlags({ objective: "clm", params: 3e5, tokens: 2e6, data: "/corpus", context: 128 });
  assert.equal(ctx.model.context, 128);
  assert.equal(ctx.batchTokens % 128, 0);
  const b = configFromFlags({ objective: "clm", params: 3e5, tokens: 2e6, data: "/corpus", batchTokens: 16384 });
  assert.equal(b.batchTokens, 16384);
  // a config file that sets both keeps both
  const f = configFromFlags({ data: "/corpus" }, { batchTokens: 8192, model: { context: 512 }, tokens: 2e6 });
  assert.deepEqual([f.batchTokens, f.model.context], [8192, 512]);
  // a large model on a large budget: the paper's 0.5M-token batches at context 1024
  const big = configFromFlags({ objective: "mlm", params: 1.5e8, tokens: 3e9, data: "/corpus" });
  assert.deepEqual([big.batchTokens, big.model.context], [524288, 1024]);
});

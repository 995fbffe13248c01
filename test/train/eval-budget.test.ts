// Periodic evaluation scales with the budget (issue 23 item 5): together at most eval.periodicFraction (10%) of
// the training tokens, on prefixes of the one fixed validation set; the final evaluation always on all of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { periodicEval, parseTrainConfig, defaultConfig } from "../../src/train/config.js";
import { train } from "../../src/train/loop.js";
import { readMetrics, runPaths } from "../../src/train/rundir.js";

const SET = Array.from({ length: 16 }, () => 4096); // 65,536 validation tokens in 16 batches
const spent = (steps: number, p: { everySteps: number; batches: number }) =>
  (p.everySteps > 0 ? Math.floor((steps - 1) / p.everySteps) : 0) * p.batches * 4096;

test("the default periodic budget is 10% of the training tokens", () => {
  assert.equal(defaultConfig().eval.periodicFraction, 0.1);
});

test("periodic evaluations fit in 10% of the training tokens: fewer batches, then fewer evaluations, then none", () => {
  // the run: 150k tokens, 65,536 validation tokens every 100 of 586 steps (5 periodic, 328k tokens)
  const small = periodicEval(100, 586, 150_000, SET, 0.1);
  assert.deepEqual(small, { everySteps: 147, batches: 1 });
  assert.equal(spent(586, small), 3 * 4096);
  // 2M tokens, 488 steps: 4 periodic evaluations of 12 batches (196,608 ≤ 200,000)
  assert.deepEqual(periodicEval(100, 488, 2e6, SET, 0.1), { everySteps: 100, batches: 12 });
  // a large run keeps everything: 59 × 65,536 = 3.9M ≤ 10M
  assert.deepEqual(periodicEval(100, 6000, 1e8, SET, 0.1), { everySteps: 100, batches: 16 });
  // less than one batch's worth: only the final evaluation
  assert.deepEqual(periodicEval(100, 586, 10_000, SET, 0.1), { everySteps: 0, batches: 0 });
  // no limit asked, or no periodic evaluations at all: unchanged
  assert.deepEqual(periodicEval(100, 586, 150_000, SET, 0), { everySteps: 100, batches: 16 });
  assert.deepEqual(periodicEval(0, 586, 150_000, SET, 0.1), { everySteps: 0, batches: 16 });
  for (const [steps, tokens] of [[37, 5e4], [1000, 3e5], [250, 1.3e6], [12, 6e4]] as const) {
    const p = periodicEval(5, steps, tokens, SET, 0.1);
    assert.ok(spent(steps, p) <= 0.1 * tokens, `${steps} steps, ${tokens} tokens: ${JSON.stringify(p)}`);
  }
});

test("a small run evaluates less often, and its final evaluation is on the whole fixed set", async () => {
  const dir = mkdtempSync(join(tmpdir(), "plm-evalbudget-"));
  const seqs = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE",
    "PPGGSSLLKKRRTTAA", "MVLSPADKTNVKAAWG", "GLSDGEWQQVLNVWGK", "AQRFYCDNKWQLHPTE"];
  const fasta = join(dir, "eight.fasta");
  writeFileSync(fasta, seqs.map((s, i) => `>s${i}\n${s}\n`).join(""));
  try {
    // 12 steps of 256 tokens (3,072): evaluating every step would spend 11 × 128 tokens, more than 307
    const c = parseTrainConfig({
      objective: "clm", model: { layers: 2, dModel: 32, heads: 4, ffn: 64, context: 64 }, tokens: 64 * 4 * 12, batchTokens: 64 * 4, microBatchRows: 2,
      eval: { everySteps: 1, tokens: 128 }, checkpoint: { everySteps: 0, keep: 1 }, data: { corpus: fasta, seed: 3 }, seed: 3, threads: 1,
    });
    const out = join(dir, "run");
    const r = await train(c, { out, quiet: true });
    const evalSteps = readMetrics(runPaths(out)).filter((m) => m.valLoss !== undefined).map((m) => m.step);
    assert.deepEqual(evalSteps, [4, 8, 12]);
    assert.equal(r.valLoss, readMetrics(runPaths(out)).at(-1)!.valLoss);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

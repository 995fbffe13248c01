import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync, existsSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { spawn } from "node:child_process";
import * as torch from "../../src/torch/index.js";
import { train, evaluate } from "../../src/train/loop.js";
import { parseTrainConfig, resolveConfig, type TrainConfig } from "../../src/train/config.js";
import { readFastaCorpus } from "../../src/data/memory-corpus.js";
import { evalBatches } from "../../src/data/evaluate.js";
import type { ProgressSink } from "../../src/train/progress.js";
import { readMetrics, runPaths } from "../../src/train/rundir.js";
import { listCheckpoints } from "../../src/train/checkpoint.js";
import { createModel } from "../../src/model/index.js";
import { loadModelWeights, loadOptimizerState, writeTrainFiles } from "../../src/train/state-io.js";
import { peakLrFor } from "../../src/scaling/lr.js";

const EIGHT = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE",
  "PPGGSSLLKKRRTTAA", "MVLSPADKTNVKAAWG", "GLSDGEWQQVLNVWGK", "AQRFYCDNKWQLHPTE"];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "plm-loop-"));
}

/** the eight sequences as a FASTA file (the trainer holds one out for validation) */
const FASTA = (() => {
  const p = join(tmp(), "eight.fasta");
  writeFileSync(p, EIGHT.map((s, i) => `>s${i}\n${s}\n`).join(""));
  process.on("exit", () => rmSync(dirname(p), { recursive: true, force: true }));
  return p;
})();

/** a progress observer that stops the run after `steps` steps, as a kill would (no checkpoint for that step) */
function killAfter(steps: number): ProgressSink {
  return {
    update: (p) => {
      if (p.step === steps) throw new Error(`killed at step ${steps}`);
    },
    message: () => {},
    done: () => {},
  };
}

function tinyConfig(over: Record<string, unknown> = {}): TrainConfig {
  return parseTrainConfig({
    objective: "clm",
    model: { layers: 2, dModel: 32, heads: 4, ffn: 64, context: 64 },
    tokens: 64 * 4 * 12, batchTokens: 64 * 4, microBatchRows: 2,
    lr: { peak: 3e-3, warmupFraction: 0.1, minRatio: 0.1 },
    eval: { everySteps: 4, tokens: 128 }, checkpoint: { everySteps: 3, keep: 2 },
    data: { corpus: FASTA, seed: 3 }, seed: 3, threads: 1,
    ...over,
  });
}

test("a tiny CLM memorises its training sequences (loss on them → near 0; the held-out one stays high)", async () => {
  const out = join(tmp(), "run");
  const c = tinyConfig({ tokens: 64 * 4 * 150, lr: { peak: 1e-2, warmupFraction: 0.05, minRatio: 0.1 }, eval: { everySteps: 0, tokens: 256 }, checkpoint: { everySteps: 0, keep: 1 } });
  const r = await train(c, { out, quiet: true });
  assert.equal(r.D, 64 * 4 * 150);
  assert.equal(r.steps, 150);
  // the trained weights, evaluated from outside the loop on the training split the trainer drew from
  const { corpus, train: nTrain, valid: nValid } = await readFastaCorpus(FASTA, { validFraction: 0.02, seed: c.data.seed });
  assert.deepEqual([nTrain, nValid], [7, 1]);
  const m = createModel("clm", c.model);
  loadModelWeights(listCheckpoints(runPaths(out).checkpoints).at(-1)!.dir, m);
  const onTrain = evaluate(m, evalBatches(corpus, "train", { objective: "clm", context: 64, rows: 2, maxTokens: 10_000 }), "cpu", 2);
  m.dispose();
  // the first residue after <cls> is a 1-of-7 guess (ln 7 / ~18 tokens ≈ 0.11); everything else is memorised
  assert.ok(onTrain < 0.3, `loss on the training sequences ${onTrain}`);
  assert.ok(r.valLoss > 1, `the held-out sequence cannot be memorised: ${r.valLoss}`);
  rmSync(out, { recursive: true, force: true });
});

test("checkpoint round-trip is bit-exact (weights and AdamW moments)", async () => {
  const out = join(tmp(), "run");
  await train(tinyConfig({ tokens: 64 * 4 * 3 }), { out, quiet: true });
  const ck = listCheckpoints(runPaths(out).checkpoints)[0]!;
  const c = parseTrainConfig(JSON.parse(readFileSync(join(out, "config.json"), "utf8")));
  torch.manualSeed(123); // a different init, overwritten by the load
  const m = createModel("clm", c.model);
  const opt = new torch.AdamW([{ params: m.parameters().filter((p) => p.ndim >= 2), weightDecay: 0.01 }, { params: m.parameters().filter((p) => p.ndim < 2), weightDecay: 0 }]);
  loadModelWeights(ck.dir, m);
  loadOptimizerState(ck.dir, opt, "cpu");
  const again = tmp();
  writeTrainFiles(again, m, opt, { step: 3, tokens: 0, flops: 0, sampler: null, elapsed: 0, trainLoss: 0, objective: "clm", N: 0 }, c);
  for (const f of ["model.safetensors", "optimizer.safetensors"]) {
    assert.ok(readFileSync(join(ck.dir, f)).equals(readFileSync(join(again, f))), `${f} differs after a round trip`);
  }
  assert.equal(opt.stepCount, 3);
  m.dispose();
  opt.dispose();
  rmSync(out, { recursive: true, force: true });
});

test("resume after a kill (and past a corrupt checkpoint) matches the uninterrupted loss curve", async () => {
  const dir = tmp();
  const c = tinyConfig();
  await train(c, { out: join(dir, "a"), quiet: true });
  const full = readMetrics(runPaths(join(dir, "a")));
  // killed after 8 steps: checkpoints at 3 and 6; corrupt the one at 6 → resume from 3
  await assert.rejects(train(c, { out: join(dir, "b"), progress: killAfter(8) }), /killed at step 8/);
  const ck6 = join(dir, "b", "checkpoints", "step-00000006", "model.safetensors");
  const bytes = readFileSync(ck6);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(ck6, bytes);
  const msgs: string[] = [];
  const r = await train(null, { out: join(dir, "b"), resume: true, quiet: true, log: (m) => msgs.push(m) });
  assert.ok(msgs.some((m) => /skipping corrupt checkpoint .*step-00000006/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /resuming .* \(step 3\/12\)/.test(m)), msgs.join("\n"));
  const resumed = readMetrics(runPaths(join(dir, "b")));
  assert.deepEqual(resumed.map((m) => m.step), full.map((m) => m.step));
  for (let i = 0; i < full.length; i++) {
    assert.ok(Math.abs(resumed[i]!.trainLoss - full[i]!.trainLoss) < 1e-5, `step ${i + 1}: ${resumed[i]!.trainLoss} vs ${full[i]!.trainLoss}`);
  }
  const a = JSON.parse(readFileSync(join(dir, "a", "result.json"), "utf8"));
  assert.ok(Math.abs(r.valLoss - a.valLoss) < 1e-5);
  // resuming a finished run is a no-op that returns its result
  const again = await train(null, { out: join(dir, "b"), resume: true, quiet: true });
  assert.equal(again.valLoss, r.valLoss);
  rmSync(dir, { recursive: true, force: true });
});

test("transfer: an MLM starts from the CLM's weights one to one and records the source", async () => {
  const dir = tmp();
  await train(tinyConfig({ tokens: 64 * 4 * 3 }), { out: join(dir, "clm"), quiet: true });
  // a negligible LR and no decay: the transferred run's weights must still equal the source's
  const c = tinyConfig({
    objective: "mlm", tokens: 64 * 4 * 2, lr: { peak: 1e-12, warmupFraction: 0.05, minRatio: 0.1 },
    optimizer: { weightDecay: 0 }, init: { from: join(dir, "clm"), objective: "clm" },
  });
  const r = await train(c, { out: join(dir, "mlm"), quiet: true });
  assert.equal(r.objective, "mlm");
  assert.equal(r.init?.objective, "clm");
  assert.equal(r.init?.step, 3);
  assert.equal(r.init?.tokens, 64 * 4 * 3);
  assert.ok(r.init!.flops > 0 && r.init!.N === r.N);
  const src = torch.loadSafetensors(join(dir, "clm", "checkpoints", "step-00000003", "model.safetensors")).tensors;
  const dst = torch.loadSafetensors(join(dir, "mlm", "checkpoints", "step-00000002", "model.safetensors")).tensors;
  assert.deepEqual([...dst.keys()].sort(), [...src.keys()].sort());
  for (const [k, t] of src) {
    const diff = torch.tidy(() => t.sub(dst.get(k)!).abs().max().item());
    assert.ok(diff < 1e-8, `${k} moved by ${diff}`);
  }
  torch.dispose([...src.values(), ...dst.values()]);
  rmSync(dir, { recursive: true, force: true });
});

test("a run directory that already holds a run is refused; bad configs name the key", async () => {
  const dir = tmp();
  await train(tinyConfig({ tokens: 64 * 4 }), { out: join(dir, "r"), quiet: true });
  await assert.rejects(train(tinyConfig(), { out: join(dir, "r"), quiet: true }), /already holds a run/);
  assert.throws(() => resolveConfig(tinyConfig({ device: "cpu", dtype: "bfloat16" }), peakLrFor, 1), /bfloat16/);
  rmSync(dir, { recursive: true, force: true });
});

// npm run bench:train — CPU tokens/s of one MLM and one CLM training step (6 layers × 320, 20 heads, seq 512,
// packed Swiss-Prot rows) through plmscale versus the same model, batch and optimizer in PyTorch's Python API
// on the same libtorch (Debian python3-torch 1.13, bench/train_peer.py), in one run, alternating order.
// Env: BENCH_ROWS (rows per step, default 2), BENCH_STEPS (timed steps, default 2), BENCH_THREADS (default 1:
// the CI/dev machines are 2 shared cores, where two OpenMP threads per process collapse under contention).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/torch/index.js";
import { createModel } from "../src/model/index.js";
import { MemoryBatcher, type Batch } from "../src/train/batch.js";
import { readFastaSequences } from "../src/train/data-source.js";
import { trainStep, decayGroups } from "../src/train/step.js";
import type { ModelConfig, Objective } from "../src/train/config.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const ROWS = Number(process.env.BENCH_ROWS ?? 2), STEPS = Number(process.env.BENCH_STEPS ?? 2);
const THREADS = Number(process.env.BENCH_THREADS ?? 1), T = 512;
const SHAPE = { layers: 6, dModel: 320, heads: 20 };
const PY = process.env.BENCH_PYTHON ?? "/usr/bin/python3";

function ours(objective: Objective, batch: Batch): { tokensPerSecond: number; losses: number[] } {
  torch.setNumThreads(THREADS);
  torch.manualSeed(0);
  const cfg: ModelConfig = { ...SHAPE, ffn: 4 * SHAPE.dModel, vocab: 33, context: T, activation: "gelu", bias: true, dropout: 0 };
  const model = createModel(objective, cfg);
  const opt = new torch.AdamW(decayGroups(model, 0.01), { lr: 6e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8 });
  const params = model.parameters();
  const step = () => trainStep(model, opt, params, batch, { microRows: ROWS, device: "cpu", clip: 1 }).loss;
  step(); // warm-up
  const t0 = performance.now();
  const losses = Array.from({ length: STEPS }, step);
  const secs = (performance.now() - t0) / 1000;
  opt.dispose();
  model.dispose();
  return { tokensPerSecond: (ROWS * T * STEPS) / secs, losses };
}

function peer(objective: Objective, file: string): { tokensPerSecond: number; losses: number[]; torch: string } {
  const out = execFileSync(PY, [join(root, "bench", "train_peer.py"), "--batch", file, "--layers", String(SHAPE.layers), "--d", String(SHAPE.dModel),
    "--heads", String(SHAPE.heads), "--steps", String(STEPS), "--warmup", "1", "--threads", String(THREADS)], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!);
}

const dir = mkdtempSync(join(tmpdir(), "bench-train-"));
const seqs = readFastaSequences(join(root, "test", "fixtures", "swissprot-sample.fasta.gz"));
const results: Record<string, unknown>[] = [];
for (const objective of ["mlm", "clm"] as const) {
  const batch = new MemoryBatcher(seqs, { objective, context: T, maskProb: 0.15, seed: 1 }).next(ROWS);
  const file = join(dir, `${objective}.json`);
  writeFileSync(file, JSON.stringify({ objective, rows: batch.rows, context: T, input: [...batch.input], target: [...batch.target], position: [...batch.position], segment: [...batch.segment] }));
  // alternate order (ours, peer, peer, ours) and keep each side's best, so load drift hits both
  const o1 = ours(objective, batch), p1 = peer(objective, file), p2 = peer(objective, file), o2 = ours(objective, batch);
  const o = Math.max(o1.tokensPerSecond, o2.tokensPerSecond), p = Math.max(p1.tokensPerSecond, p2.tokensPerSecond);
  const r = {
    objective, shape: `${SHAPE.layers}x${SHAPE.dModel}h${SHAPE.heads}`, seq: T, rows: ROWS, threads: THREADS, realTokens: batch.realTokens,
    plmscaleTokensPerSecond: Math.round(o), pytorchTokensPerSecond: Math.round(p), ratio: +(o / p).toFixed(3),
    firstLoss: { plmscale: o1.losses[0], pytorch: p1.losses[0] }, torch: p1.torch,
  };
  results.push(r);
  console.error(`${objective}: plmscale ${r.plmscaleTokensPerSecond} tok/s, PyTorch ${r.pytorchTokensPerSecond} tok/s, ratio ${r.ratio}`);
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ bench: "train", results }, null, 1));

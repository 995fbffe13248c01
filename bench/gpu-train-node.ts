// plmscale's side of the GPU benchmark (bench/gpu-train.sh runs it after bench/gpu-train.py, on the device
// machine, with the addon built against that machine's CUDA PyTorch). For ESM-2 8M/35M/150M/650M shapes at
// seq 1024: (a) synthetic full-context rows (one sequence per row: unmasked fused attention), tokens/s and
// MFU; (b) packed Swiss-Prot rows (block-diagonal mask), non-padding tokens/s. bf16 autocast, fused AdamW.
// Prints one JSON document on stdout. Env: SIZES, WARMUP, ITERS, BUDGET (seconds, then sizes are skipped).
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import * as torch from "../src/torch/index.js";
import { createModel } from "../src/model/index.js";
import { packSequences, applyMlmMask, type Batch } from "../src/data/batch.js";
import { Rng } from "../src/core/random.js";
import { readFastaCorpus } from "../src/data/memory-corpus.js";
import { trainStep, decayGroups } from "../src/train/step.js";
import { nonEmbeddingParams } from "../src/scaling/shape.js";
import type { ModelConfig } from "../src/model/config.js";
import { trainingFlops } from "../src/scaling/compute.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const SHAPES: Record<string, [number, number, number]> = { "8M": [6, 320, 20], "35M": [12, 480, 20], "150M": [30, 640, 20], "650M": [33, 1280, 20] };
const ROWS: Record<string, number> = { "8M": 32, "35M": 32, "150M": 16, "650M": 8 }; // as bench/gpu-train.py
const T = 1024, PEAK = 989e12;
const sizes = (process.env.SIZES ?? "8M,35M,150M,650M").split(",");
const WARMUP = Number(process.env.WARMUP ?? 3), ITERS = Number(process.env.ITERS ?? 10), BUDGET = Number(process.env.BUDGET ?? 150);
// DEVICE=cpu ROWS=1 WARMUP=0 ITERS=1 SIZES=8M: a dry run of this script's code path on a machine without CUDA
const DEVICE = process.env.DEVICE ?? "cuda";
const sync = () => (DEVICE === "cuda" ? torch.cuda.synchronize() : undefined);

function synthetic(rows: number, seed: number): Batch {
  // one sequence per row filling the context; MLM-style 15% targets
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const n = rows * T, input = new Int32Array(n), target = new Int32Array(n).fill(-100), position = new Int32Array(n), segment = new Int32Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const t = i % T;
    input[i] = t === 0 ? 0 : t === T - 1 ? 2 : 4 + Math.floor(rnd() * 20);
    position[i] = t;
    if (t > 0 && t < T - 1 && rnd() < 0.15) (target[i] = input[i]!), (input[i] = 32), loss++;
  }
  return { rows, context: T, input, target, position, segment, realTokens: n, lossTokens: loss, sources: {} };
}

/** Packed rows by first-fit decreasing over a window of 8·rows sequences (residues cropped to T − 2), then MLM masking. */
function packedBatch(pool: Uint8Array[], start: number, rows: number, rng: Rng): Batch {
  const window = Array.from({ length: 8 * rows }, (_, i) => pool[(start + i) % pool.length]!.subarray(0, T - 2)).sort((a, b) => b.length - a.length);
  const bins: Uint8Array[][] = Array.from({ length: rows }, () => []);
  const room = new Array<number>(rows).fill(T);
  for (const s of window) {
    const L = s.length + 2, i = room.findIndex((r) => r >= L);
    if (i >= 0) bins[i]!.push(s), (room[i]! -= L);
  }
  const { batch } = packSequences(bins.flat(), rows, T);
  applyMlmMask(batch, rng, 0.15, [0.8, 0.1, 0.1]);
  return batch;
}

const t0 = performance.now();
const out: Record<string, unknown> = { impl: "plmscale", torch: torch.buildInfo(), cuda: torch.cuda.isAvailable(), results: [] as unknown[] };
const results = out.results as Record<string, unknown>[];
// every sequence of the sample (train and held-out splits), in a seeded shuffled order
const { corpus } = await readFastaCorpus(join(root, "test", "fixtures", "swissprot-sample.fasta.gz"), { validFraction: 0, seed: 0 });
const [all] = corpus.split("train");
const pool = Array.from({ length: all!.sequences }, (_, i) => corpus.residues(all!, i));
const shuffler = new Rng(0);
for (let i = pool.length - 1; i > 0; i--) {
  const j = shuffler.int(i + 1);
  [pool[i], pool[j]] = [pool[j]!, pool[i]!];
}
for (const size of sizes) {
  const [layers, dModel, heads] = SHAPES[size]!;
  const rows = Number(process.env.ROWS ?? ROWS[size]!);
  const cfg: ModelConfig = { layers, dModel, heads, ffn: 4 * dModel, vocab: 33, context: T, activation: "gelu", bias: true, dropout: 0 };
  const N = nonEmbeddingParams(cfg);
  for (const mode of ["synthetic", "swissprot"] as const) {
    const r: Record<string, unknown> = { size, impl: "plmscale", mode, N, rows };
    if ((performance.now() - t0) / 1000 > BUDGET) {
      results.push({ ...r, skipped: "time budget" });
      continue;
    }
    let model: ReturnType<typeof createModel> | null = null, opt: torch.AdamW | null = null;
    try {
      torch.manualSeed(0);
      model = createModel("mlm", cfg, DEVICE);
      if (DEVICE === "cuda") model.computeDtype = "bfloat16";
      opt = new torch.AdamW(decayGroups(model, 0.01), { lr: 6e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8 });
      const params = model.parameters();
      const rng = new Rng(1);
      const batches = mode === "synthetic" ? [synthetic(rows, 1), synthetic(rows, 2)] : [0, 1, 2, 3].map((k) => packedBatch(pool, k * 8 * rows, rows, rng));
      const step = (b: Batch) => trainStep(model!, opt!, params, b, { microRows: rows, device: DEVICE, clip: 1 });
      for (let i = 0; i < WARMUP; i++) step(batches[i % batches.length]!);
      sync();
      const s0 = performance.now();
      let real = 0;
      for (let i = 0; i < ITERS; i++) {
        const b = batches[i % batches.length]!;
        step(b);
        real += b.realTokens;
      }
      sync();
      const tps = real / ((performance.now() - s0) / 1000);
      Object.assign(r, { tokensPerSecond: tps, mfu: trainingFlops(N, tps) / PEAK, paddingFraction: 1 - batches.reduce((a, b) => a + b.realTokens, 0) / (batches.length * rows * T) });
      if (DEVICE === "cuda") r.memory = torch.cuda.memoryStats(0, true) as unknown;
      console.error(`${size} plmscale ${mode}: ${Math.round(tps).toLocaleString()} tok/s, MFU ${(trainingFlops(N, tps) / PEAK * 100).toFixed(1)}%`);
    } catch (e) {
      r.error = String((e as Error).message ?? e).slice(0, 500);
      console.error(`${size} plmscale ${mode}: FAILED ${r.error}`);
    } finally {
      opt?.dispose();
      model?.dispose();
      try {
        torch.cuda.emptyCache();
      } catch { /* CPU build */ }
    }
    results.push(r);
  }
}
out.wallSeconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify(out, null, 1));

// npm run bench:train — CPU tokens/s of one MLM and one CLM training step (6 layers × 320, 20 heads, seq 512,
// packed Swiss-Prot rows) through plmscale versus the same model, batch and optimizer in PyTorch's Python API
// on the same libtorch (Debian python3-torch 1.13, bench/train_peer.py), in one run, alternating order over
// rounds. `--json`: one JSON object on stdout whose `ratios` hold `mlm` and `clm` (plmscale ÷ PyTorch tokens
// per CPU-second, median over rounds; `ratiosMin` the worst round); progress goes to stderr.
// Env: BENCH_ROWS (rows per step, default 2), BENCH_STEPS (timed steps, default 2), BENCH_ROUNDS (default 2),
// BENCH_THREADS (default 1: the CI/dev machines are 2 shared cores, where two OpenMP threads per process
// collapse under contention), BENCH_PEER_MALLOC=default (peer on glibc's defaults instead of plmscale's settings).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/torch/index.js";
import { createModel } from "../src/model/index.js";
import { Sampler, readFastaCorpus, type Batch } from "../src/data/index.js";
import { trainStep, decayGroups } from "../src/train/step.js";
import type { ModelConfig } from "../src/model/config.js";
import type { Objective } from "../src/core/objective.js";
import { TUNED_MALLOC_ENV } from "../src/torch/allocator.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const ROWS = Number(process.env.BENCH_ROWS ?? 2), STEPS = Number(process.env.BENCH_STEPS ?? 2);
const THREADS = Number(process.env.BENCH_THREADS ?? 1), T = 512;
const SHAPE = { layers: 6, dModel: 320, heads: 20 };
const PY = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
// Like for like by default: the Python peer gets the glibc malloc settings the addon sets for plmscale (mmap
// threshold 32 MiB, trim threshold 1 GiB, no mmap; native/src/addon.cc), isolating the framework itself.
const peerTuned = process.env.BENCH_PEER_MALLOC !== "default";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const JSON_OUT = process.argv.includes("--json");
const peerEnv = peerTuned ? { ...process.env, ...TUNED_MALLOC_ENV } : process.env;

interface Side {
  tokensPerSecond: number;
  /** tokens per CPU-second of the whole process (robust when other processes share the cores) */
  tokensPerCpuSecond: number;
  losses: number[];
}

function ours(objective: Objective, batch: Batch): Side {
  torch.setNumThreads(THREADS);
  torch.manualSeed(0);
  const cfg: ModelConfig = { ...SHAPE, ffn: 4 * SHAPE.dModel, vocab: 33, context: T, activation: "gelu", bias: true, dropout: 0 };
  const model = createModel(objective, cfg);
  const opt = new torch.AdamW(decayGroups(model, 0.01), { lr: 6e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8 });
  const params = model.parameters();
  const step = () => trainStep(model, opt, params, batch, { microRows: ROWS, device: "cpu", clip: 1 }).loss;
  step(); // warm-up
  const t0 = performance.now(), c0 = process.cpuUsage();
  const losses = Array.from({ length: STEPS }, step);
  const secs = (performance.now() - t0) / 1000, cu = process.cpuUsage(c0);
  opt.dispose();
  model.dispose();
  return { tokensPerSecond: (ROWS * T * STEPS) / secs, tokensPerCpuSecond: (ROWS * T * STEPS) / ((cu.user + cu.system) / 1e6), losses };
}

function peer(objective: Objective, file: string): Side & { torch: string } {
  const out = execFileSync(PY, [join(root, "bench", "train_peer.py"), "--batch", file, "--layers", String(SHAPE.layers), "--d", String(SHAPE.dModel),
    "--heads", String(SHAPE.heads), "--steps", String(STEPS), "--warmup", "1", "--threads", String(THREADS)], { encoding: "utf8", env: peerEnv });
  return JSON.parse(out.trim().split("\n").pop()!);
}

const dir = mkdtempSync(join(tmpdir(), "bench-train-"));
const { corpus } = await readFastaCorpus(join(root, "test", "fixtures", "swissprot-sample.fasta.gz"), { validFraction: 0, seed: 0 });
const results: Record<string, unknown>[] = [];
const perRound: Record<Objective, number[]> = { mlm: [], clm: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const objective of ["mlm", "clm"] as const) {
    const batch = new Sampler(corpus, { split: "train", objective, context: T, rows: ROWS, seed: 1 }).next();
    const file = join(dir, `${objective}.json`);
    writeFileSync(file, JSON.stringify({ objective, rows: batch.rows, context: T, input: [...batch.input], target: [...batch.target], position: [...batch.position], segment: [...batch.segment] }));
    // alternate which side goes first, so slow drift of the machine's load does not favour one side
    const oursFirst = (round + (objective === "mlm" ? 0 : 1)) % 2 === 0;
    const [o, p] = oursFirst ? [ours(objective, batch), peer(objective, file)] : (([q, w]) => [w, q] as const)([peer(objective, file), ours(objective, batch)]);
    const r = {
      round, objective, shape: `${SHAPE.layers}x${SHAPE.dModel}h${SHAPE.heads}`, seq: T, rows: ROWS, threads: THREADS, realTokens: batch.realTokens,
      plmscale: { wall: Math.round(o.tokensPerSecond), cpu: Math.round(o.tokensPerCpuSecond) },
      pytorch: { wall: Math.round(p.tokensPerSecond), cpu: Math.round(p.tokensPerCpuSecond) },
      ratioCpu: +(o.tokensPerCpuSecond / p.tokensPerCpuSecond).toFixed(3), ratioWall: +(o.tokensPerSecond / p.tokensPerSecond).toFixed(3),
      firstLoss: { plmscale: o.losses[0], pytorch: p.losses[0] }, torch: (p as Side & { torch: string }).torch, malloc: process.env.PLMSCALE_MALLOC ?? "tuned", peerMalloc: peerTuned ? "tuned" : "default",
    };
    results.push(r);
    perRound[objective].push(r.ratioCpu);
    console.error(`round ${round + 1} ${objective}: plmscale ${r.plmscale.cpu} tok/CPU-s (${r.plmscale.wall} tok/s wall), PyTorch ${r.pytorch.cpu} (${r.pytorch.wall}), ratio ${r.ratioCpu} (wall ${r.ratioWall})`);
  }
}
rmSync(dir, { recursive: true, force: true });
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const ratios = { mlm: +median(perRound.mlm).toFixed(3), clm: +median(perRound.clm).toFixed(3) };
const ratiosMin = { mlm: Math.min(...perRound.mlm), clm: Math.min(...perRound.clm) };
const out = { bench: "train", unit: "plmscale ÷ PyTorch tokens per CPU-second (median over rounds)", ratios, ratiosMin, rounds: ROUNDS, results };
if (JSON_OUT) console.log(JSON.stringify(out));
else console.log(`bench:train ratios (median of ${ROUNDS} rounds): MLM ${ratios.mlm}, CLM ${ratios.clm}; worst round: MLM ${ratiosMin.mlm}, CLM ${ratiosMin.clm}`);

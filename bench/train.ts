// npm run bench:train — CPU tokens/s of one MLM and one CLM training step (6 layers × 320, 20 heads, seq 512,
// packed Swiss-Prot rows) through plmscale versus the same model, batch and optimizer in PyTorch's Python API
// on the same libtorch (Debian python3-torch 1.13, bench/train_peer.py), in one run, rotating the order over
// rounds. Packed rows attend within each sequence; each side runs both ways of doing it — spans (attention per
// sequence, no mask: plmscale's CPU default) and the dense block-diagonal mask — so the ratios pair like with
// like. `--json`: one JSON object on stdout whose `ratios` hold `mlm` and `clm` (plmscale ÷ PyTorch tokens per
// CPU-second, both with spans, median over rounds; `ratiosMin` / `ratiosMax` the worst / best round),
// `ratiosMask` the same with the dense mask on both sides and `ratiosVsMaskPeer` plmscale's default against
// the dense-mask peer; progress goes to stderr.
// Env: BENCH_ROWS (rows per step, default 2), BENCH_STEPS (timed steps, default 2), BENCH_ROUNDS (default 2),
// BENCH_THREADS (default 1: the CI/dev machines are 2 shared cores, where two OpenMP threads per process
// collapse under contention), BENCH_PEER_MALLOC=default (peer on glibc's defaults instead of plmscale's settings).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/torch/index.js";
import { createModel } from "../src/model/index.js";
import { Sampler, readFastaCorpus, type Batch } from "../src/data/index.js";
import { trainStep, decayGroups } from "../src/train/step.js";
import type { ModelConfig } from "../src/model/config.js";
import type { Objective } from "../src/core/objective.js";
import { TUNED_MALLOC_ENV } from "../src/torch/allocator.js";

if (process.argv.includes("--threads-sweep")) {
  (await import("./train-threads.js")).threadsSweep();
  process.exit(0);
}

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
// Same threads: torch.set_num_threads sets OpenMP only, while Debian's OpenBLAS (which runs the float32 GEMMs)
// sizes its own pool to all cores; plmscale's setNumThreads sets both, so the peer gets OPENBLAS_NUM_THREADS.
const peerEnv = { ...process.env, ...(peerTuned ? TUNED_MALLOC_ENV : {}), OPENBLAS_NUM_THREADS: String(THREADS) };

interface Side {
  tokensPerSecond: number;
  /** tokens per CPU-second of the whole process (robust when other processes share the cores) */
  tokensPerCpuSecond: number;
  losses: number[];
}

/** Attention for packed rows: "spans" (plmscale's CPU default: within each sequence, no mask) or "mask" (dense
 *  block-diagonal mask); both sides run both, so each pairing compares the same algorithm. */
type Attention = "spans" | "mask";

function ours(objective: Objective, batch: Batch, attention: Attention): Side {
  if (attention === "mask") process.env.PLMSCALE_SPAN_ATTENTION = "0";
  else delete process.env.PLMSCALE_SPAN_ATTENTION;
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

function peer(objective: Objective, file: string, attention: Attention): Side & { torch: string } {
  const out = execFileSync(PY, [join(root, "bench", "train_peer.py"), "--batch", file, "--layers", String(SHAPE.layers), "--d", String(SHAPE.dModel),
    "--heads", String(SHAPE.heads), "--steps", String(STEPS), "--warmup", "1", "--threads", String(THREADS), "--attention", attention], { encoding: "utf8", env: peerEnv });
  return JSON.parse(out.trim().split("\n").pop()!);
}

const dir = mkdtempSync(join(tmpdir(), "bench-train-"));
const { corpus } = await readFastaCorpus(join(root, "test", "fixtures", "swissprot-sample.fasta.gz"), { validFraction: 0, seed: 0 });
const results: Record<string, unknown>[] = [];
// per objective, per round: [plmscale spans ÷ PyTorch spans, plmscale mask ÷ PyTorch mask, plmscale spans ÷ PyTorch mask]
const PAIRS = { sameSpans: ["spans", "spans"], sameMask: ["mask", "mask"], spansVsMaskPeer: ["spans", "mask"] } as const;
type Pair = keyof typeof PAIRS;
const perRound: Record<Pair, Record<Objective, number[]>> = { sameSpans: { mlm: [], clm: [] }, sameMask: { mlm: [], clm: [] }, spansVsMaskPeer: { mlm: [], clm: [] } };
for (let round = 0; round < ROUNDS; round++) {
  for (const objective of ["mlm", "clm"] as const) {
    const batch = new Sampler(corpus, { split: "train", objective, context: T, rows: ROWS, seed: 1 }).next();
    const file = join(dir, `${objective}.json`);
    writeFileSync(file, JSON.stringify({ objective, rows: batch.rows, context: T, input: [...batch.input], target: [...batch.target], position: [...batch.position], segment: [...batch.segment] }));
    // rotate the order of the four runs over rounds, so slow drift of the machine's load favours no side
    const runs = [
      { side: "plmscale", attention: "spans" }, { side: "pytorch", attention: "spans" },
      { side: "plmscale", attention: "mask" }, { side: "pytorch", attention: "mask" },
    ] as const;
    const shift = (2 * round + (objective === "mlm" ? 0 : 1)) % runs.length;
    const got = new Map<string, Side & { torch?: string }>();
    for (const r of [...runs.slice(shift), ...runs.slice(0, shift)]) {
      got.set(`${r.side}/${r.attention}`, r.side === "plmscale" ? ours(objective, batch, r.attention) : peer(objective, file, r.attention));
    }
    const side = (s: string, a: Attention) => got.get(`${s}/${a}`)!;
    const rec: Record<string, unknown> = {
      round, objective, shape: `${SHAPE.layers}x${SHAPE.dModel}h${SHAPE.heads}`, seq: T, rows: ROWS, threads: THREADS, realTokens: batch.realTokens,
      torch: side("pytorch", "mask").torch, malloc: process.env.PLMSCALE_MALLOC ?? "tuned", peerMalloc: peerTuned ? "tuned" : "default",
    };
    for (const a of ["spans", "mask"] as const) {
      const o = side("plmscale", a), p = side("pytorch", a);
      rec[a] = { plmscale: { wall: Math.round(o.tokensPerSecond), cpu: Math.round(o.tokensPerCpuSecond) }, pytorch: { wall: Math.round(p.tokensPerSecond), cpu: Math.round(p.tokensPerCpuSecond) },
        firstLoss: { plmscale: o.losses[0], pytorch: p.losses[0] } };
    }
    for (const [pair, [a, b]] of Object.entries(PAIRS) as [Pair, readonly [Attention, Attention]][]) {
      const ratio = +(side("plmscale", a).tokensPerCpuSecond / side("pytorch", b).tokensPerCpuSecond).toFixed(3);
      perRound[pair][objective].push(ratio);
      rec[`ratio_${pair}`] = ratio;
    }
    results.push(rec);
    console.error(`round ${round + 1} ${objective}: tok/CPU-s plmscale spans ${Math.round(side("plmscale", "spans").tokensPerCpuSecond)}, mask ${Math.round(side("plmscale", "mask").tokensPerCpuSecond)}; ` +
      `PyTorch spans ${Math.round(side("pytorch", "spans").tokensPerCpuSecond)}, mask ${Math.round(side("pytorch", "mask").tokensPerCpuSecond)}; ` +
      `ratios same-spans ${rec.ratio_sameSpans}, same-mask ${rec.ratio_sameMask}, spans vs mask peer ${rec.ratio_spansVsMaskPeer}`);
  }
}
rmSync(dir, { recursive: true, force: true });
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const summary = (pair: Pair) => ({
  median: { mlm: +median(perRound[pair].mlm).toFixed(3), clm: +median(perRound[pair].clm).toFixed(3) },
  min: { mlm: Math.min(...perRound[pair].mlm), clm: Math.min(...perRound[pair].clm) },
  max: { mlm: Math.max(...perRound[pair].mlm), clm: Math.max(...perRound[pair].clm) },
});
const same = summary("sameSpans");
const out = {
  bench: "train",
  unit: "plmscale ÷ PyTorch tokens per CPU-second, median over rounds; `ratios`: both sides attend within each sequence (spans, plmscale's CPU default); `ratiosMask`: both with the dense block-diagonal mask; `ratiosVsMaskPeer`: plmscale's default against the PyTorch model with the dense mask",
  ratios: same.median, ratiosMin: same.min, ratiosMax: same.max,
  ratiosMask: summary("sameMask"), ratiosVsMaskPeer: summary("spansVsMaskPeer"),
  rounds: ROUNDS, threads: THREADS, loadAverage: +loadavg()[0]!.toFixed(2), results,
};
if (JSON_OUT) console.log(JSON.stringify(out));
else {
  const line = (name: string, r: ReturnType<typeof summary>) => `${name}: MLM ${r.median.mlm} [${r.min.mlm}, ${r.max.mlm}], CLM ${r.median.clm} [${r.min.clm}, ${r.max.clm}]`;
  console.log(`bench:train, plmscale ÷ PyTorch tokens per CPU-second, median [min, max] of ${ROUNDS} rounds`);
  console.log(line("  both attend within sequences (spans)", same));
  console.log(line("  both with the dense mask            ", summary("sameMask")));
  console.log(line("  plmscale spans vs PyTorch mask      ", summary("spansVsMaskPeer")));
}

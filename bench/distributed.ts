// npm run bench:distributed [-- --json] — data-parallel scaling on this CPU: tokens/s of one process with 2
// threads vs 2 ranks (`train --nproc 2`) with 1 thread each, same model, global batch and steps; and the
// communication time per step (gradient all-reduce incl. flatten/unflatten, rank 0) against a bare Gloo
// all-reduce of the same bytes through the addon and through PyTorch's Python API (bench/dist_peer.py, Debian
// python3-torch), all in this run. ZeRO-3 overlap: 2 ranks under --shard full with every collective waited at
// once (PLMSCALE_FSDP_OVERLAP=0, "before") and with prefetched gathers / reduce-scatters in flight ("after"),
// interleaved (before, after, before, after); the communication this thread still waits for per step, and the
// fraction hidden = 1 − after / before. Env: BENCH_STEPS (default 8), BENCH_SHAPE (default 4,256,8), BENCH_T (128).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(root, "dist/src/cli/main.js");
const STEPS = Number(process.env.BENCH_STEPS ?? 8), T = Number(process.env.BENCH_T ?? 128);
const SHAPE = (process.env.BENCH_SHAPE ?? "4,256,8").split(",").map(Number) as [number, number, number];
const ROWS = 16; // global rows per step
const PY = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const json = process.argv.includes("--json");
const dir = mkdtempSync(join(tmpdir(), "plm-bench-dist-"));

function train(name: string, extra: string[], env: Record<string, string> = {}): { tokensPerSecond: number; commSecondsPerStep?: number; stepSeconds: number } {
  const out = join(dir, name);
  const r = spawnSync(process.execPath, [MAIN, "train", "--objective", "mlm", "--shape", SHAPE.join(","), "--context", String(T),
    "--tokens", String(ROWS * T * STEPS), "--batch-tokens", String(ROWS * T), "--micro-rows", "4", "--seed", "1", "--eval-every", "0",
    "--eval-tokens", String(2 * T), "--checkpoint-every", "0", "--data", join(root, "test/fixtures/swissprot-sample.fasta.gz"),
    "--out", out, "--quiet", "--json", ...extra], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: extra[extra.indexOf("--threads") + 1]!, ...env } });
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
  const res = JSON.parse(r.stdout) as { commSecondsPerStep?: number };
  // steady state: drop the first step (warm-up) and the last (it includes the final evaluation)
  const m = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { time: number; tokens: number });
  const a = m[0]!, b = m[m.length - 2]!;
  const tps = (b.tokens - a.tokens) / (b.time - a.time);
  return { tokensPerSecond: tps, commSecondsPerStep: res.commSecondsPerStep, stepSeconds: (b.time - a.time) / (m.length - 2) };
}

async function addonAllReduce(numel: number, iters: number): Promise<number> {
  const { spawn } = await import("node:child_process");
  const store = join(dir, "store-addon");
  const worker = fileURLToPath(new URL("./dist-allreduce.js", import.meta.url));
  const outs = await Promise.all([0, 1].map((r) => new Promise<string>((res, rej) => {
    const c = spawn(process.execPath, [worker, String(r), String(numel), String(iters), store], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, OMP_NUM_THREADS: "1" } });
    let s = "";
    c.stdout.setEncoding("utf8").on("data", (d: string) => (s += d));
    c.on("close", (code) => (code === 0 ? res(s) : rej(new Error(`addon all-reduce rank ${r} exited ${code}`))));
  })));
  return (JSON.parse(outs[0]!) as { seconds: number }).seconds;
}

function pythonAllReduce(numel: number, iters: number): number | null {
  const r = spawnSync(PY, [join(root, "bench/dist_peer.py"), String(numel), String(iters), join(dir, "store-py")], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });
  if (r.status !== 0) {
    console.error(`python peer unavailable: ${r.stderr.trim().split("\n").at(-1)}`);
    return null;
  }
  return (JSON.parse(r.stdout) as { seconds: number }).seconds;
}

try {
  const [L, d] = SHAPE;
  const one = train("one", ["--threads", "2"]);
  const oneOne = train("one-1t", ["--threads", "1"]);
  const two = train("two", ["--nproc", "2", "--threads", "1"]);
  // every parameter's gradient is all-reduced: Ntotal elements of float32
  const numel = Number(JSON.parse(readFileSync(join(dir, "two", "result.json"), "utf8")).Ntotal);
  const addon = await addonAllReduce(numel, 20);
  const python = pythonAllReduce(numel, 20);
  const full = (overlap: boolean, k: number) => train(`full-${overlap ? "on" : "off"}-${k}`, ["--nproc", "2", "--threads", "1", "--shard", "full"], { PLMSCALE_FSDP_OVERLAP: overlap ? "1" : "0" });
  const runs = [full(false, 0), full(true, 0), full(false, 1), full(true, 1)];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const before = { commSecondsPerStep: mean([runs[0]!, runs[2]!].map((r) => r.commSecondsPerStep ?? NaN)), stepSeconds: mean([runs[0]!, runs[2]!].map((r) => r.stepSeconds)) };
  const after = { commSecondsPerStep: mean([runs[1]!, runs[3]!].map((r) => r.commSecondsPerStep ?? NaN)), stepSeconds: mean([runs[1]!, runs[3]!].map((r) => r.stepSeconds)) };
  const zero3Overlap = { before, after, hiddenFraction: 1 - after.commSecondsPerStep / before.commSecondsPerStep, stepRatio: after.stepSeconds / before.stepSeconds,
    runs: runs.map((r, i) => ({ overlap: i % 2 === 1, commSecondsPerStep: r.commSecondsPerStep ?? null, stepSeconds: r.stepSeconds })) };
  const result = {
    shape: { layers: L, dModel: d, heads: SHAPE[2] }, context: T, globalRows: ROWS, steps: STEPS, params: numel,
    oneRankTwoThreads: one.tokensPerSecond, twoRanksOneThread: two.tokensPerSecond, ratio: two.tokensPerSecond / one.tokensPerSecond,
    oneRankOneThread: oneOne.tokensPerSecond, ratioToOneThread: two.tokensPerSecond / oneOne.tokensPerSecond,
    stepSeconds: { oneRankTwoThreads: one.stepSeconds, oneRankOneThread: oneOne.stepSeconds, twoRanksOneThread: two.stepSeconds },
    commSecondsPerStep: two.commSecondsPerStep ?? null, gradBytes: numel * 4,
    allReduceSeconds: { addon, python }, zero3Overlap,
  };
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`model ${SHAPE.join(",")} T=${T}, ${ROWS} global rows/step, ${numel} parameters (${(numel * 4 / 1e6).toFixed(2)} MB of gradients)`);
    console.log(`1 rank x 2 threads: ${one.tokensPerSecond.toFixed(0)} tokens/s; 2 ranks x 1 thread: ${two.tokensPerSecond.toFixed(0)} tokens/s (ratio ${result.ratio.toFixed(2)})`);
    console.log(`1 rank x 1 thread: ${oneOne.tokensPerSecond.toFixed(0)} tokens/s (2 ranks / this: ${result.ratioToOneThread.toFixed(2)})`);
    console.log(`DDP communication per step (rank 0): ${((two.commSecondsPerStep ?? NaN) * 1000).toFixed(1)} ms of ${(two.stepSeconds * 1000).toFixed(0)} ms`);
    console.log(`ZeRO-3 communication waited for per step: ${(before.commSecondsPerStep * 1000).toFixed(1)} ms without overlap, ${(after.commSecondsPerStep * 1000).toFixed(1)} ms with (hidden ${(100 * zero3Overlap.hiddenFraction).toFixed(0)}%); step ${(before.stepSeconds * 1000).toFixed(0)} → ${(after.stepSeconds * 1000).toFixed(0)} ms`);
    console.log(`bare Gloo all-reduce of the same bytes: addon ${(addon * 1000).toFixed(2)} ms, PyTorch Python ${python === null ? "n/a" : (python * 1000).toFixed(2) + " ms"}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

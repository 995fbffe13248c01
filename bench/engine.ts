// bench:engine — the engine against PyTorch's Python API on the same libtorch (Debian python3-torch), in one run:
//   (a) per-call overhead of a tiny op (aten::add of two 1-element tensors), µs/call;
//   (b) one training step of a 4-layer transformer stack (d=256, 8 heads, FFN 1024, vocab 33, seq 256,
//       batch 16, causal attention, cross entropy, global-norm clipping, AdamW), tokens/s;
// each with glibc malloc's default thresholds and with the raised thresholds plmscale sets at load (DESIGN §7).
// Rounds alternate between the peers (the machine may be shared) and the best round of each is reported.
// Env: BENCH_THREADS (default: all cores), BENCH_STEPS (timed steps per round, default 3), BENCH_ROUNDS (default 2),
//      BENCH_CALLS (overhead calls, default 200000; far fewer measure GC pauses and JIT tiering, not the steady
//      state), BENCH_NO_WRITE=1 (do not update docs/BENCHMARKS.md).
// `--json`: one JSON object on stdout whose `ratios` hold perCallTopLevel and perCallInScope (plmscale µs ÷
// PyTorch µs, best round each; lower is better) and step (plmscale ÷ PyTorch tokens per CPU-second, both under
// the same malloc settings; higher is better); `ratiosMedian` the same over each peer's median round;
// `ratiosSpread` min / median / max of the per-round ratios (round r of one side against round r of the other).
import { spawnSync } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tcmallocPath, TUNED_MALLOC_ENV } from "../src/torch/allocator.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const PY = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const threads = Number(process.env.BENCH_THREADS ?? availableParallelism());
const steps = Number(process.env.BENCH_STEPS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const calls = Number(process.env.BENCH_CALLS ?? 200000);
// glibc's tunables for the Python side: the same values the addon sets with mallopt()
const TUNED_ENV = TUNED_MALLOC_ENV;
const JSON_OUT = process.argv.includes("--json");

type Result = Record<string, number | string | boolean>;

// Same threads on both sides: torch.set_num_threads sets OpenMP only, while Debian's OpenBLAS (the float32
// GEMMs) sizes its own pool to all cores; plmscale's setNumThreads sets both, so every process gets
// OPENBLAS_NUM_THREADS too (a no-op for plmscale, the Python peer's equivalent of it).
function run(cmd: string, args: string[], env: Record<string, string>): Result {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), ...env }, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  const line = r.stdout.trim().split("\n").at(-1)!;
  return JSON.parse(line) as Result;
}

const peers = {
  "plmscale (tuned malloc)": (mode: string, n: number) => run(process.execPath, ["dist/bench/engine-worker.js", mode, String(n), String(threads)], {}),
  "plmscale (default malloc)": (mode: string, n: number) => run(process.execPath, ["dist/bench/engine-worker.js", mode, String(n), String(threads)], { PLMSCALE_MALLOC: "default" }),
  "PyTorch (default malloc)": (mode: string, n: number) => run(PY, ["bench/engine_peer.py", mode, String(n), String(threads)], {}),
  "PyTorch (tuned malloc)": (mode: string, n: number) => run(PY, ["bench/engine_peer.py", mode, String(n), String(threads)], TUNED_ENV),
  "plmscale (tcmalloc)": (mode: string, n: number) => run(process.execPath, ["dist/bench/engine-worker.js", mode, String(n), String(threads)], { LD_PRELOAD: TCMALLOC, PLMSCALE_MALLOC: "default" }),
  "PyTorch (tcmalloc)": (mode: string, n: number) => run(PY, ["bench/engine_peer.py", mode, String(n), String(threads)], { LD_PRELOAD: TCMALLOC }),
};
const TCMALLOC = tcmallocPath() ?? "";
type Peer = keyof typeof peers;

function medianOf(results: Result[], key: string): number {
  const xs = results.map((r) => Number(r[key])).sort((a, b) => a - b);
  return xs.length % 2 ? xs[(xs.length - 1) / 2]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2;
}

function spread(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { min: +s[0]!.toFixed(3), median: +median.toFixed(3), max: +s.at(-1)!.toFixed(3) };
}

function best(results: Result[], key: string, higher: boolean): Result {
  return results.reduce((a, b) => ((higher ? Number(b[key]) > Number(a[key]) : Number(b[key]) < Number(a[key])) ? b : a));
}

function main(): void {
  if (!existsSync(PY)) throw new Error(`${PY} not found (Debian python3-torch is the peer)`);
  const torchVersion = spawnSync(PY, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" }).stdout.trim();
  console.error(`bench:engine: threads ${threads}, ${rounds} rounds, ${steps} timed steps per round, PyTorch ${torchVersion}`);
  const overhead = new Map<Peer, Result[]>(), step = new Map<Peer, Result[]>();
  const names = (Object.keys(peers) as Peer[]).filter((p) => TCMALLOC || !p.includes("tcmalloc"));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const p of order) {
      const o = peers[p]("overhead", calls);
      overhead.set(p, [...(overhead.get(p) ?? []), o]);
      console.error(`  round ${r + 1} ${p}: overhead ${JSON.stringify(o)}`);
    }
    for (const p of order) {
      const s = peers[p]("step", steps);
      step.set(p, [...(step.get(p) ?? []), s]);
      console.error(`  round ${r + 1} ${p}: step ${JSON.stringify(s)}`);
    }
  }
  const ov = (p: Peer) => best(overhead.get(p)!, "usPerCall", false);
  const st = (p: Peer) => best(step.get(p)!, "tokensPerCpuSecond", true);
  const tsT = st("plmscale (tuned malloc)"), tsD = st("plmscale (default malloc)");
  const pyD = st("PyTorch (default malloc)"), pyT = st("PyTorch (tuned malloc)");
  const f = (x: unknown, d = 2) => Number(x).toFixed(d);
  const tcRatio = TCMALLOC
    ? `With tcmalloc (LD_PRELOAD ${TCMALLOC}) on both sides: plmscale/PyTorch = **${f(Number(st("plmscale (tcmalloc)").tokensPerCpuSecond) / Number(st("PyTorch (tcmalloc)").tokensPerCpuSecond))}×** per CPU second, ${f(Number(st("plmscale (tcmalloc)").tokensPerSecond) / Number(st("PyTorch (tcmalloc)").tokensPerSecond))}× wall.`
    : "tcmalloc not installed: no tcmalloc rows.";
  const rows = names.map((p) => {
    const o = ov(p), s = st(p);
    const scoped = o.scopedUsPerCall !== undefined ? f(o.scopedUsPerCall) : "–";
    return `| ${p} | ${f(o.usPerCall)} | ${scoped} | ${f(s.cpuSeconds, 2)} | ${f(s.tokensPerCpuSecond, 0)} | ${f(s.stepSeconds, 2)} | ${f(s.tokensPerSecond, 0)} |`;
  });
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  const section = [
    "## bench:engine",
    "",
    "Method: `npm run bench:engine` (bench/engine.ts) spawns one process per measurement and alternates the peers",
    "over rounds; the best round of each peer is reported. Times are **CPU time** of the process (user + system, all",
    "threads): on a shared machine wall time swung 2× between identical runs, CPU time far less. (a) per-call overhead:",
    "`aten::add` of two 1-element float tensors, freed after each call (plmscale: `a.add(b).dispose()` at top level;",
    "'in scope': the same op inside `tidy`, released at scope end — the training-step path; Python: `torch.add(a, b)`;" +
    " each path after 100k warm-up calls on both sides).",
    "(b) one training step of a 4-layer pre-LN transformer stack (d=256, 8 heads, FFN 1024 GELU, vocab 33, seq 256,",
    "batch 16, causal attention, cross entropy, clip 1.0, AdamW foreach) written identically in bench/engine-worker.ts",
    "and bench/engine_peer.py; median of the timed steps after one warm-up step. 'tuned malloc' = mmap threshold",
    "32 MiB, trim threshold 1 GiB, no mmap (M_MMAP_MAX 0) (the addon's mallopt() at load; glibc env tunables for Python); 'tcmalloc' =",
    "LD_PRELOAD of Debian's libtcmalloc-minimal4. The forward pass runs in its own `tidy` so activations are freed",
    "during backward, as in Python. Buffers above 32 MiB (here the [16, 8, 256, 256] attention scores) were mmapped",
    "and page-faulted in afresh on every use until the addon also set M_MMAP_MAX=0 (issue 14); the Python peer's",
    "'tuned' row gets the same three settings. src/torch/allocator.ts offers a tcmalloc preload for launchers.",
    "The `--json` ratios pair peers under the same malloc settings (plmscale's default 'tuned' against PyTorch 'tuned').",
    "",
    `Run ${date} UTC on ${cpus()[0]?.model ?? "?"} (${availableParallelism()} cores), ${threads} intra-op thread(s),`,
    `libtorch ${torchVersion} (Debian), ${rounds} rounds × ${steps} steps, attention: ${tsT.attention}, optimizer: ${tsT.optimizer}.`,
    "",
    "| peer | µs/call (top level) | µs/call (in scope) | step CPU s | tokens/CPU s | step wall s | tokens/s (wall) |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Ratios (tokens per CPU second): step throughput plmscale/PyTorch = **${f(Number(tsT.tokensPerCpuSecond) / Number(pyD.tokensPerCpuSecond))}×** (plmscale tuned vs PyTorch default),`,
    `${f(Number(tsD.tokensPerCpuSecond) / Number(pyD.tokensPerCpuSecond))}× (both default malloc), ${f(Number(tsT.tokensPerCpuSecond) / Number(pyT.tokensPerCpuSecond))}× (both tuned);`,
    `malloc tuning speed-up for plmscale: ${f(Number(tsT.tokensPerCpuSecond) / Number(tsD.tokensPerCpuSecond))}×, for PyTorch: ${f(Number(pyT.tokensPerCpuSecond) / Number(pyD.tokensPerCpuSecond))}×.`,
    tcRatio,
    `Per-call overhead plmscale/PyTorch, both tuned: ${f(Number(ov("plmscale (tuned malloc)").usPerCall) / Number(ov("PyTorch (tuned malloc)").usPerCall))}× at top level,`,
    `${f(Math.min(...overhead.get("plmscale (tuned malloc)")!.map((o) => Number(o.scopedUsPerCall))) / Number(ov("PyTorch (tuned malloc)").usPerCall))}× in scope` +
      (TCMALLOC ? `; both on tcmalloc: ${f(Number(ov("plmscale (tcmalloc)").usPerCall) / Number(ov("PyTorch (tcmalloc)").usPerCall))}× at top level.` : "."),
    "",
  ].join("\n");
  // like for like: both sides under the same malloc settings (plmscale's own default, 'tuned', against PyTorch
  // with the same glibc settings); the other pairings are in extraRatios
  const PT = "PyTorch (tuned malloc)" as Peer, PS = "plmscale (tuned malloc)" as Peer;
  const r3 = (x: number) => +x.toFixed(3);
  const minOf = (p: Peer, key: string) => Math.min(...overhead.get(p)!.map((o) => Number(o[key])));
  const pair = (ours: Peer, theirs: Peer) => ({
    perCallTopLevel: r3(minOf(ours, "usPerCall") / minOf(theirs, "usPerCall")),
    perCallInScope: r3(minOf(ours, "scopedUsPerCall") / minOf(theirs, "usPerCall")),
    step: r3(Number(st(ours).tokensPerCpuSecond) / Number(st(theirs).tokensPerCpuSecond)),
  });
  const json = {
    bench: "engine",
    unit: "perCall*: plmscale µs ÷ PyTorch µs (lower is better); step: plmscale ÷ PyTorch tokens per CPU-second (higher is better); best round of each peer",
    ratios: pair(PS, PT),
    ratiosMedian: {
      perCallTopLevel: r3(medianOf(overhead.get(PS)!, "usPerCall") / medianOf(overhead.get(PT)!, "usPerCall")),
      perCallInScope: r3(medianOf(overhead.get(PS)!, "scopedUsPerCall") / medianOf(overhead.get(PT)!, "usPerCall")),
      step: r3(medianOf(step.get(PS)!, "tokensPerCpuSecond") / medianOf(step.get(PT)!, "tokensPerCpuSecond")),
    },
    // round r of plmscale against round r of PyTorch: how far the ratios swing on this machine
    ratiosSpread: {
      perCallTopLevel: spread(overhead.get(PS)!.map((o, i) => Number(o.usPerCall) / Number(overhead.get(PT)![i]!.usPerCall))),
      perCallInScope: spread(overhead.get(PS)!.map((o, i) => Number(o.scopedUsPerCall) / Number(overhead.get(PT)![i]!.usPerCall))),
      step: spread(step.get(PS)!.map((o, i) => Number(o.tokensPerCpuSecond) / Number(step.get(PT)![i]!.tokensPerCpuSecond))),
    },
    extraRatios: {
      bothDefaultMalloc: pair("plmscale (default malloc)", "PyTorch (default malloc)"),
      tunedVsPyTorchDefaultMalloc: pair(PS, "PyTorch (default malloc)"),
      ...(TCMALLOC ? { bothTcmalloc: pair("plmscale (tcmalloc)", "PyTorch (tcmalloc)") } : {}),
    },
    threads, rounds, steps, calls, torch: torchVersion, loadAverage: +loadavg()[0]!.toFixed(2),
    runs: Object.fromEntries(names.map((p) => [p, { overhead: overhead.get(p), step: step.get(p) }])),
  };
  if (JSON_OUT) {
    console.error(section);
    console.log(JSON.stringify(json));
  } else console.log(section);
  if (!process.env.BENCH_NO_WRITE) writeSection(section);
}

function writeSection(section: string): void {
  const path = `${root}docs/BENCHMARKS.md`;
  let doc = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n\nFigures written by the `npm run bench:*` scripts; one section per benchmark.\n\n";
  const start = doc.indexOf("## bench:engine");
  if (start >= 0) {
    const next = doc.indexOf("\n## ", start + 1);
    doc = doc.slice(0, start) + section.trimEnd() + "\n\n" + (next >= 0 ? doc.slice(next + 1) : "");
  } else doc = doc.trimEnd() + "\n\n" + section;
  writeFileSync(path, doc);
  console.error(`bench:engine: wrote the '## bench:engine' section of docs/BENCHMARKS.md`);
}

main();

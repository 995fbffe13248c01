// bench:fit — parametric fit L(N,D) = E + A/N^α + B/D^β with 1,000 bootstrap resamples on 300 runs.
// Measured: the worker-thread bootstrap against its peer in the same process, the same fit and resamples on
// the main thread alone. Target (issue 3): under 30 s on 2 cores.
// `--json`: one JSON object on stdout (progress lines go to stderr) whose `ratios` hold `mainThreadOverWorkers`
// and `mainThreadOverDefault` (peer's seconds ÷ plmscale's, higher is better) — the peer is the same fit on the
// main thread in the same process, so the ratio measures the thread pool, not a foreign implementation.
import { availableParallelism, loadavg } from "node:os";
import { fitParametricParallel } from "../src/scaling/bootstrap-pool.js";
import { fitParametric, type ParametricFit } from "../src/scaling/parametric.js";
import { logspace, syntheticIsoflop } from "../src/scaling/synthetic.js";

const TRUE = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const RESAMPLES = Number(process.env.RESAMPLES ?? 1000);
const rows = syntheticIsoflop({ law: TRUE, budgets: logspace(1e17, 1e21, 12), sizes: 25, sigma: 0.005, seed: 1 });
const workers = Number(process.env.WORKERS ?? availableParallelism());
const JSON_OUT = process.argv.includes("--json");
/** human-readable lines: stdout normally, stderr under --json so stdout holds only the JSON object */
const say = (line: string) => (JSON_OUT ? console.error(line) : console.log(line));
const round = (x: number, digits = 4) => +x.toFixed(digits);
const summary = (f: ParametricFit, ms: number) => ({
  seconds: round(ms / 1000, 3),
  fit: { alpha: f.alpha, beta: f.beta, E: f.E, a: f.a },
  ci: f.ci,
  failedResamples: f.bootstrap!.failed,
});

function show(label: string, f: ParametricFit, ms: number): void {
  const ci = (k: keyof NonNullable<ParametricFit["ci"]>) => { const i = f.ci![k]; return i ? `[${i.lo.toFixed(4)}, ${i.hi.toFixed(4)}]` : "[none]"; };
  say(`${label.padEnd(28)} ${(ms / 1000).toFixed(2).padStart(7)} s   α=${f.alpha.toFixed(4)} ${ci("alpha")}  β=${f.beta.toFixed(4)} ${ci("beta")}  E=${f.E.toFixed(4)} ${ci("E")}  a=${f.a.toFixed(4)} ${ci("a")}  failed=${f.bootstrap!.failed}`);
}

say(`bench:fit — ${rows.length} runs, ${RESAMPLES} bootstrap resamples, ${workers} worker(s), ${availableParallelism()} cores, node ${process.version}`);
say(`truth: α=${TRUE.alpha} β=${TRUE.beta} E=${TRUE.E} a=${(TRUE.beta / (TRUE.alpha + TRUE.beta)).toFixed(4)}`);
// warm-up so that neither contender pays the JIT's first compile of the objective and L-BFGS
fitParametric(syntheticIsoflop({ law: TRUE, sigma: 0.005, seed: 99 }), { bootstrap: 20 });
let t = performance.now();
const par = await fitParametricParallel(rows, { bootstrap: RESAMPLES, seed: 0, workers });
const tPar = performance.now() - t;
show(`worker threads (${workers})`, par, tPar);
t = performance.now();
const auto = await fitParametricParallel(rows, { bootstrap: RESAMPLES, seed: 0 });
const tAuto = performance.now() - t;
show("default (plmscale fit)", auto, tAuto);
t = performance.now();
const ser = fitParametric(rows, { bootstrap: RESAMPLES, seed: 0 });
const tSer = performance.now() - t;
show("main thread (peer)", ser, tSer);
const same = JSON.stringify(par.ci) === JSON.stringify(ser.ci);
say(`speed-up ×${(tSer / tPar).toFixed(2)}; intervals identical: ${same}; target < 30 s: ${tPar < 30_000 ? "met" : "MISSED"}`);
if (!same) process.exitCode = 1;

const out: Record<string, unknown> = {
  bench: "fit",
  unit: "ratios: the main-thread peer's seconds ÷ plmscale's (higher is better); seconds are wall time",
  peer: "the identical fit and resamples on the main thread of this process; no external implementation (R/Python) is run, so no cross-implementation ratio is claimed",
  runs: rows.length, resamples: RESAMPLES, workers, cores: availableParallelism(), node: process.version,
  loadAverage: round(loadavg()[0]!, 2),
  ratios: { mainThreadOverWorkers: round(tSer / tPar, 3), mainThreadOverDefault: round(tSer / tAuto, 3) },
  targetUnder30s: tPar < 30_000 && tAuto < 30_000,
  intervalsIdentical: same,
  truth: TRUE,
  workerThreads: summary(par, tPar), default: summary(auto, tAuto), mainThread: summary(ser, tSer),
};

// Recovery over seeds (the check at full size): 9 budgets × 13 sizes, σ = 0.005, medians over seeds.
const SEEDS = Number(process.env.RECOVERY_SEEDS ?? 20);
if (SEEDS > 0) {
const med = (xs: number[]) => { const s = [...xs].sort((p, q) => p - q); const h = (s.length - 1) / 2; return (s[Math.floor(h)]! + s[Math.ceil(h)]!) / 2; };
const fits: ParametricFit[] = [];
const moved: number[] = [];
t = performance.now();
for (let seed = 1; seed <= SEEDS; seed++) {
  const grid = syntheticIsoflop({ law: TRUE, sigma: 0.005, seed });
  const f = fitParametric(grid);
  fits.push(f);
  const dirty = fitParametric(grid.map((r, i) => (i % 29 === 5 ? { ...r, loss: r.loss * 1.3 } : r)));
  moved.push(Math.max(Math.abs(dirty.alpha - f.alpha), Math.abs(dirty.beta - f.beta)));
}
const exact = fitParametric(syntheticIsoflop({ law: TRUE, sigma: 0 }));
const maxRel = Math.max(...(["E", "A", "B", "alpha", "beta"] as const).map((k) => Math.abs(exact[k] / TRUE[k] - 1)));
say(`recovery, ${SEEDS} seeds of a 9×13 grid at σ=0.005 (${((performance.now() - t) / 1000).toFixed(1)} s):`);
const medianError: Record<string, number> = {};
for (const k of ["E", "A", "B", "alpha", "beta", "a"] as const) {
  const truth = k === "a" ? TRUE.beta / (TRUE.alpha + TRUE.beta) : TRUE[k];
  const m = med(fits.map((f) => f[k]));
  medianError[k] = m - truth;
  say(`  ${k.padEnd(5)} truth ${truth.toPrecision(5).padStart(8)}  median ${m.toPrecision(5).padStart(8)}  error ${(m - truth).toPrecision(3)}`);
}
out.recovery = { seeds: SEEDS, medianError, noiseFreeMaxRelativeError: maxRel, outlierExponentShift: { median: med(moved), max: Math.max(...moved) } };
say(`  noise-free: max relative error over E, A, B, α, β = ${maxRel.toExponential(2)}`);
say(`  4 outliers ×1.3: exponents moved by median ${med(moved).toFixed(4)}, max ${Math.max(...moved).toFixed(4)}`);
}
if (JSON_OUT) console.log(JSON.stringify(out));

// bench:fit — parametric fit L(N,D) = E + A/N^α + B/D^β with 1,000 bootstrap resamples on 300 runs.
// Measured: the worker-thread bootstrap against its peer in the same process, the same fit and resamples on
// the main thread alone. Target (issue 3): under 30 s on 2 cores.
import { availableParallelism } from "node:os";
import { fitParametricParallel } from "../src/scaling/bootstrap-pool.js";
import { fitParametric, type ParametricFit } from "../src/scaling/parametric.js";
import { logspace, syntheticIsoflop } from "../src/scaling/synthetic.js";

const TRUE = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const RESAMPLES = Number(process.env.RESAMPLES ?? 1000);
const rows = syntheticIsoflop({ law: TRUE, budgets: logspace(1e17, 1e21, 12), sizes: 25, sigma: 0.005, seed: 1 });
const workers = Number(process.env.WORKERS ?? availableParallelism());

function show(label: string, f: ParametricFit, ms: number): void {
  const ci = (k: keyof NonNullable<ParametricFit["ci"]>) => `[${f.ci![k].lo.toFixed(4)}, ${f.ci![k].hi.toFixed(4)}]`;
  console.log(`${label.padEnd(28)} ${(ms / 1000).toFixed(2).padStart(7)} s   α=${f.alpha.toFixed(4)} ${ci("alpha")}  β=${f.beta.toFixed(4)} ${ci("beta")}  E=${f.E.toFixed(4)} ${ci("E")}  a=${f.a.toFixed(4)} ${ci("a")}  failed=${f.bootstrap!.failed}`);
}

console.log(`bench:fit — ${rows.length} runs, ${RESAMPLES} bootstrap resamples, ${workers} worker(s), ${availableParallelism()} cores, node ${process.version}`);
console.log(`truth: α=${TRUE.alpha} β=${TRUE.beta} E=${TRUE.E} a=${(TRUE.beta / (TRUE.alpha + TRUE.beta)).toFixed(4)}`);
let t = performance.now();
const par = await fitParametricParallel(rows, { bootstrap: RESAMPLES, seed: 0, workers });
const tPar = performance.now() - t;
show(`worker threads (${workers})`, par, tPar);
t = performance.now();
const ser = fitParametric(rows, { bootstrap: RESAMPLES, seed: 0 });
const tSer = performance.now() - t;
show("main thread (peer)", ser, tSer);
const same = JSON.stringify(par.ci) === JSON.stringify(ser.ci);
console.log(`speed-up ×${(tSer / tPar).toFixed(2)}; intervals identical: ${same}; target < 30 s: ${tPar < 30_000 ? "met" : "MISSED"}`);
if (!same) process.exitCode = 1;

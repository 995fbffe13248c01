// The demo: Swiss-Prot corpus → CLM and MLM IsoFLOP sweeps sized to the machine → fit → report → the fitted
// exponents beside the paper's. Every heavy step runs as a child `plmscale` process (isolation, clean Ctrl-C);
// each finished step is skipped when the demo is run again on the same --out, so an interrupted demo resumes.
// An application (src/app/): it orchestrates sweep/ and report/, so it sits above both.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildReport } from "../report/build.js";
import { corpusTrainTokens } from "../sweep/centre.js";
import { DEMO_TOKENS_PER_PARAM, demoGrid, speedFromMeasurements, steadyTokensPerSecond, type SpeedModel } from "./demo-grid.js";
import { designSweep, pointRun, TINY_SHAPES } from "../sweep/design.js";
import { trainConfigFor } from "../train/config-for.js";
import { runSweep, type SweepRunSummary } from "../sweep/adaptive-run.js";
import { fitSweep, type SweepFit } from "../sweep/fit.js";
import { readJson, writeJsonAtomic } from "../core/files.js";
import { DESIGN_FILE, readDesign, writeSweep } from "../sweep/layout.js";
import type { TrainDefaults } from "../sweep/types.js";
import { tokensForFlops, trainingFlops } from "../scaling/compute.js";

export interface DemoOptions {
  out: string;
  quick: boolean;
  /** minutes the whole demo should take (default 30; quick ignores it) */
  minutes?: number;
  workers?: number;
  threads?: number;
  /** Swiss-Prot records for the corpus (default 100k; quick 5k) */
  maxRecords?: number;
  /** use this corpus directory or FASTA file instead of preparing Swiss-Prot */
  data?: string;
  /** explicit budgets (skip calibration) */
  budgets?: number[];
  /** a fixed grid instead of the adaptive design */
  fixed?: boolean;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface DemoResult {
  out: string;
  corpus: string;
  sweep: string;
  report: string;
  budgets: number[];
  runs: number;
  summary: SweepRunSummary;
  fit: SweepFit;
  /** the adaptive design's decisions (extensions, limits, brackets), one line each */
  adaptive: string[];
  /** validation noise: a replicate (another seed) of one run per objective, beside the loss spread across sizes */
  noise: NoiseCheck[];
  speed?: SpeedModel;
  estimatedTrainSeconds?: number;
  seconds: Record<string, number>;
  totalSeconds: number;
}

const MAIN = fileURLToPath(new URL("../cli/main.js", import.meta.url));

/** Run `plmscale ARGS --json` as a child; resolves with its parsed stdout. Progress (stderr) goes to `log`. */
export function runPlmscale(args: string[], o: { signal?: AbortSignal; log?: (l: string) => void; env?: Record<string, string> }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args, "--json"], { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, ...o.env } });
    let out = "", err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => {
      err = (err + b.toString()).slice(-4000);
      for (const l of b.toString().split("\n")) if (l.trim()) o.log?.(`  ${l.trim()}`);
    });
    const onAbort = () => child.kill("SIGINT");
    o.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("close", (code) => {
      o.signal?.removeEventListener("abort", onAbort);
      if (code !== 0) return reject(new Error(`plmscale ${args.slice(0, 2).join(" ")} failed (exit ${code}): ${err.trim().split("\n").slice(-3).join(" | ")}`));
      try { resolve(JSON.parse(out)); } catch { reject(new Error(`plmscale ${args[0]}: output is not JSON`)); }
    });
  });
}

// batch and context per run by the batch rule (0 = auto; scaling/lr.ts), as `train` and `sweep design` use
export const QUICK_TRAIN: Partial<TrainDefaults> = { context: 0, batchTokens: 0, evalTokens: 8192 };
export const FULL_TRAIN: Partial<TrainDefaults> = { context: 0, batchTokens: 0, evalTokens: 16384 };

export interface NoiseCheck {
  objective: string;
  run: string;
  loss: number;
  /** the same run from another initialisation (same data order, validation sample and masks) */
  replicate: number;
  /** |loss − replicate| */
  noise: number;
  /** median |ΔL| between neighbouring sizes of the same budget */
  sizeGap: number;
}

/**
 * Calibrate seconds per token on this machine: short runs at a small and a larger size, per objective, run
 * `workers` at a time so that they compete for the cores as the sweep's runs will.
 */
async function calibrate(dir: string, corpus: string, train: Partial<TrainDefaults>, threads: number, workers: number, o: DemoOptions): Promise<SpeedModel> {
  const pts: { N: number; tokensPerSecond: number }[] = [];
  // the grid's own extremes: a width-16 tiny model (the demo's smallest sizes) and a ~150k shapeFor model;
  // shapes between 20k and 150k from shapeFor alone under-predicted the tiny models' speed 4x
  const tiny = TINY_SHAPES[1]!;
  const sizes = [["tiny", ["--shape", `${tiny.layers},${tiny.dModel},${tiny.heads},${tiny.ffn}`]], ["150k", ["--params", "150k"]]] as const;
  // by the batch rule (train.* = 0) the demo's runs mostly get 256–2048-token batches at context 64–128
  const cal = { context: train.context || 64, batchTokens: train.batchTokens || 1024 };
  const jobs = (["clm", "mlm"] as const).flatMap((objective) => sizes.map(([name, size]) => [objective, name, size] as const));
  const one = async ([objective, name, size]: (typeof jobs)[number]) => {
    const out = join(dir, `${objective}-${name}`);
    rmSync(out, { recursive: true, force: true });
    const r = (await runPlmscale([
      "train", "--objective", objective, ...size, "--tokens", String(24 * cal.batchTokens), "--data", corpus,
      "--context", String(cal.context), "--batch-tokens", String(cal.batchTokens), "--threads", String(threads),
      "--eval-every", "1000", "--eval-tokens", "2048", "--checkpoint-every", "0", "--out", out, "--quiet",
    ], { signal: o.signal })) as { N: number; tokensPerSecond: number };
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    const tps = steadyTokensPerSecond(lines, r.tokensPerSecond);
    o.log(`  calibration ${objective} N=${r.N}: ${Math.round(tps)} tokens/s (steady state; ${Math.round(r.tokensPerSecond)} incl. start-up and evaluation)`);
    pts.push({ N: r.N, tokensPerSecond: tps });
  };
  for (let i = 0; i < jobs.length; i += workers) await Promise.all(jobs.slice(i, i + workers).map(one));
  return speedFromMeasurements(pts);
}

/**
 * Validation noise of the sweep's losses: the best run of the smallest budget of each objective trained again
 * from another initialisation (config `seed` 1), beside the median loss gap between neighbouring sizes. The
 * data seed stays: every run of a sweep is validated on the same held-out sample and masks, so a replicate
 * with another data seed would add a sampling difference that the comparison between sizes does not have
 * (measured: MLM 0.031 nats between data seeds vs 0.010 between neighbouring sizes). A noise well below the
 * gaps means the parabolas rest on real differences. Skipped (kept) when already measured.
 */
async function measureNoise(sweep: string, o: DemoOptions): Promise<NoiseCheck[]> {
  const design = readDesign(sweep);
  const out: NoiseCheck[] = [];
  for (const objective of design.objectives) {
    const C = design.budgets.find((c) => design.points.some((p) => p.objective === objective && p.C === c));
    const pts = design.points.filter((p) => p.objective === objective && p.C === C && existsSync(join(sweep, "runs", p.id, "result.json")));
    if (pts.length < 2) continue;
    const losses = pts.map((p) => ({ p, loss: JSON.parse(readFileSync(join(sweep, "runs", p.id, "result.json"), "utf8")).loss as number })).sort((a, b) => a.p.N - b.p.N);
    const best = losses.reduce((a, x) => (x.loss < a.loss ? x : a));
    const dir = join(sweep, "..", "noise", `${best.p.id}-seed1`);
    let replicate: number;
    if (existsSync(join(dir, "result.json"))) replicate = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")).loss;
    else {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(join(dir, ".."), { recursive: true });
      const config = join(dir, "..", `${best.p.id}-seed1.json`);
      writeJsonAtomic(config, { ...readJson<Record<string, unknown>>(join(sweep, "configs", `${best.p.id}.json`)), seed: 1 });
      const r = (await runPlmscale(["train", "--config", config, "--out", dir, "--quiet"], { signal: o.signal })) as { loss: number };
      replicate = r.loss;
    }
    const gaps = losses.slice(1).map((x, i) => Math.abs(x.loss - losses[i]!.loss)).sort((a, b) => a - b);
    const sizeGap = gaps[Math.floor(gaps.length / 2)]!;
    out.push({ objective, run: best.p.id, loss: best.loss, replicate, noise: Math.abs(best.loss - replicate), sizeGap });
    o.log(`[demo] noise ${objective}: ${best.p.id} ${best.loss.toFixed(4)} vs seed 1 ${replicate.toFixed(4)} (|Δ| ${Math.abs(best.loss - replicate).toFixed(4)}); median gap between neighbouring sizes ${sizeGap.toFixed(4)}`);
  }
  return out;
}

/** Seconds the demo keeps for what follows training: the noise replicates, the fit and the report. */
const RESERVE_SECONDS = 150;

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t0 = Date.now();
  const seconds: Record<string, number> = {};
  const lap = (k: string, since: number) => (seconds[k] = (Date.now() - since) / 1000);
  const cores = availableParallelism();
  const threads = o.threads ?? 1;
  const workers = o.workers ?? Math.max(1, Math.floor(cores / threads));
  const train = { ...(o.quick ? QUICK_TRAIN : FULL_TRAIN), threads };

  // 1. corpus
  let t = Date.now();
  const corpus = o.data ?? join(o.out, "corpus");
  if (!o.data && !existsSync(join(corpus, "manifest.json"))) {
    o.log(`[demo] preparing the Swiss-Prot corpus → ${corpus}`);
    await runPlmscale(["data", "prepare", "--preset", "swissprot", "--max-records", String(o.maxRecords ?? (o.quick ? 5000 : 100000)), "--out", corpus, "--force", "--quiet"], { signal: o.signal, log: o.log });
  } else o.log(`[demo] corpus: ${corpus}`);
  lap("corpus", t);
  const unique = existsSync(join(corpus, "manifest.json")) ? corpusTrainTokens(corpus) : null;

  // 2. design (sized by a calibration, unless --quick or explicit budgets)
  const sweep = join(o.out, "sweep");
  let speed: SpeedModel | undefined;
  let estimated: number | undefined;
  t = Date.now();
  if (!existsSync(join(sweep, DESIGN_FILE))) {
    let budgets = o.budgets;
    let centre: (C: number) => number;
    let span: number, perBudget: number;
    if (o.quick) {
      // measured on Swiss-Prot (docs/SWEEPS.md): with the batch rule's ~500-step batches the CLM minimum at
      // 1e10 FLOPs lies near 14k parameters, the tokens-per-parameter centre below
      budgets ??= [1e10, 3e10];
      centre = (C) => Math.sqrt(tokensForFlops(C, DEMO_TOKENS_PER_PARAM));
      span = 0.45;
      perBudget = 4;
    } else {
      span = 0.5;
      perBudget = 4;
      if (!budgets) {
        o.log(`[demo] measuring training speed (4 short runs)`);
        speed = await calibrate(join(o.out, "calibration"), corpus, train, threads, workers, o);
        // the adaptive design adds runs beyond the first grid (extensions at the largest budget cost as much
        // as its grid): size that grid to half the time left; the deadline below stops growth that does not fit
        const targetSeconds = Math.max(60, 0.5 * ((o.minutes ?? 30) * 60 - (Date.now() - t0) / 1000 - RESERVE_SECONDS));
        const g = demoGrid({ speed, workers, targetSeconds, spanDecades: span, sizesPerBudget: perBudget, design: { corpus, uniqueTrainTokens: unique, train } });
        budgets = g.budgets;
        centre = g.centre;
        estimated = g.estimatedSeconds;
        o.log(`[demo] budgets ${budgets.map((c) => c.toExponential(1)).join(", ")} FLOPs; estimated training time ${Math.round(g.estimatedSeconds)} s with ${workers} worker(s)`);
      } else centre = (C) => Math.sqrt(tokensForFlops(C, DEMO_TOKENS_PER_PARAM));
    }
    const rule = `demo: N = sqrt(C/(6·${DEMO_TOKENS_PER_PARAM})) (${DEMO_TOKENS_PER_PARAM} tokens per parameter, measured on CPU)`;
    const law = { kN: Math.sqrt(tokensForFlops(1, DEMO_TOKENS_PER_PARAM)), a: 0.5, source: rule };
    const design = designSweep({
      objectives: ["clm", "mlm"], budgets, centre: (_obj, C) => centre(C),
      centreSource: { clm: rule, mlm: rule },
      spanDecades: span, sizesPerBudget: perBudget, corpus, uniqueTrainTokens: unique, train, minSteps: o.quick ? 5 : 20,
      // adaptive: extend beyond an edge until bracketed; 3 sizes once a minimum is located (docs/SWEEPS.md)
      adaptive: o.fixed ? undefined : { fallback: { clm: law, mlm: law }, sizesAfterLocated: 3, limits: { maxSizesPerBudget: o.quick ? 6 : 8 } },
    });
    writeSweep(sweep, design, (p) => trainConfigFor(pointRun(design, p)));
  } else o.log(`[demo] sweep exists: ${sweep} (continuing it)`);
  lap("design", t);
  const design = readDesign(sweep);
  for (const w of design.warnings) o.log(`[demo] design warning: ${w}`);

  // 3. run
  t = Date.now();
  o.log(`[demo] training ${design.points.length} runs${design.adaptive ? " (adaptive: more are added as budgets finish)" : ""}, ${workers} at a time, ${threads} thread(s) each`);
  const summary = await runSweep(sweep, {
    workers, threads, signal: o.signal, fixed: o.fixed,
    // rounds that would not finish in time are not added (their budgets are reported as stopped by time)
    deadline: o.quick ? undefined : t0 + ((o.minutes ?? 30) * 60 - RESERVE_SECONDS) * 1000, onEvent: (e) => { if (e.kind !== "skip") o.log(`[sweep] ${e.line}`); },
    onGrow: (g) => { for (const e of g.events) o.log(`[adaptive] round ${e.round} ${e.objective} C=${e.C.toExponential(1)} ${e.kind}: ${e.detail}`); },
    priorSecondsPerFlop: speed ? (speed.overheadSec + 5e4 * speed.secPerParamToken) / trainingFlops(5e4, 1) : undefined,
  });
  lap("train", t);
  if (summary.aborted) throw new Error(`interrupted; run the demo again with the same --out to continue`);
  if (summary.failed > 0) throw new Error(`${summary.failed} run(s) failed (see ${join(sweep, "state")}); run the demo again with the same --out to retry them`);

  // validation noise: one replicate per objective (another seed) of the best run of the smallest budget
  t = Date.now();
  const noise = await measureNoise(sweep, o);
  lap("noise", t);

  // 4. fit and report
  t = Date.now();
  const fit = fitSweep(sweep, { bootstrap: o.quick ? 50 : 200 });
  writeJsonAtomic(join(sweep, "fit.json"), fit);
  lap("fit", t);
  t = Date.now();
  const report = join(o.out, "report.html");
  const { html } = await buildReport(sweep, { fit, title: `plmscale demo${o.quick ? " (--quick)" : ""}: IsoFLOP sweeps on Swiss-Prot` });
  writeFileSync(report, html);
  lap("report", t);
  const grown = readDesign(sweep);
  const adaptive = (grown.adaptive?.events ?? []).map((e) => `round ${e.round} ${e.objective} C=${e.C.toExponential(1)} ${e.kind}${e.edge ? ` (${e.edge})` : ""}: ${e.detail}`);
  const result: DemoResult = {
    out: o.out, corpus, sweep, report, budgets: grown.budgets, runs: grown.points.length, summary, fit, speed, adaptive, noise,
    estimatedTrainSeconds: estimated, seconds, totalSeconds: (Date.now() - t0) / 1000,
  };
  writeJsonAtomic(join(o.out, "demo.json"), { ...result, fit: undefined });
  return result;
}

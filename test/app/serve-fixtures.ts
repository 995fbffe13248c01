// Sweeps on disk for the serve tests: losses from a known law (no training), metrics.jsonl with as many lines
// as asked, and a real child process that trains nothing but appends metrics like `plmscale train` does.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parametricOptimum, predictLoss } from "../../src/scaling/index.js";
import { designSweep, pointRun } from "../../src/sweep/design.js";
import { trainConfigFor } from "../../src/train/config-for.js";
import { pointPaths, writeSweep } from "../../src/sweep/layout.js";
import type { SweepDesign, SweepPoint } from "../../src/sweep/types.js";
import type { Objective } from "../../src/core/objective.js";
import { LAW } from "../sweep/synthetic-sweep.js";

export const lossAt = (p: SweepPoint, D: number) => predictLoss(LAW, p.N, D) + (p.objective === "mlm" ? 0.3 : 0);

export function metricsLine(p: SweepPoint, i: number, lines: number, valEvery = 4): string {
  const tokens = ((i + 1) / lines) * p.D;
  const val = i % valEvery === valEvery - 1 || i === lines - 1 ? { valLoss: lossAt(p, tokens) } : {};
  return JSON.stringify({ step: i + 1, tokens, flops: 6 * p.N * tokens, trainLoss: lossAt(p, tokens) + 0.02, ...val, lr: 1e-3, gradNorm: 1, tokensPerSecond: 5000, mfu: 0.31, time: i });
}

/** A sweep whose points are finished (metrics + result.json) except those in `unfinished`. */
export function lawSweep(o: { objectives?: Objective[]; budgets?: number[]; sizesPerBudget?: number; lines?: number; valEvery?: number; unfinished?: number[] } = {}): { dir: string; design: SweepDesign } {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-serve-"));
  const design = designSweep({
    objectives: o.objectives ?? ["clm"], budgets: o.budgets ?? [1e17, 1e18, 1e19], sizesPerBudget: o.sizesPerBudget ?? 4,
    centre: (_obj, C) => parametricOptimum(LAW, C).N, centreSource: { clm: "law", mlm: "law" }, corpus: "/corpus", uniqueTrainTokens: 5e9,
  });
  writeSweep(dir, design, (p) => trainConfigFor(pointRun(design, p)));
  const lines = o.lines ?? 8;
  for (const p of design.points) {
    if (o.unfinished?.includes(p.index)) continue;
    const pp = pointPaths(dir, p);
    mkdirSync(pp.run, { recursive: true });
    writeFileSync(pp.metrics, Array.from({ length: lines }, (_, i) => metricsLine(p, i, lines, o.valEvery)).join("\n") + "\n");
    const loss = lossAt(p, p.D);
    writeFileSync(pp.result, JSON.stringify({ objective: p.objective, N: p.N, Ntotal: p.Ntotal, D: p.D, C: 6 * p.N * p.D, loss, valLoss: loss, trainLoss: loss, steps: lines, wallSeconds: p.C / 1e16, tokensPerSecond: 5000, shape: p.shape, device: "cpu", init: null, version: "0.1.0" }));
  }
  return { dir, design };
}

// The fake trainer: node FILE RUN_DIR MARKER N D LOSS0 — writes a live running marker, appends one metrics
// line every 100 ms (validation every 2nd line) until RUN_DIR/../<id>.finish exists, then writes result.json
// atomically, removes the marker and exits.
const TRAINER = String.raw`
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
const [dir, marker, N, D] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
mkdirSync(dir, { recursive: true });
mkdirSync(dirname(marker), { recursive: true });
writeFileSync(marker, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), attempt: 1 }));
writeFileSync(join(dir, "config.json"), JSON.stringify({ objective: "clm", tokens: D }));
const finish = join(dirname(dir), basename(dir) + ".finish");
let step = 0;
const loss = (t) => 2 + 4 / Math.log10(10 + t / 1e3);
const tick = () => {
  step++;
  const tokens = Math.min(D, step * D / 400);
  const line = { step, tokens, flops: 6 * N * tokens, trainLoss: loss(tokens) + 0.05, lr: 1e-3, gradNorm: 1, tokensPerSecond: 4000 + step, mfu: 0.2, time: step / 10 };
  if (step % 2 === 0) line.valLoss = loss(tokens);
  appendFileSync(join(dir, "metrics.jsonl"), JSON.stringify(line) + "\n");
  if (existsSync(finish)) {
    const r = { objective: "clm", N, Ntotal: N, D: tokens, C: 6 * N * tokens, loss: loss(tokens), valLoss: loss(tokens), trainLoss: loss(tokens), steps: step, wallSeconds: step / 10, tokensPerSecond: 4000, shape: {}, device: "cpu", init: null, version: "0.1.0" };
    writeFileSync(join(dir, "result.json.tmp"), JSON.stringify(r));
    renameSync(join(dir, "result.json.tmp"), join(dir, "result.json"));
    rmSync(marker, { force: true });
    process.exit(0);
  }
  setTimeout(tick, 100);
};
tick();
`;

export function writeFakeTrainer(): string {
  const path = join(mkdtempSync(join(tmpdir(), "plmscale-serve-trainer-")), "fake-trainer.mjs");
  writeFileSync(path, TRAINER);
  return path;
}

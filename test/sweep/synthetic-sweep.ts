// A finished sweep on disk with losses from a known law (no training): for fit and report tests.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { designSweep, pointRun } from "../../src/sweep/design.js";
import { trainConfigFor } from "../../src/train/config-for.js";
import { pointPaths, writeSweep } from "../../src/sweep/layout.js";
import { parametricOptimum, predictLoss, type ParametricLaw } from "../../src/scaling/index.js";
import type { Objective } from "../../src/core/objective.js";

export const LAW: ParametricLaw = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };

export interface SyntheticSweep {
  dir: string;
  /** true a for the law: β/(α+β) */
  a: number;
}

/**
 * clm follows LAW exactly; mlm (when included) is flat: losses 2.9 ± 0.001 regardless of size.
 * `skip` leaves those point indices unfinished; `fail` gives them a failure record.
 */
export function syntheticSweep(o: { objectives?: Objective[]; budgets?: number[]; skip?: number[]; fail?: number[] } = {}): SyntheticSweep {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-synth-"));
  const design = designSweep({
    objectives: o.objectives ?? ["clm"], budgets: o.budgets ?? [1e17, 1e18, 1e19],
    centre: (_obj, C) => parametricOptimum(LAW, C).N, centreSource: { clm: "synthetic", mlm: "synthetic" },
    corpus: "/corpus", uniqueTrainTokens: 5e8,
  });
  writeSweep(dir, design, (p) => trainConfigFor(pointRun(design, p)));
  for (const p of design.points) {
    const pp = pointPaths(dir, p);
    if (o.fail?.includes(p.index)) {
      mkdirSync(pp.state, { recursive: true });
      writeFileSync(pp.failure, JSON.stringify({ attempts: 2, exitCode: 1, signal: null, error: "exit code 1: simulated", at: "" }));
      continue;
    }
    if (o.skip?.includes(p.index)) continue;
    const loss = (D: number) => (p.objective === "clm" ? predictLoss(LAW, p.N, D) : 2.9 + 0.001 * (p.index % 2));
    mkdirSync(pp.run, { recursive: true });
    const lines = [0.25, 0.5, 0.75, 1].map((f, i) =>
      JSON.stringify({ step: i + 1, tokens: f * p.D, flops: 6 * p.N * f * p.D, trainLoss: loss(f * p.D) + 0.01, valLoss: loss(f * p.D), lr: 1e-3, gradNorm: 1, tokensPerSecond: 1000, time: i }));
    writeFileSync(pp.metrics, lines.join("\n") + "\n");
    writeFileSync(pp.result, JSON.stringify({ objective: p.objective, N: p.N, Ntotal: p.Ntotal, D: p.D, C: 6 * p.N * p.D, loss: loss(p.D), valLoss: loss(p.D), trainLoss: loss(p.D), steps: 10, wallSeconds: p.C / 1e15, tokensPerSecond: 1000, shape: p.shape, device: "cpu", init: null, version: "0.1.0" }));
  }
  return { dir, a: LAW.beta / (LAW.alpha + LAW.beta) };
}

// How long a round of sweep runs will take, from the runs already finished: seconds per training token as
// a + b·N (a fixed cost per token — data, optimizer, launch — plus one that grows with the model), fitted by
// least squares to the finished runs' wall time, and a round's wall time on W workers as the larger of
// (total / W) and its longest run. Used to stop an adaptive sweep from growing past its time budget.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { SweepPoint } from "./types.js";

export interface TimedRun {
  N: number;
  /** training tokens */
  D: number;
  wallSeconds: number;
}

export interface TokenCost {
  /** seconds per token at N = 0 */
  a: number;
  /** seconds per token per parameter */
  b: number;
}

/** Least-squares a + b·N of seconds per token (a, b ≥ 0); null without a finished run. */
export function fitTokenCost(runs: TimedRun[]): TokenCost | null {
  const xs = runs.filter((r) => r.D > 0 && r.wallSeconds > 0 && r.N > 0);
  if (!xs.length) return null;
  const y = xs.map((r) => r.wallSeconds / r.D), x = xs.map((r) => r.N);
  const n = xs.length, mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  const sxx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
  if (n < 2 || sxx === 0) return { a: 0, b: my / mx }; // one size: cost proportional to N
  let b = x.reduce((s, v, i) => s + (v - mx) * (y[i]! - my), 0) / sxx;
  let a = my - b * mx;
  if (b < 0) (b = 0), (a = my);
  if (a < 0) (a = 0), (b = x.reduce((s, v, i) => s + v * y[i]!, 0) / x.reduce((s, v) => s + v * v, 0));
  return { a, b };
}

export function runSeconds(c: TokenCost, p: Pick<SweepPoint, "N" | "D">): number {
  return p.D * (c.a + c.b * p.N);
}

/** Wall seconds of a round on `workers` parallel workers. */
export function roundSeconds(c: TokenCost, points: Pick<SweepPoint, "N" | "D">[], workers: number): number {
  const each = points.map((p) => runSeconds(c, p));
  const total = each.reduce((s, v) => s + v, 0);
  return Math.max(total / Math.max(1, workers), ...each, 0);
}

/**
 * Finished runs (result.json with N, D and wallSeconds) at most `depth` folders under `dir`: a demo's
 * calibration runs (DEMO/calibration), a finished sweep's runs, or one run directory.
 */
export function timedRunsUnder(dir: string, depth = 3): TimedRun[] {
  const out: TimedRun[] = [];
  const walk = (d: string, left: number) => {
    const f = join(d, "result.json");
    if (existsSync(f)) {
      try {
        const r = JSON.parse(readFileSync(f, "utf8")) as Partial<TimedRun>;
        if (typeof r.N === "number" && typeof r.D === "number" && typeof r.wallSeconds === "number") out.push({ N: r.N, D: r.D, wallSeconds: r.wallSeconds });
      } catch { /* a result cut off by a crash: not a timing */ }
    }
    if (left === 0) return;
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name), left - 1);
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir, depth);
  return out;
}

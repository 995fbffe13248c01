// Small least-squares helpers: straight lines, parabolas, power laws in log space, percentile intervals.
import { percentile } from "../core/stats.js";

export interface Line { intercept: number; slope: number; r2: number }

/** Ordinary least squares y = intercept + slope·x. Needs at least two distinct x. */
export function fitLine(x: readonly number[], y: readonly number[]): Line {
  const n = x.length;
  if (n !== y.length) throw new RangeError("fitLine: x and y differ in length");
  if (n < 2) throw new RangeError("fitLine: need at least two points");
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]!; my += y[i]!; }
  mx /= n; my /= n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
  }
  if (sxx === 0) throw new RangeError("fitLine: all x are equal");
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { intercept: my - slope * mx, slope, r2 };
}

export interface PowerLaw { k: number; exponent: number; r2: number }

/** y = k·x^exponent by least squares on (ln x, ln y). */
export function fitPowerLaw(x: readonly number[], y: readonly number[]): PowerLaw {
  const l = fitLine(x.map(Math.log), y.map(Math.log));
  return { k: Math.exp(l.intercept), exponent: l.slope, r2: l.r2 };
}

/** y = c0 + c1·x + c2·x² by least squares (normal equations on centred x for conditioning). */
export function fitParabola(x: readonly number[], y: readonly number[]): { c0: number; c1: number; c2: number } {
  const n = x.length;
  if (n < 3) throw new RangeError("fitParabola: need at least three points");
  let m = 0;
  for (const v of x) m += v;
  m /= n;
  // sums of powers of the centred abscissa u = x − m
  let s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
  for (let i = 0; i < n; i++) {
    const u = x[i]! - m, u2 = u * u, yi = y[i]!;
    s1 += u; s2 += u2; s3 += u2 * u; s4 += u2 * u2;
    t0 += yi; t1 += u * yi; t2 += u2 * yi;
  }
  const [d0, d1, d2] = solve3([[n, s1, s2], [s1, s2, s3], [s2, s3, s4]], [t0, t1, t2]);
  // back from u = x − m: y = d0 + d1(x−m) + d2(x−m)²
  return { c0: d0 - d1 * m + d2 * m * m, c1: d1 - 2 * d2 * m, c2: d2 };
}

/** Solve a 3×3 linear system by Gaussian elimination with partial pivoting. */
export function solve3(A: number[][], b: number[]): [number, number, number] {
  const M = A.map((r, i) => [...r, b[i]!]);
  const scale = Math.max(...A.flat().map(Math.abs));
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    if (!(Math.abs(M[p]![c]!) > 1e-12 * scale)) throw new RangeError("solve3: singular system (need three distinct x)");
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < 3; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k < 4; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let s = M[r]![3]!;
    for (let k = r + 1; k < 3; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return [x[0]!, x[1]!, x[2]!];
}

/** A confidence interval as the JSON names it. */
export interface Interval { lo: number; hi: number }

/** Percentile interval at `level` (e.g. 0.95 → 2.5th..97.5th percentile). */
export function percentileInterval(values: readonly number[], level = 0.95): Interval {
  const tail = ((1 - level) / 2) * 100;
  return { lo: percentile(values, tail), hi: percentile(values, 100 - tail) };
}

/** Percentile interval of the finite values only; null when there are none, so no interval ever holds NaN. */
export function finiteInterval(values: readonly number[], level = 0.95): Interval | null {
  const ok = values.filter(Number.isFinite);
  return ok.length ? percentileInterval(ok, level) : null;
}

/** Bootstrap bookkeeping shared by every fit: resamples tried, failed (a refit that threw or went non-finite). */
export interface BootstrapInfo {
  resamples: number;
  failed: number;
  succeeded: number;
  seed: number;
  level: number;
  /** why the intervals should not be read (too few successful resamples), or null */
  flagged: string | null;
}

/**
 * Percentile intervals need many successful resamples: with fewer than max(20, half of those tried) the
 * tails are a handful of points, and resamples that fail are not missing at random (they are the ones
 * where a budget lost its minimum), so the intervals are flagged.
 */
export function bootstrapInfo(resamples: number, failed: number, seed: number, level: number): BootstrapInfo {
  const succeeded = resamples - failed;
  let flagged: string | null = null;
  if (succeeded === 0) flagged = `no bootstrap resample succeeded (${failed} of ${resamples} failed): no intervals`;
  else if (succeeded < Math.max(20, resamples / 2)) {
    flagged = `only ${succeeded} of ${resamples} bootstrap resamples succeeded: the intervals are unreliable`;
  }
  return { resamples, failed, succeeded, seed, level, flagged };
}

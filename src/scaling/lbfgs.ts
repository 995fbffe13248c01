// Limited-memory BFGS with a strong-Wolfe line search (Nocedal & Wright 2006, Alg. 7.4, 3.5, 3.6).
// Small and dependency-free: the parametric fit has five unknowns, so clarity beats speed tricks.

/** A function to minimise: returns f(x) and writes ∇f(x) into g. */
export type ValueAndGradient = (x: Float64Array, g: Float64Array) => number;

export interface LbfgsOptions {
  /** history pairs kept (default 10) */
  memory?: number;
  /** iteration cap (default 1000) */
  maxIter?: number;
  /** stop when max|g| ≤ gtol (default 1e-12) */
  gtol?: number;
  /** stop when the relative decrease of f over an iteration is ≤ ftol (default 1e-15) */
  ftol?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: "gtol" | "ftol" | "maxIter" | "linesearch" | "nonfinite";
}

const C1 = 1e-4;
const C2 = 0.9;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export function minimizeLbfgs(fn: ValueAndGradient, x0: ArrayLike<number>, opts: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length;
  const m = opts.memory ?? 10;
  const maxIter = opts.maxIter ?? 1000;
  const gtol = opts.gtol ?? 1e-12;
  const ftol = opts.ftol ?? 1e-15;
  let evaluations = 0;
  const evalAt = (x: Float64Array, g: Float64Array): number => { evaluations++; return fn(x, g); };

  let x: Float64Array = Float64Array.from(x0);
  let g: Float64Array = new Float64Array(n);
  let f = evalAt(x, g);
  if (!Number.isFinite(f)) return { x, f, iterations: 0, evaluations, converged: false, reason: "nonfinite" };
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const d = new Float64Array(n);
  const alpha = new Float64Array(m);
  let reason: LbfgsResult["reason"] = "maxIter";
  let iter = 0;

  for (; iter < maxIter; iter++) {
    if (maxAbs(g) <= gtol) { reason = "gtol"; break; }
    // two-loop recursion: d = −H·g
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(S[k]!, d);
      const yk = Y[k]!;
      for (let i = 0; i < n; i++) d[i]! -= alpha[k]! * yk[i]!;
    }
    const gamma = S.length ? dot(S[S.length - 1]!, Y[Y.length - 1]!) / dot(Y[Y.length - 1]!, Y[Y.length - 1]!) : 1 / Math.max(1, maxAbs(g));
    for (let i = 0; i < n; i++) d[i]! *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k]! * dot(Y[k]!, d);
      const sk = S[k]!;
      for (let i = 0; i < n; i++) d[i]! += sk[i]! * (alpha[k]! - beta);
    }
    let dg = dot(d, g);
    if (!(dg < 0)) {
      // not a descent direction (numerical trouble): restart from steepest descent
      S.length = 0; Y.length = 0; rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]! / Math.max(1, maxAbs(g));
      dg = dot(d, g);
    }
    const ls = wolfeSearch(evalAt, x, f, g, d, dg);
    if (!ls) { reason = "linesearch"; break; }
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { s[i] = ls.x[i]! - x[i]!; y[i] = ls.g[i]! - g[i]!; }
    const sy = dot(s, y);
    const fOld = f;
    x = ls.x; g = ls.g; f = ls.f;
    if (sy > 1e-300) {
      S.push(s); Y.push(y); rho.push(1 / sy);
      if (S.length > m) { S.shift(); Y.shift(); rho.shift(); }
    }
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1e-300)) { reason = "ftol"; iter++; break; }
  }
  const converged = reason === "gtol" || reason === "ftol" || reason === "linesearch";
  return { x, f, iterations: iter, evaluations, converged, reason };
}

interface Point { x: Float64Array; f: number; g: Float64Array; dg: number }

/** Strong-Wolfe line search along d from x (N&W Alg. 3.5 with cubic-interpolating zoom, Alg. 3.6). */
function wolfeSearch(
  evalAt: (x: Float64Array, g: Float64Array) => number,
  x0: Float64Array, f0: number, g0: Float64Array, d: Float64Array, dg0: number,
): { x: Float64Array; f: number; g: Float64Array } | undefined {
  const n = x0.length;
  const at = (t: number): Point => {
    const x = new Float64Array(n), g = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = x0[i]! + t * d[i]!;
    const f = evalAt(x, g);
    return { x, f, g, dg: dot(g, d) };
  };
  let tPrev = 0, pPrev: Point = { x: x0, f: f0, g: g0, dg: dg0 };
  let t = 1;
  for (let i = 0; i < 40; i++) {
    const p = at(t);
    if (!Number.isFinite(p.f)) { t = (tPrev + t) / 2; continue; }
    if (p.f > f0 + C1 * t * dg0 || (i > 0 && p.f >= pPrev.f)) return zoom(at, f0, dg0, tPrev, pPrev, t, p);
    if (Math.abs(p.dg) <= -C2 * dg0) return p;
    if (p.dg >= 0) return zoom(at, f0, dg0, t, p, tPrev, pPrev);
    tPrev = t; pPrev = p;
    t *= 2;
  }
  return undefined;
}

function zoom(
  at: (t: number) => Point, f0: number, dg0: number,
  tLo: number, pLo: Point, tHi: number, pHi: Point,
): { x: Float64Array; f: number; g: Float64Array } | undefined {
  for (let i = 0; i < 60; i++) {
    // cubic interpolation between the bracket ends, safeguarded to the inner 80% of the bracket
    let t = cubicMin(tLo, pLo.f, pLo.dg, tHi, pHi.f, pHi.dg);
    const lo = Math.min(tLo, tHi), hi = Math.max(tLo, tHi), w = hi - lo;
    if (!Number.isFinite(t) || t < lo + 0.1 * w || t > hi - 0.1 * w) t = (tLo + tHi) / 2;
    if (w <= 1e-16 * Math.max(1, hi)) break;
    const p = at(t);
    if (!Number.isFinite(p.f) || p.f > f0 + C1 * t * dg0 || p.f >= pLo.f) {
      tHi = t; pHi = p;
    } else {
      if (Math.abs(p.dg) <= -C2 * dg0) return p;
      if (p.dg * (tHi - tLo) >= 0) { tHi = tLo; pHi = pLo; }
      tLo = t; pLo = p;
    }
  }
  // bracket collapsed: accept the best point if it decreased f at all
  return pLo.f < f0 ? pLo : undefined;
}

function cubicMin(t1: number, f1: number, g1: number, t2: number, f2: number, g2: number): number {
  const d1 = g1 + g2 - 3 * (f1 - f2) / (t1 - t2);
  const disc = d1 * d1 - g1 * g2;
  if (disc < 0) return NaN;
  const d2 = Math.sign(t2 - t1) * Math.sqrt(disc);
  return t2 - (t2 - t1) * (g2 + d2 - d1) / (g2 - g1 + 2 * d2);
}

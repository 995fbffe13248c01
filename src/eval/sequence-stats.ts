// Composition statistics of protein sets for generation metrics. Pure functions over residue letters.

export const AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY";

/** Frequencies of the 20 standard residues over all sequences (others ignored). */
export function composition(seqs: string[]): Float64Array {
  const f = new Float64Array(20);
  let n = 0;
  for (const s of seqs) for (const c of s) {
    const i = AMINO_ACIDS.indexOf(c);
    if (i >= 0) (f[i]!++, n++);
  }
  if (n) for (let i = 0; i < 20; i++) f[i]! /= n;
  return f;
}

/** Jensen–Shannon divergence in bits (0 = identical, 1 = disjoint). */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    if (p[i]! > 0) d += 0.5 * p[i]! * Math.log2(p[i]! / m);
    if (q[i]! > 0) d += 0.5 * q[i]! * Math.log2(q[i]! / m);
  }
  return d;
}

/** Two-sample Kolmogorov–Smirnov statistic (largest gap between the empirical CDFs). */
export function ksStatistic(a: number[], b: number[]): number {
  const x = [...a].sort((u, v) => u - v), y = [...b].sort((u, v) => u - v);
  let i = 0, j = 0, d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Shannon entropy (bits) of the letters of s. */
function entropy(s: string): number {
  const c = new Map<string, number>();
  for (const ch of s) c.set(ch, (c.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of c.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/**
 * Fraction of residues inside a low-complexity window: any window of `w` (12) residues whose Shannon entropy
 * is below `k` (2.2 bits) — SEG's first-pass trigger (Wootton & Federhen 1993, defaults W=12, K1=2.2).
 */
export function lowComplexityFraction(seq: string, w = 12, k = 2.2): number {
  if (seq.length < w) return 0;
  const low = new Uint8Array(seq.length);
  for (let i = 0; i + w <= seq.length; i++) if (entropy(seq.slice(i, i + w)) < k) low.fill(1, i, i + w);
  return low.reduce((a, b) => a + b, 0) / seq.length;
}

/** True when a unit of 1–4 residues repeats in tandem over ≥ `minSpan` residues (e.g. AAAAAAAAAA, GSGSGSGSGS). */
export function hasTandemRepeat(seq: string, minSpan = 10): boolean {
  for (let unit = 1; unit <= 4; unit++) {
    let run = unit;
    for (let i = unit; i < seq.length; i++) {
      run = seq[i] === seq[i - unit] ? run + 1 : unit;
      if (run >= minSpan) return true;
    }
  }
  return false;
}

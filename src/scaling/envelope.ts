// Lower envelope of loss curves over FLOPs (Chinchilla approach 1): at each compute value the lowest loss any
// run reached, which run that was, and power laws L = kL·(C/cRef)^γ and (when runs carry N) N_opt = kN·C^a,
// D_opt = C/(6·N_opt) = kD·C^b.
import { fitPowerLaw } from "./regress.js";
import type { LossCurve } from "./runs-table.js";
import { logspace } from "./synthetic.js";
import { tokensForFlops } from "./compute.js";

export interface EnvelopeOptions {
  /** compute values sampled, log-spaced over the covered range (default 40) */
  points?: number;
  cRef?: number;
}

export interface EnvelopePoint { C: number; loss: number; run: string; N?: number; D?: number }

export interface EnvelopeFit {
  gamma: number;
  kL: number;
  cRef: number;
  a?: number;
  kN?: number;
  b?: number;
  kD?: number;
  envelope: EnvelopePoint[];
  /** distinct runs that appear on the envelope */
  frontierRuns: string[];
  warnings: string[];
  runs: number;
}

/** Loss of a curve at `flops`, interpolated linearly in (ln C, ln L); undefined outside the curve's range. */
export function lossAt(c: LossCurve, flops: number): number | undefined {
  const p = c.points;
  if (p.length === 0 || flops < p[0]!.flops || flops > p[p.length - 1]!.flops) return undefined;
  let lo = 0, hi = p.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p[mid]!.flops <= flops) lo = mid; else hi = mid;
  }
  const a = p[lo]!, b = p[hi]!;
  if (a.flops === b.flops) return Math.min(a.loss, b.loss);
  const t = (Math.log(flops) - Math.log(a.flops)) / (Math.log(b.flops) - Math.log(a.flops));
  return Math.exp(Math.log(a.loss) + t * (Math.log(b.loss) - Math.log(a.loss)));
}

export function fitEnvelope(curves: readonly LossCurve[], opts: EnvelopeOptions = {}): EnvelopeFit {
  const cRef = opts.cRef ?? 8.64e19;
  const usable = curves.filter((c) => c.points.length > 0);
  if (usable.length < 2) throw new Error(`envelope fit needs loss curves of at least 2 runs, got ${usable.length}`);
  const lo = Math.min(...usable.map((c) => c.points[0]!.flops));
  const hi = Math.max(...usable.map((c) => c.points[c.points.length - 1]!.flops));
  if (!(hi > lo)) throw new Error("envelope fit: the curves span no range of FLOPs");
  const envelope: EnvelopePoint[] = [];
  for (const C of logspace(lo, hi, opts.points ?? 40)) {
    let best: EnvelopePoint | undefined;
    for (const c of usable) {
      const l = lossAt(c, C);
      if (l !== undefined && (!best || l < best.loss)) best = { C, loss: l, run: c.run, ...(c.N ? { N: c.N, D: tokensForFlops(C, c.N) } : {}) };
    }
    if (best) envelope.push(best);
  }
  const warnings: string[] = [];
  // Split the envelope into stretches owned by one run. The first and last stretch are cut off by the ends of
  // the covered range (not by a better run), so they are left out of the fits when enough stretches remain.
  const stretches: EnvelopePoint[][] = [];
  for (const p of envelope) {
    const last = stretches[stretches.length - 1];
    if (last && last[0]!.run === p.run) last.push(p); else stretches.push([p]);
  }
  let inner = stretches.slice(1, -1);
  if (inner.length < 2) {
    inner = stretches;
    warnings.push("fewer than 4 runs take turns on the envelope: its ends (cut by the range, not by a better run) are included");
  }
  const pts = inner.flat();
  const L = fitPowerLaw(pts.map((p) => p.C / cRef), pts.map((p) => p.loss));
  const fit: EnvelopeFit = {
    gamma: L.exponent, kL: L.k, cRef, envelope, warnings, runs: usable.length,
    frontierRuns: [...new Set(envelope.map((p) => p.run))],
  };
  // each run on the frontier speaks for the compute at the geometric centre of its stretch (approach 1)
  const centres = inner.filter((st) => st[0]!.N !== undefined).map((st) => {
    const C = Math.sqrt(st[0]!.C * st[st.length - 1]!.C);
    return { C, N: st[0]!.N!, D: tokensForFlops(C, st[0]!.N!) };
  });
  if (centres.length === inner.length && new Set(centres.map((p) => p.N)).size >= 2) {
    const n = fitPowerLaw(centres.map((p) => p.C), centres.map((p) => p.N));
    const d = fitPowerLaw(centres.map((p) => p.C), centres.map((p) => p.D));
    Object.assign(fit, { a: n.exponent, kN: n.k, b: d.exponent, kD: d.k });
  } else {
    warnings.push("N_opt law not fitted: the envelope needs runs with known N and at least 2 distinct sizes on it");
  }
  if (fit.frontierRuns.length < 3) warnings.push(`only ${fit.frontierRuns.length} run(s) form the envelope: the laws are poorly determined`);
  return fit;
}

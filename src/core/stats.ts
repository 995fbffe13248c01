// Order statistics as numpy computes them, the one definition for every layer: the ProteinGym metrics are
// specified by numpy calls (eval/metrics.ts), the DMS binarisation cuts at the median (data/dms.ts), and the
// scaling fits' bootstrap intervals are percentiles (scaling/regress.ts).

/** numpy.percentile with linear interpolation between order statistics, q in [0, 100]; NaN for no values. */
export function percentile(x: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(x).sort();
  if (s.length === 0) return NaN;
  const pos = (q / 100) * (s.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** numpy.median: the middle value, or the mean of the two middle values for an even count; NaN for no values. */
export function median(x: ArrayLike<number>): number {
  const s = Float64Array.from(x).sort(), m = s.length >> 1;
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

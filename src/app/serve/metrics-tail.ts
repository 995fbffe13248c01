// Incremental reader of a growing metrics.jsonl (docs/CONTRACTS.md): each poll reads only the bytes appended
// since the last one. A last line without its newline is still being written: it is kept back until its
// newline arrives. Lines that are not JSON objects with a numeric step and tokens are skipped and counted.
// A file that shrank (a resumed run rewrites its metrics atomically) is read again from the start.
import { closeSync, openSync, readSync, statSync } from "node:fs";

/** The fields of one metrics line that the page shows. */
export interface MetricsPoint {
  step: number;
  tokens: number;
  flops?: number;
  trainLoss?: number;
  valLoss?: number;
  tokensPerSecond?: number;
  mfu?: number;
  /** MFU under NVIDIA Megatron's per-step FLOP count (src/scaling/mfu.ts), beside `mfu` (6N) */
  mfuMegatron?: number;
  time?: number;
}

const NEWLINE = 0x0a;
/** read at most this much per poll and file, so one huge file cannot stall the others */
const MAX_READ = 16 << 20;

const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

export function parseMetricsLine(text: string): MetricsPoint | undefined {
  let m: unknown;
  try { m = JSON.parse(text); } catch { return undefined; }
  if (typeof m !== "object" || m === null || Array.isArray(m)) return undefined;
  const o = m as Record<string, unknown>;
  if (!finite(o.step) || !finite(o.tokens)) return undefined;
  const p: MetricsPoint = { step: o.step, tokens: o.tokens };
  for (const k of ["flops", "trainLoss", "valLoss", "tokensPerSecond", "mfu", "mfuMegatron", "time"] as const) if (finite(o[k])) p[k] = o[k];
  return p;
}

export class MetricsTail {
  readonly points: MetricsPoint[] = [];
  /** lines that were complete but not valid metrics */
  skipped = 0;
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private lastSize = -1;
  private lastMtime = -1;

  constructor(readonly path: string) {}

  /** modification time of the file when last read completely (−1 before it exists) */
  get mtimeMs(): number {
    return this.lastMtime;
  }

  /** True when the partial last line is pending (for tests and the page's "writing…" hint). */
  get hasPartialLine(): boolean {
    return this.partial.length > 0;
  }

  /** Reads what was appended; returns the number of new points (−1 when the file was reset). */
  poll(): number {
    let st;
    try { st = statSync(this.path); } catch { return 0; }
    if (st.size === this.lastSize && st.mtimeMs === this.lastMtime) return 0;
    let reset = false;
    if (st.size < this.offset) {
      this.points.length = 0;
      this.offset = 0;
      this.partial = Buffer.alloc(0);
      this.skipped = 0;
      reset = true;
    }
    const want = Math.min(st.size - this.offset, MAX_READ);
    let added = 0;
    if (want > 0) {
      const buf = Buffer.alloc(want);
      const fd = openSync(this.path, "r");
      let got = 0;
      try { got = readSync(fd, buf, 0, want, this.offset); } finally { closeSync(fd); }
      this.offset += got;
      added = this.consume(buf.subarray(0, got));
    }
    // only remember the size once everything up to it is read (MAX_READ may leave a rest for the next poll)
    if (this.offset >= st.size) { this.lastSize = st.size; this.lastMtime = st.mtimeMs; }
    return reset ? -1 : added;
  }

  private consume(chunk: Buffer): number {
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    let start = 0, added = 0;
    for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      const line = data.toString("utf8", start, nl).trim();
      start = nl + 1;
      if (!line) continue;
      const p = parseMetricsLine(line);
      if (p) { this.points.push(p); added++; } else this.skipped++;
    }
    this.partial = Buffer.from(data.subarray(start));
    return added;
  }
}

/**
 * Downsampling for display: at most `max` points per curve. The x range (log scale, as the charts draw it)
 * is cut into `max - 2` equal bins; the first and last points are always kept, and in each bin its last
 * point (where the run stood at the bin's end; no averaging, so every drawn point is a logged one). Log bins
 * keep the early, fast-falling part of a curve as detailed as the long tail. Curves with ≤ max points are
 * returned as they are. The table's best and last losses always come from all points, never from these.
 */
export function downsampleLog<T>(points: readonly T[], max: number, x: (p: T) => number): T[] {
  if (points.length <= max || max < 3) return points.slice();
  const first = points[0]!, last = points[points.length - 1]!;
  const inner = points.slice(1, -1).filter((p) => x(p) > 0);
  const lo = Math.log(Math.max(x(first), Math.min(...inner.map(x)))), hi = Math.log(x(last));
  const bins = max - 2;
  const best: (T | undefined)[] = new Array(bins);
  for (const p of inner) {
    const b = hi > lo ? Math.min(bins - 1, Math.max(0, Math.floor(((Math.log(x(p)) - lo) / (hi - lo)) * bins))) : 0;
    best[b] = p;
  }
  return [first, ...best.filter((p): p is T => p !== undefined), last];
}

// Parallel ingest of plain FASTA files: each file is cut into byte ranges that start at a '>' at a line start
// (`alignedRanges`), worker threads (ingest-worker.ts) parse, validate and hash the ranges, and the main thread
// replays their results strictly in input order (counts, dedup, staging) — the same records in the same order
// as the serial scan, so the corpus is byte-identical whatever the number of workers. At most 2 × workers
// ranges are in flight (each ≈ its size in memory, twice), so the range size follows the memory budget.
// A worker error (a malformed file, a bad record with --on-bad fail) is re-found by a serial scan of that
// file, which throws the exact FILE: line L (byte B) error.
import { Worker } from "node:worker_threads";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { BadReason } from "./fasta.js";

export interface ChunkJob { id: number; path: string; start: number; end: number; minLength: number; maxLength: number; failOnBad: boolean; ids: boolean }
/** per record: kind (KIND_*), length; valid records' hashes (16 bytes each) and residues follow in order */
export interface ChunkResult { id: number; records: number; kinds: Uint8Array; lens: Uint32Array; hashes: Uint8Array; residues: Uint8Array; ids: string; error?: string }

export const KIND_OK = 0, KIND_SHORT = 1, KIND_LONG = 2;
export const BAD_KINDS: BadReason[] = ["empty", "invalid-char", "internal-stop"];


export interface Range { path: string; start: number; end: number }

/** Byte ranges of about `chunk` bytes, each beginning at a header ('>' at a line start) or at 0. */
export function alignedRanges(path: string, chunk: number): Range[] {
  const size = statSync(path).size;
  const starts = [0];
  const fd = openSync(path, "r");
  const win = Buffer.allocUnsafe(1 << 16);
  try {
    for (let b = chunk; b < size; b += chunk) {
      let pos = Math.max(b - 1, starts[starts.length - 1]!);
      let found = -1;
      while (found < 0 && pos < size) {
        const got = readSync(fd, win, 0, win.length, pos);
        if (got <= 0) break;
        for (let i = 0; i + 1 < got; i++) if (win[i] === 10 && win[i + 1] === 62) { found = pos + i + 1; break; }
        pos += got - 1; // overlap one byte so a "\n>" across windows is seen
        if (got < 2) break;
      }
      if (found < 0) break;
      if (found > starts[starts.length - 1]!) starts.push(found);
    }
  } finally {
    closeSync(fd);
  }
  return starts.map((s, i) => ({ path, start: s, end: i + 1 < starts.length ? starts[i + 1]! : size }));
}

export class IngestPool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private waiting = new Map<number, { resolve: (r: ChunkResult) => void; reject: (e: Error) => void }>();
  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      // the parent's flags are not for the worker (--input-type, --expose-gc are refused by a Worker)
      const w = new Worker(new URL("./ingest-worker.js", import.meta.url), { execArgv: [] });
      w.on("message", (r: ChunkResult) => {
        const p = this.waiting.get(r.id);
        this.waiting.delete(r.id);
        this.idle.push(w);
        this.pump();
        p?.resolve(r);
      });
      w.on("error", (e) => { for (const p of this.waiting.values()) p.reject(e); this.waiting.clear(); });
      this.workers.push(w);
      this.idle.push(w);
    }
  }
  private queue: ChunkJob[] = [];
  private pump(): void {
    while (this.idle.length && this.queue.length) this.idle.pop()!.postMessage(this.queue.shift()!);
  }
  run(job: ChunkJob): Promise<ChunkResult> {
    return new Promise((resolve, reject) => {
      this.waiting.set(job.id, { resolve, reject });
      this.queue.push(job);
      this.pump();
    });
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Run `ranges` on the pool, at most `inFlight` at once, handing results to `replay` in range order.
 */
export async function forEachRangeResult(
  pool: IngestPool, ranges: Range[], job: Omit<ChunkJob, "id" | "path" | "start" | "end">, inFlight: number,
  replay: (r: ChunkResult, range: Range) => void, signal?: AbortSignal,
): Promise<void> {
  const pending: Promise<ChunkResult>[] = [];
  let next = 0;
  const launch = () => {
    while (next < ranges.length && pending.length < inFlight) {
      const g = ranges[next]!;
      pending.push(pool.run({ ...job, id: next, path: g.path, start: g.start, end: g.end }));
      next++;
    }
  };
  launch();
  for (let i = 0; i < ranges.length; i++) {
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    const r = await pending.shift()!;
    launch();
    if (r.error) throw Object.assign(new Error(r.error), { range: ranges[i] });
    replay(r, ranges[i]!);
  }
}

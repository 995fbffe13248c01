// Exact deduplication by 128-bit content hash (the first 16 bytes of SHA-256 of the residue token ids — faster
// than MD5 where the CPU has SHA extensions; collisions are negligible for
// non-adversarial data: p ≈ n²/2¹²⁹). Two paths with one interface:
//  - in memory: an open-addressing table of (hash, first record id), 20 bytes per slot, load ≤ 0.6, grown by
//    doubling up to `memoryMB`; duplicates are known at once, so they are never written to the shards.
//  - on disk (when the table would exceed `memoryMB`, or when forced): the table is spilled as the first sorted
//    run, then every record's (hash, id) goes to fixed-size sorted runs; `finish()` k-way merges the runs and
//    marks every occurrence after the first in a bitmap (1 bit per record).
// Memory bound: memoryMB for the table; disk path adds runEntries × 24 bytes + records/8 bytes + 64 KB per run.
import { hash } from "node:crypto";
import { closeSync, openSync, readSync, rmSync, mkdirSync } from "node:fs";
import { writeAll } from "../core/files.js";
import { join } from "node:path";

export function contentHash(residues: Uint8Array): Buffer {
  return hash("sha256", residues, "buffer") as unknown as Buffer;
}

const W = 5; // words per slot: 4 hash words + record id

export interface DedupOptions {
  /** in-memory table budget (default 512 MB: a 2^24-slot table of 335 MB holding up to 10M distinct sequences) */
  memoryMB?: number;
  /** directory for sorted runs (disk path) */
  tmpDir: string;
  /** entries per sorted run on the disk path (default 2M ≈ 48 MB) */
  runEntries?: number;
  /** start on the disk path immediately (tests, or a known-huge corpus) */
  forceDisk?: boolean;
}

export interface DedupResult {
  mode: "memory" | "disk";
  distinct: number;
  /** bitmap of record ids found to be duplicates only by the disk merge (empty in memory mode) */
  lateDuplicates: Uint8Array;
  lateDuplicateCount: number;
  runs: number;
}

export class Deduper {
  private table: Uint32Array;
  private mask: number;
  private count = 0;
  private readonly maxSlots: number;
  private disk = false;
  private runBuf: Uint32Array = new Uint32Array(0);
  private runLen = 0;
  private runFiles: string[] = [];
  private maxId = -1;
  private readonly runEntries: number;

  constructor(private readonly opts: DedupOptions) {
    this.maxSlots = Math.max(1024, 2 ** Math.floor(Math.log2(((opts.memoryMB ?? 512) * 2 ** 20) / (W * 4))));
    this.runEntries = opts.runEntries ?? 2_000_000;
    const slots = Math.min(1 << 16, this.maxSlots);
    this.table = new Uint32Array(slots * W);
    this.mask = slots - 1;
    if (opts.forceDisk) this.toDisk();
  }

  get mode(): "memory" | "disk" {
    return this.disk ? "disk" : "memory";
  }

  /**
   * Record `id` (strictly increasing) with content hash `h` (16 bytes). Returns false when it is known now
   * to duplicate an earlier record; true otherwise (on the disk path, `finish()` may still mark it).
   */
  add(h: Buffer, id: number): boolean {
    if (id < this.maxId) throw new Error("Deduper.add: record ids must not decrease");
    this.maxId = id;
    const a = h.readUInt32LE(0), b = h.readUInt32LE(4), c = h.readUInt32LE(8), d = (h.readUInt32LE(12) | 1) >>> 0;
    if (!this.disk) {
      const t = this.table;
      let s = a & this.mask;
      for (;;) {
        const o = s * W;
        if (t[o + 3] === 0) break;
        if (t[o] === a && t[o + 1] === b && t[o + 2] === c && t[o + 3] === d) return false;
        s = (s + 1) & this.mask;
      }
      if (this.count + 1 > (this.mask + 1) * 0.6) {
        if ((this.mask + 1) * 2 <= this.maxSlots) this.grow();
        else this.toDisk();
      }
    }
    if (!this.disk) {
      const o = this.slotFor(a);
      const t = this.table;
      t[o] = a; t[o + 1] = b; t[o + 2] = c; t[o + 3] = d; t[o + 4] = id;
      this.count++;
      return true;
    }
    const r = this.runBuf, o = this.runLen * W;
    r[o] = a; r[o + 1] = b; r[o + 2] = c; r[o + 3] = d; r[o + 4] = id;
    if (++this.runLen === this.runEntries) this.flushRun();
    return true;
  }

  private slotFor(a: number): number {
    let s = a & this.mask;
    while (this.table[s * W + 3] !== 0) s = (s + 1) & this.mask;
    return s * W;
  }

  private grow(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    this.table = new Uint32Array(slots * W);
    this.mask = slots - 1;
    for (let o = 0; o < old.length; o += W) {
      if (old[o + 3] === 0) continue;
      const n = this.slotFor(old[o]!);
      this.table.set(old.subarray(o, o + W), n);
    }
  }

  /** Switch to the disk path: the table's entries become the first sorted run (compacted in place, so the
   * spill needs no second copy of the table). */
  private toDisk(): void {
    mkdirSync(this.opts.tmpDir, { recursive: true });
    this.disk = true;
    const t = this.table;
    let n = 0;
    for (let o = 0; o < t.length; o += W) {
      if (t[o + 3] === 0) continue;
      if (o !== n * W) t.copyWithin(n * W, o, o + W);
      n++;
    }
    this.writeRun(t, n);
    this.table = new Uint32Array(0);
    this.runBuf = new Uint32Array(Math.max(this.runEntries, 1) * W);
  }

  private flushRun(): void {
    if (this.runLen === 0) return;
    this.writeRun(this.runBuf, this.runLen);
    this.runLen = 0;
  }

  /** Sort entries [0, n) of buf through an index and write them in 1 MB blocks. */
  private writeRun(buf: Uint32Array, n: number): void {
    if (n === 0) return;
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    idx.sort((x, y) => compareEntry(buf, x * W, buf, y * W));
    const block = new Uint32Array(W * 52428);
    const file = join(this.opts.tmpDir, `dedup-run-${this.runFiles.length}.bin`);
    const fd = openSync(file, "w");
    try {
      for (let i = 0; i < n; ) {
        let k = 0;
        for (; k < 52428 && i < n; k++, i++) block.set(buf.subarray(idx[i]! * W, idx[i]! * W + W), k * W);
        writeAll(fd, new Uint8Array(block.buffer, 0, k * W * 4));
      }
    } finally {
      closeSync(fd);
    }
    this.runFiles.push(file);
  }

  /** Resolve the disk path (merge runs); frees memory. `records` = total record ids issued. */
  finish(records: number): DedupResult {
    if (!this.disk) {
      const r = { mode: "memory" as const, distinct: this.count, lateDuplicates: new Uint8Array(0), lateDuplicateCount: 0, runs: 0 };
      this.table = new Uint32Array(0);
      return r;
    }
    this.flushRun();
    this.runBuf = new Uint32Array(0);
    const bitmap = new Uint8Array(Math.ceil(records / 8));
    const readers = this.runFiles.map((f) => new RunReader(f));
    // binary heap of reader indices ordered by their current entry
    const heap: number[] = [];
    const less = (i: number, j: number) => compareEntry(readers[i]!.buf, readers[i]!.pos, readers[j]!.buf, readers[j]!.pos) < 0;
    const up = (k: number) => {
      while (k > 0) {
        const p = (k - 1) >> 1;
        if (!less(heap[k]!, heap[p]!)) break;
        [heap[k], heap[p]] = [heap[p]!, heap[k]!];
        k = p;
      }
    };
    const down = (k: number) => {
      for (;;) {
        const l = 2 * k + 1, r = l + 1;
        let m = k;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === k) break;
        [heap[k], heap[m]] = [heap[m]!, heap[k]!];
        k = m;
      }
    };
    readers.forEach((rd, i) => { if (rd.ok) { heap.push(i); up(heap.length - 1); } });
    const prev = new Uint32Array(4);
    let havePrev = false, distinct = 0, late = 0;
    while (heap.length) {
      const i = heap[0]!;
      const rd = readers[i]!;
      const b = rd.buf, p = rd.pos;
      if (havePrev && b[p] === prev[0] && b[p + 1] === prev[1] && b[p + 2] === prev[2] && b[p + 3] === prev[3]) {
        const id = b[p + 4]!;
        bitmap[id >> 3]! |= 1 << (id & 7);
        late++;
      } else {
        prev.set(b.subarray(p, p + 4));
        havePrev = true;
        distinct++;
      }
      if (rd.advance()) down(0);
      else {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
        if (heap.length) down(0);
      }
    }
    for (const rd of readers) rd.close();
    for (const f of this.runFiles) rmSync(f, { force: true });
    return { mode: "disk", distinct, lateDuplicates: bitmap, lateDuplicateCount: late, runs: this.runFiles.length };
  }
}

function compareEntry(x: Uint32Array, i: number, y: Uint32Array, j: number): number {
  for (let k = 0; k < W; k++) {
    const d = x[i + k]! - y[j + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Buffered sequential reader of one sorted run file. */
class RunReader {
  readonly buf = new Uint32Array(W * 3276); // ≈ 64 KB
  pos = 0;
  private n = 0;
  private fd: number;
  ok: boolean;
  constructor(file: string) {
    this.fd = openSync(file, "r");
    this.ok = this.fill();
  }
  private fill(): boolean {
    const bytes = readSync(this.fd, new Uint8Array(this.buf.buffer), 0, this.buf.byteLength, null);
    this.n = bytes / 4;
    this.pos = 0;
    return this.n > 0;
  }
  advance(): boolean {
    this.pos += W;
    if (this.pos < this.n) return true;
    this.ok = this.fill();
    return this.ok;
  }
  close(): void {
    closeSync(this.fd);
  }
}

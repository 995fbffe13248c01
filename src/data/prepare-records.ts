// The staged records of a build, on disk: what grows with the record count lives here, not on the heap.
//   staging.tok  residues of every staged record, concatenated in record order
//   records.bin  16 bytes per staged record: u32 length, u32 split hash (first word of the content hash),
//                u32 source index, u32 reserved (0)
//   latedups.bin bitmap (1 bit per record) of the duplicates that only the disk dedup's merge found
// Both files are read sequentially, together, by `forEachStaged`; memory stays at the two read buffers.
import { closeSync, openSync, readSync } from "node:fs";
import { AtomicWriter } from "./shards.js";
import { PrepareError } from "./prepare-errors.js";

export const RECORD_BYTES = 16;

export interface StagedFiles {
  stagingPath: string;
  recordsPath: string;
  /** staged records (ids 0..records-1) */
  records: number;
}

/** Appends records to staging.tok and records.bin (both written as .part and renamed on close). */
export class StagingWriter {
  private readonly res: AtomicWriter;
  private readonly meta: AtomicWriter;
  private readonly row = new Uint32Array(4);
  private readonly rowBytes = new Uint8Array(this.row.buffer);
  records = 0;
  constructor(readonly stagingPath: string, readonly recordsPath: string) {
    this.res = new AtomicWriter(stagingPath, 0, false);
    this.meta = new AtomicWriter(recordsPath, 0, false);
  }
  add(residues: Uint8Array, hash32: number, source: number): void {
    this.res.write(residues);
    const r = this.row;
    r[0] = residues.length; r[1] = hash32; r[2] = source; r[3] = 0;
    this.meta.write(this.rowBytes);
    this.records++;
  }
  close(): StagedFiles {
    this.res.close();
    this.meta.close();
    return { stagingPath: this.stagingPath, recordsPath: this.recordsPath, records: this.records };
  }
}

export interface StagedMeta {
  hash32: number;
  source: number;
}

/** Sequential reader of a file in large blocks. */
class BlockReader {
  private fd: number;
  buf: Buffer;
  start = 0;
  end = 0;
  constructor(readonly path: string, size: number) {
    this.fd = openSync(path, "r");
    this.buf = Buffer.allocUnsafe(size);
  }
  /** make at least n bytes available at [start, start + n); false at end of file */
  need(n: number): boolean {
    if (this.end - this.start >= n) return true;
    if (n > this.buf.length) {
      const b = Buffer.allocUnsafe(n * 2);
      this.buf.copy(b, 0, this.start, this.end);
      this.buf = b;
    } else this.buf.copy(this.buf, 0, this.start, this.end);
    this.end -= this.start;
    this.start = 0;
    while (this.end < n) {
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (got <= 0) return false;
      this.end += got;
    }
    return true;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Read the staged records in order, calling fn(recordId, residues, meta) per record (views valid during the
 * call). `between` is awaited after each block refill (backpressure of a writer fed by fn).
 */
export async function forEachStaged(
  st: StagedFiles, fn: (i: number, res: Uint8Array, meta: StagedMeta) => void, between?: () => Promise<void> | undefined,
): Promise<void> {
  const res = new BlockReader(st.stagingPath, 1 << 24);
  const meta = new BlockReader(st.recordsPath, RECORD_BYTES << 16);
  const m: StagedMeta = { hash32: 0, source: 0 };
  try {
    for (let i = 0; i < st.records; i++) {
      if (!meta.need(RECORD_BYTES)) throw new PrepareError(`${st.recordsPath}: shorter than its ${st.records} records`);
      const b = meta.buf, o = meta.start;
      const n = b.readUInt32LE(o);
      m.hash32 = b.readUInt32LE(o + 4);
      m.source = b.readUInt32LE(o + 8);
      meta.start += RECORD_BYTES;
      if (res.end - res.start < n) {
        if (!res.need(n)) throw new PrepareError(`${st.stagingPath}: staging file shorter than its records`);
        const p = between?.();
        if (p) await p;
      }
      fn(i, res.buf.subarray(res.start, res.start + n), m);
      res.start += n;
    }
  } finally {
    res.close();
    meta.close();
  }
}

/** Read records.bin alone, in order: fn(recordId, source, hash32). */
export async function forEachRecordMeta(st: StagedFiles, fn: (i: number, source: number, hash32: number) => void): Promise<void> {
  const meta = new BlockReader(st.recordsPath, RECORD_BYTES << 16);
  try {
    for (let i = 0; i < st.records; i++) {
      if (!meta.need(RECORD_BYTES)) throw new PrepareError(`${st.recordsPath}: shorter than its ${st.records} records`);
      const o = meta.start;
      fn(i, meta.buf.readUInt32LE(o + 8), meta.buf.readUInt32LE(o + 4));
      meta.start += RECORD_BYTES;
    }
  } finally {
    meta.close();
  }
}

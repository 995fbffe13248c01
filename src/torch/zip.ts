// A read-only ZIP reader for PyTorch checkpoints (torch.save since 1.6 writes a ZIP of `archive/data.pkl`,
// `archive/data/N` storages, `archive/version`). Entries are read on demand through a file descriptor, so a
// multi-GB checkpoint is never held in memory at once. Stored and deflated entries, ZIP64 sizes and offsets
// (PKWARE APPNOTE 6.3.x §4.3.16, §4.5.3). Every length is checked against the file before it is trusted.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { constants as zlibConstants, inflateRawSync } from "node:zlib";

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipFormatError";
  }
}

export interface ZipEntry {
  name: string;
  method: number; // 0 stored, 8 deflated
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50, EOCD64_SIG = 0x06064b50, LOC64_SIG = 0x07064b50, CEN_SIG = 0x02014b50, LOC_SIG = 0x04034b50;
/** the largest entry this reader inflates into memory (a storage bigger than this must be stored, as torch does) */
const MAX_INFLATE = 1 << 30;
const PREFIX_SLACK = 1 << 20;

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly fd: number;
  readonly fileSize: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, "r");
    try {
      this.fileSize = fstatSync(this.fd).size;
      this.readDirectory();
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private read(offset: number, length: number, what: string): Buffer {
    if (offset < 0 || length < 0 || offset + length > this.fileSize) {
      throw new ZipFormatError(`${this.path}: ${what} at byte ${offset} (+${length}) lies outside the file (${this.fileSize} bytes): truncated or corrupt archive`);
    }
    const b = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, b, done, length - done, offset + done);
      if (n === 0) throw new ZipFormatError(`${this.path}: unexpected end of file reading ${what}`);
      done += n;
    }
    return b;
  }

  private readDirectory(): void {
    // the end-of-central-directory record sits in the last 22 + 65535 (comment) bytes
    const tailLen = Math.min(this.fileSize, 22 + 65535);
    const tail = this.read(this.fileSize - tailLen, tailLen, "end of archive");
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD_SIG) { eocd = i; break; }
    if (eocd < 0) throw new ZipFormatError(`${this.path}: no ZIP end-of-central-directory record (not a ZIP archive, or truncated)`);
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const locAt = this.fileSize - tailLen + eocd - 20;
      const loc = this.read(locAt, 20, "ZIP64 locator");
      if (loc.readUInt32LE(0) !== LOC64_SIG) throw new ZipFormatError(`${this.path}: ZIP64 locator missing`);
      const rec = this.read(num64(loc, 8, this.path), 56, "ZIP64 end record");
      if (rec.readUInt32LE(0) !== EOCD64_SIG) throw new ZipFormatError(`${this.path}: ZIP64 end record missing`);
      count = num64(rec, 32, this.path);
      cdSize = num64(rec, 40, this.path);
      cdOffset = num64(rec, 48, this.path);
    }
    const cd = this.read(cdOffset, cdSize, "central directory");
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN_SIG) throw new ZipFormatError(`${this.path}: central directory entry ${i} is corrupt`);
      const method = cd.readUInt16LE(p + 10);
      let compressedSize = cd.readUInt32LE(p + 20), size = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28), extraLen = cd.readUInt16LE(p + 30), commentLen = cd.readUInt16LE(p + 32);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      if (p + 46 + nameLen + extraLen > cd.length) throw new ZipFormatError(`${this.path}: central directory entry ${i} overruns the directory`);
      const name = cd.toString("utf8", p + 46, p + 46 + nameLen);
      // ZIP64 extended information: only the fields whose 32-bit value is 0xffffffff, in this order
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e), len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) (size = num64(cd, q, this.path)), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = num64(cd, q, this.path)), (q += 8);
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = num64(cd, q, this.path);
        }
        e += 4 + len;
      }
      if (method !== 0 && method !== 8) throw new ZipFormatError(`${this.path}: entry ${name} uses compression method ${method} (only stored and deflate are supported)`);
      // two entries of one name: which one a reader takes differs between tools, so neither is trusted
      if (this.entries.has(name)) throw new ZipFormatError(`${this.path}: entry ${name} appears twice in the central directory`);
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  /** The bytes of one entry; with `limit`, only its first `limit` bytes (a stored entry reads no more, a
   *  deflated one inflates no more: an entry whose data inflates beyond its declared size is refused). */
  readEntry(name: string, limit?: number): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new ZipFormatError(`${this.path}: no entry ${name}`);
    const want = limit === undefined ? e.size : Math.min(limit, e.size);
    const head = this.read(e.localHeaderOffset, 30, `local header of ${name}`);
    if (head.readUInt32LE(0) !== LOC_SIG) throw new ZipFormatError(`${this.path}: local header of ${name} is corrupt`);
    const start = e.localHeaderOffset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
    if (e.method === 0) {
      if (e.compressedSize !== e.size) throw new ZipFormatError(`${this.path}: stored entry ${name} has differing sizes`);
      if (start + e.size > this.fileSize) throw new ZipFormatError(`${this.path}: data of ${name} (${e.size} bytes at byte ${start}) lies outside the file (${this.fileSize} bytes): truncated or corrupt archive`);
      return this.read(start, want, `data of ${name}`);
    }
    if (want > MAX_INFLATE) throw new ZipFormatError(`${this.path}: deflated entry ${name} of ${want} bytes is too large to inflate`);
    const raw = this.read(start, e.compressedSize, `data of ${name}`);
    if (want === e.size) {
      const out = this.inflate(raw, e.size, name, e.size, zlibConstants.Z_FINISH);
      if (out.length !== e.size) throw new ZipFormatError(`${this.path}: entry ${name} inflates to ${out.length} bytes, expected ${e.size}`);
      return out;
    }
    // a prefix: the shortest input prefix that yields `want` bytes, found by bisection with every trial capped
    // at want + PREFIX_SLACK bytes (output grows monotonically with the input, by far less than the slack per byte)
    let lo = 0, hi = raw.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const out = this.inflate(raw.subarray(0, mid), want + PREFIX_SLACK, name, e.size, zlibConstants.Z_SYNC_FLUSH, true);
      if (out !== null && out.length >= want) return out.subarray(0, want);
      if (out === null) hi = mid;
      else lo = mid + 1;
    }
    const out = this.inflate(raw.subarray(0, lo), want + PREFIX_SLACK, name, e.size, zlibConstants.Z_SYNC_FLUSH, true);
    if (out === null || out.length < want) throw new ZipFormatError(`${this.path}: entry ${name} inflates to fewer than the ${want} bytes its tensors use`);
    return out.subarray(0, want);
  }

  /** inflate with an output cap; over the cap: null when `nullOverCap`, else the "bomb" error */
  private inflate(raw: Buffer, cap: number, name: string, declared: number, finishFlush: number, nullOverCap: true): Buffer | null;
  private inflate(raw: Buffer, cap: number, name: string, declared: number, finishFlush: number): Buffer;
  private inflate(raw: Buffer, cap: number, name: string, declared: number, finishFlush: number, nullOverCap = false): Buffer | null {
    try {
      // maxOutputLength stops zlib as soon as the output passes the cap: a bomb costs the cap, not its size
      return inflateRawSync(raw, { maxOutputLength: Math.max(1, cap), finishFlush });
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        if (nullOverCap) return null;
        throw new ZipFormatError(`${this.path}: entry ${name} inflates to more than its declared ${declared} bytes (a decompression bomb or a lying directory)`);
      }
      throw new ZipFormatError(`${this.path}: entry ${name} does not inflate (${(err as Error).message})`);
    }
  }
}

function num64(b: Buffer, at: number, path: string): number {
  if (at + 8 > b.length) throw new ZipFormatError(`${path}: ZIP64 field overruns its record`);
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`${path}: ZIP64 value ${v} is too large`);
  return Number(v);
}

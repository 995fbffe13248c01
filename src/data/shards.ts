// Token shard and index files (docs/DATA.md "Corpus directory"). Little-endian throughout.
//  shard  (.tok): 64-byte header [magic "PLMTOKEN", u32 version, u32 dtype (1 = uint8), u64 token count,
//                 16-byte vocab id, zero padding] then `token count` residue ids (uint8; <cls>/<eos> are added
//                 by the sampler, so a crop never has to remove them).
//  index  (.idx): 64-byte header [magic "PLMINDEX", u32 version, u32 fields (4), u64 entries, zero padding]
//                 then entries of 4 × u32: shard number, offset in shard, length (residues), cluster id.
import { closeSync, fstatSync, openSync, readSync, renameSync } from "node:fs";
import { writeAll } from "../core/files.js";
import { createHash, type Hash } from "node:crypto";
import { VOCAB_ID } from "./tokenizer.js";
import { UserError } from "../core/errors.js";

export const SHARD_MAGIC = "PLMTOKEN";
export const INDEX_MAGIC = "PLMINDEX";
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
export const DTYPE_UINT8 = 1;
export const INDEX_FIELDS = 4;

/** A damaged or unfinished corpus on disk (exit code 3). */
export function corpusFormatError(message: string): UserError {
  return new UserError(message, 3);
}

function header(magic: string, a: number, b: number, count: number, vocab = ""): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write(magic, 0, "latin1");
  h.writeUInt32LE(a, 8);
  h.writeUInt32LE(b, 12);
  h.writeBigUInt64LE(BigInt(count), 16);
  h.write(vocab, 24, 16, "latin1");
  return h;
}

/** Buffered, hashed, append-only file written under `path + ".part"` and renamed on close. */
export class AtomicWriter {
  private fd: number;
  private buf = Buffer.allocUnsafe(1 << 22);
  private n = 0;
  private readonly sha: Hash | null;
  bytes = 0;
  /** `hash: false` for build-internal files (staging), whose digest nobody reads */
  constructor(readonly path: string, headerBytes = 0, hash = true) {
    this.sha = hash ? createHash("sha256") : null;
    this.fd = openSync(path + ".part", "w");
    if (headerBytes) this.write(Buffer.alloc(headerBytes)); // placeholder, rewritten on close
  }
  write(data: Uint8Array): void {
    if (this.n + data.length > this.buf.length) this.flush();
    if (data.length > this.buf.length) {
      writeAll(this.fd, data);
      this.sha?.update(data);
    } else {
      this.buf.set(data, this.n);
      this.n += data.length;
    }
    this.bytes += data.length;
  }
  private flush(): void {
    if (this.n === 0) return;
    const chunk = this.buf.subarray(0, this.n);
    writeAll(this.fd, chunk);
    this.sha?.update(chunk);
    this.n = 0;
  }
  /** Rewrite the header at offset 0, fsync-free close, rename into place; returns sha256 of the body. */
  close(headerBuf?: Buffer): { bytes: number; sha256: string } {
    this.flush();
    if (headerBuf) writeAll(this.fd, headerBuf, 0);
    closeSync(this.fd);
    renameSync(this.path + ".part", this.path);
    // the hash covers the body after the header (the placeholder header bytes hash as zeros)
    return { bytes: this.bytes, sha256: this.sha ? this.sha.digest("hex") : "" };
  }
}

export class ShardWriter {
  private w: AtomicWriter;
  tokens = 0;
  constructor(path: string) {
    this.w = new AtomicWriter(path, HEADER_BYTES);
  }
  append(residues: Uint8Array): number {
    const off = this.tokens;
    this.w.write(residues);
    this.tokens += residues.length;
    return off;
  }
  close(): { bytes: number; sha256: string; tokens: number } {
    const r = this.w.close(header(SHARD_MAGIC, FORMAT_VERSION, DTYPE_UINT8, this.tokens, VOCAB_ID));
    return { ...r, tokens: this.tokens };
  }
}

export class IndexWriter {
  private w: AtomicWriter;
  private row = new Uint32Array(INDEX_FIELDS);
  entries = 0;
  constructor(path: string) {
    this.w = new AtomicWriter(path, HEADER_BYTES);
  }
  append(shard: number, offset: number, length: number, cluster: number): void {
    const r = this.row;
    r[0] = shard; r[1] = offset; r[2] = length; r[3] = cluster;
    this.w.write(new Uint8Array(r.buffer));
    this.entries++;
  }
  close(): { bytes: number; sha256: string; entries: number } {
    const r = this.w.close(header(INDEX_MAGIC, FORMAT_VERSION, INDEX_FIELDS, this.entries));
    return { ...r, entries: this.entries };
  }
}

function readHeader(path: string, magic: string): { fd: number; a: number; b: number; count: number; vocab: string; size: number } {
  const fd = openSync(path, "r");
  const h = Buffer.alloc(HEADER_BYTES);
  const got = readSync(fd, h, 0, HEADER_BYTES, 0);
  const size = fstatSync(fd).size;
  const fail = (why: string): never => {
    closeSync(fd);
    throw corpusFormatError(`${path}: ${why}`);
  };
  if (got < HEADER_BYTES) fail(`too short for a ${magic} header (${got} bytes); the file is truncated or not a plmscale corpus file — rebuild it with 'plmscale data prepare'`);
  const m = h.toString("latin1", 0, 8);
  if (m !== magic) fail(`bad magic '${m.replace(/[^\x20-\x7e]/g, "?")}' (expected '${magic}'); not a plmscale corpus file — rebuild it with 'plmscale data prepare'`);
  const version = h.readUInt32LE(8);
  if (version !== FORMAT_VERSION) fail(`format version ${version}, this plmscale reads version ${FORMAT_VERSION}; rebuild the corpus with 'plmscale data prepare' (or use the plmscale release that wrote it)`);
  return { fd, a: version, b: h.readUInt32LE(12), count: Number(h.readBigUInt64LE(16)), vocab: h.toString("latin1", 24, 40).replace(/\0+$/, ""), size };
}

/** Validate a shard's or an index's header (magic, version; a shard's dtype, vocab and size) without reading
 * its body; `b` is the index's fields per entry (or the shard's dtype). */
export function readHeaderOnly(path: string, magic: string): { b: number; count: number; size: number } {
  let h;
  try {
    h = readHeader(path, magic);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw corpusFormatError(`${path}: cannot open (${(e as NodeJS.ErrnoException).code}); the corpus is incomplete — rebuild it`);
    throw e;
  }
  closeSync(h.fd);
  if (magic === SHARD_MAGIC) {
    if (h.b !== DTYPE_UINT8) throw corpusFormatError(`${path}: unsupported dtype code ${h.b}`);
    if (h.vocab !== VOCAB_ID) throw corpusFormatError(`${path}: vocabulary '${h.vocab}', expected '${VOCAB_ID}'`);
    if (h.size !== HEADER_BYTES + h.count) throw corpusFormatError(`${path}: header says ${h.count} tokens but the file holds ${h.size - HEADER_BYTES}; truncated — rebuild the corpus`);
  }
  return { b: h.b, count: h.count, size: h.size };
}

/** Read a whole shard body (residue ids), validating header, dtype, vocab and size. */
export function readShard(path: string): Uint8Array {
  const { fd, b: dtype, count, vocab, size } = readHeader(path, SHARD_MAGIC);
  try {
    if (dtype !== DTYPE_UINT8) throw corpusFormatError(`${path}: unsupported dtype code ${dtype}`);
    if (vocab !== VOCAB_ID) throw corpusFormatError(`${path}: vocabulary '${vocab}', expected '${VOCAB_ID}'`);
    if (size !== HEADER_BYTES + count) throw corpusFormatError(`${path}: header says ${count} tokens but the file holds ${size - HEADER_BYTES}; truncated — rebuild the corpus`);
    const body = new Uint8Array(count);
    let off = 0;
    while (off < count) {
      const n = readSync(fd, body, off, Math.min(count - off, 1 << 26), HEADER_BYTES + off);
      if (n <= 0) throw corpusFormatError(`${path}: short read`);
      off += n;
    }
    return body;
  } finally {
    closeSync(fd);
  }
}

/** Read an index as a Uint32Array of entries × 4 (shard, offset, length, cluster). */
export function readIndex(path: string): Uint32Array {
  const { fd, b: fields, count, size } = readHeader(path, INDEX_MAGIC);
  try {
    if (fields !== INDEX_FIELDS) throw corpusFormatError(`${path}: ${fields} fields per entry, expected ${INDEX_FIELDS}`);
    const bytes = count * fields * 4;
    if (size !== HEADER_BYTES + bytes) throw corpusFormatError(`${path}: header says ${count} entries but the file size disagrees; truncated — rebuild the corpus`);
    const out = new Uint32Array(count * fields);
    const view = new Uint8Array(out.buffer);
    let off = 0;
    while (off < bytes) {
      const n = readSync(fd, view, off, Math.min(bytes - off, 1 << 26), HEADER_BYTES + off);
      if (n <= 0) throw corpusFormatError(`${path}: short read`);
      off += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

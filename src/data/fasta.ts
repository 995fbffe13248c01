// Streaming FASTA reader: plain or gzip (detected by magic bytes), constant memory, validated against the
// protein alphabet while scanning bytes. Bad *records* are reported to the caller with a reason; a malformed
// *file* (binary data, sequence before any header, empty, truncated gzip) throws FastaFormatError naming the
// file and the line / byte offset.
import { createReadStream, statSync } from "node:fs";
import { open as openFile } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import { createHash } from "node:crypto";
import { RESIDUE_CODE, residuesToAscii } from "./tokenizer.js";
import { UserError } from "../core/errors.js";

export type BadReason = "empty" | "invalid-char" | "internal-stop";

export interface FastaRecord {
  /** first word of the header line (without '>') */
  id: string;
  /** full header line (without '>') */
  header: string;
  /** residue token ids (ESM-2 ids 4..28); a view valid only during the callback — copy to keep.
   * The record object itself is reused between callbacks: read what you need inside the callback. */
  residues: Uint8Array;
  /** 1-based line number of the header */
  line: number;
  /** 0-based byte offset of the header's '>' in the (uncompressed) text */
  offset: number;
  /** null for a valid record */
  bad: null | { reason: BadReason; detail: string };
}

/** A malformed file (exit code 3); a subclass because scanFasta re-throws it unchanged and tests match it. */
export class FastaFormatError extends UserError {
  /** byteOffset: 0-based offset in the uncompressed text (-1 when not applicable) */
  constructor(readonly file: string, readonly line: number, readonly byteOffset: number, what: string) {
    super(`${file}: line ${line} (byte ${byteOffset}): ${what}`, 3);
  }
}

export interface FastaSource {
  /** name used in error messages */
  name: string;
  /** a file path (plain or .gz, detected by content) or an already open byte stream */
  path?: string;
  stream?: Readable;
  /** opened lazily when the scan starts (e.g. a child process's stdout) */
  open?: () => Readable;
}

export interface ScanResult {
  records: number;
  bytes: number;
  lines: number;
  /** sha256 of the bytes as read (compressed bytes for .gz) when requested with `hash: true`, else null */
  sha256: string | null;
  /** raw (compressed) bytes read */
  rawBytes: number;
  /** true when onRecord returned false and the scan stopped early */
  stopped: boolean;
}

const NL = 10, CR = 13, SP = 32, TAB = 9, GT = 62, STAR = 42;

/** Open a path as a byte stream, transparently gunzipping when the file starts with 1f 8b. */
async function openMaybeGzip(path: string): Promise<{ stream: Readable; raw: Readable; gz: boolean }> {
  const fh = await import("node:fs/promises").then((m) => m.open(path, "r"));
  const head = Buffer.alloc(2);
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gz = createGunzip({ chunkSize: 1 << 18 });
    raw.on("error", (e) => gz.destroy(e));
    return { stream: raw.pipe(gz), raw, gz: true };
  }
  return { stream: raw, raw, gz: false };
}

/**
 * Scan a FASTA source and call `onRecord` synchronously for every record (valid or bad).
 * `onProgress(compressedBytesRead)` is called per chunk.
 */
export async function scanFasta(
  src: FastaSource,
  onRecord: (r: FastaRecord) => void | boolean,
  opts: { onProgress?: (bytes: number) => void; signal?: AbortSignal; hash?: boolean } = {},
): Promise<ScanResult> {
  let stream: Readable;
  let raw: Readable;
  let gz = false;
  if (src.stream) stream = raw = src.stream;
  else if (src.open) stream = raw = src.open();
  else if (src.path) ({ stream, raw, gz } = await openMaybeGzip(src.path));
  else throw new Error("scanFasta: a path, stream or open() is required");
  const file = src.name;
  // hashing the input costs about as much as parsing it, so it is opt-in (the output shards are always hashed)
  const sha = opts.hash ? createHash("sha256") : null;
  let rawBytes = 0;
  if (gz) raw.on("data", (d: Buffer) => { sha?.update(d); rawBytes += d.length; });
  let stopped = false;

  let seq = new Uint8Array(1 << 16);
  let len = 0;
  let inHeader = false;
  let lineStart = true;
  let headerParts: Buffer[] = [];
  let haveRecord = false;
  let line = 1;
  let headerLine = 0;
  let headerOffset = 0;
  let offset = 0; // uncompressed byte offset of the chunk start
  let records = 0;
  let sawStar = false;
  let bad: FastaRecord["bad"] = null;
  let nonWsSeen = false;

  // header text is decoded only when a consumer reads `id`/`header` (most ingest paths never do)
  let headerBytes: Buffer = Buffer.alloc(0);
  let headerText: string | null = null;
  const headerString = () => (headerText ??= headerBytes.toString("latin1").trim());
  const rec = {
    get id() {
      const h = headerString();
      const sp = h.search(/\s/);
      return sp < 0 ? h : h.slice(0, sp);
    },
    get header() {
      return headerString();
    },
    residues: seq.subarray(0, 0),
    line: 0,
    offset: 0,
    bad: null as FastaRecord["bad"],
  };
  const finish = () => {
    if (!haveRecord) return;
    headerBytes = headerParts.length === 1 ? headerParts[0]! : Buffer.concat(headerParts);
    headerText = null;
    let b = bad;
    if (!b && len === 0) b = { reason: "empty", detail: "no residues" };
    records++;
    rec.residues = seq.subarray(0, len);
    rec.line = headerLine;
    rec.offset = headerOffset;
    rec.bad = b;
    const more = onRecord(rec);
    len = 0;
    bad = null;
    sawStar = false;
    headerParts = [];
    haveRecord = false;
    if (more === false) stopped = true;
  };

  const compressedBytes = () => (gz ? rawBytes : offset);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw new Error("aborted");
      const n = chunk.length;
      if (!gz) { sha?.update(chunk); rawBytes += n; }
      let hStart = inHeader ? 0 : -1;
      if (len + n > seq.length) {
        const grown = new Uint8Array(Math.max(seq.length * 2, len + n));
        grown.set(seq.subarray(0, len));
        seq = grown;
      }
      for (let i = 0; i < n; i++) {
        const c = chunk[i]!;
        if (inHeader) {
          // jump to the end of the header line; check only its bytes for binary data
          const nl = chunk.indexOf(NL, i);
          const stop = nl < 0 ? n : nl;
          for (let k = i; k < stop; k++) {
            const h = chunk[k]!;
            if ((h < SP && h !== TAB && h !== CR) || h === 127) {
              throw new FastaFormatError(file, line, offset + k, `binary data (byte 0x${h.toString(16).padStart(2, "0")}) in a header`);
            }
          }
          if (nl < 0) {
            i = n - 1;
            continue;
          }
          i = nl;
          headerParts.push(chunk.subarray(hStart, i));
          inHeader = false;
          lineStart = true;
          line++;
          continue;
        }
        const code = RESIDUE_CODE[c]!;
        if (code >= 0) {
          if (!haveRecord) throw new FastaFormatError(file, line, offset + i, "sequence data before any '>' header");
          if (sawStar && !bad) bad = { reason: "internal-stop", detail: `'*' before residue ${len + 1}` };
          // hot path: copy a run of residues with locals only (the outer variables live in a closure context)
          const s = seq;
          let l = len;
          s[l++] = code;
          let j = i + 1;
          for (; j < n; j++) {
            const cc = RESIDUE_CODE[chunk[j]!]!;
            if (cc < 0) break;
            s[l++] = cc;
          }
          len = l;
          i = j - 1;
          lineStart = false;
        } else if (c === NL) {
          line++;
          lineStart = true;
        } else if (c === GT && lineStart) {
          finish();
          if (stopped) break;
          haveRecord = true;
          nonWsSeen = true;
          inHeader = true;
          headerLine = line;
          headerOffset = offset + i;
          hStart = i + 1;
        } else if (c === CR || c === SP || c === TAB) {
          // whitespace inside sequence lines is ignored
        } else if (c < SP || c >= 127) {
          throw new FastaFormatError(file, line, offset + i, `binary data (byte 0x${c.toString(16).padStart(2, "0")}); not a FASTA text file`);
        } else {
          if (!haveRecord) throw new FastaFormatError(file, line, offset + i, "sequence data before any '>' header");
          if (c === STAR) sawStar = true;
          else if (!bad) bad = { reason: "invalid-char", detail: `'${String.fromCharCode(c)}' at residue ${len + 1}` };
          lineStart = false;
        }
      }
      if (stopped) {
        stream.destroy();
        raw.destroy();
        break;
      }
      if (inHeader) headerParts.push(Buffer.from(chunk.subarray(hStart, n)));
      offset += n;
      opts.onProgress?.(compressedBytes());
    }
  } catch (e) {
    if (e instanceof FastaFormatError) {
      stream.destroy();
      throw e;
    }
    const msg = (e as Error).message;
    if ((e as NodeJS.ErrnoException).code?.startsWith("Z_") || /unexpected end of file|incorrect header|invalid/.test(msg)) {
      // zlib fails a whole input chunk at once (for a small file: before any text came out, "line 1 (byte 0)"):
      // find where the good data really ends by decompressing again in small pieces
      if (src.path) {
        const at = await locateGzipFailure(src.path);
        const size = statSync(src.path).size;
        const where = at.compressedEnd > at.compressed ? `within compressed bytes ${at.compressed}–${at.compressedEnd} of ${size}` : `at the end of the file (${size} compressed bytes)`;
        const m = at.message ?? msg;
        if (/incorrect (data|length) check/.test(m)) {
          // every block decompressed, but the checksum at the end disagrees: gzip cannot say where the damage is
          throw new FastaFormatError(file, at.line, at.byte, `corrupt gzip stream: all ${size} compressed bytes decompress, but the checksum at the end does not match (${m}); the damage is somewhere before it and gzip cannot say where`);
        }
        throw new FastaFormatError(file, at.line, at.byte, `corrupt or truncated gzip stream: good text ends here, decompression stops ${where} (${m})`);
      }
      throw new FastaFormatError(file, line, offset, `corrupt or truncated gzip stream after ${compressedBytes()} compressed bytes (${msg})`);
    }
    throw e;
  }
  if (!stopped) finish();
  if (!nonWsSeen) throw new FastaFormatError(file, line, offset, offset === 0 ? "empty file" : "no FASTA records ('>' headers) found");
  return { records, bytes: offset, lines: line, sha256: sha ? sha.digest("hex") : null, rawBytes, stopped };
}

/** A record read whole: id, residue letters (upper case, trailing '*' dropped), 1-based header line. */
export interface SequenceRecord {
  id: string;
  seq: string;
  line: number;
}

/**
 * All records of a small FASTA file (sequences to score or embed), in file order. Empty records are skipped;
 * a record with an invalid character or an internal stop is a UserError naming the file, line and record.
 */
export async function readFastaRecords(path: string): Promise<SequenceRecord[]> {
  const out: SequenceRecord[] = [];
  let bad = "";
  let headers = 0;
  try {
    await scanFasta({ name: path, path }, (r) => {
      headers++;
      if (r.bad?.reason === "empty") return;
      if (r.bad) {
        bad = `${path}: line ${r.line}: record '${r.id}' has ${r.bad.reason === "invalid-char" ? "an invalid character" : "an internal stop"} (${r.bad.detail})`;
        return false;
      }
      out.push({ id: r.id || `seq${out.length + 1}`, seq: residuesToAscii(r.residues).toString("latin1"), line: r.line });
    });
  } catch (e) {
    if (e instanceof FastaFormatError) throw new UserError(e.message);
    throw e;
  }
  if (bad) throw new UserError(bad);
  // a file of headers only (or of empty records) has nothing to score or embed: an error, not an empty result
  if (out.length === 0) throw new UserError(`${path}: no sequences (${headers} record${headers === 1 ? "" : "s"}, all without residues)`);
  return out;
}

/** Piece size for locating a gzip failure: the reported position is exact to within this many compressed bytes. */
const LOCATE_PIECE = 1024;

/**
 * Where a corrupt or truncated gzip file stops yielding good text: decompress it again, LOCATE_PIECE compressed
 * bytes at a time, counting the uncompressed bytes and lines that come out before zlib fails.
 */
export async function locateGzipFailure(path: string): Promise<{ line: number; byte: number; compressed: number; compressedEnd: number; message?: string }> {
  const fh = await openFile(path, "r");
  const gz = createGunzip({ chunkSize: LOCATE_PIECE });
  let byte = 0, line = 1, pos = 0, lastPiece = 0;
  let failed: Error | null = null;
  gz.on("data", (d: Buffer) => {
    byte += d.length;
    for (let i = 0; i < d.length; i++) if (d[i] === NL) line++;
  });
  gz.on("error", (e) => { failed ??= e; });
  const settle = () => new Promise<void>((res) => setImmediate(res));
  try {
    const buf = Buffer.alloc(LOCATE_PIECE);
    while (!failed) {
      const { bytesRead } = await fh.read(buf, 0, LOCATE_PIECE, pos);
      if (bytesRead === 0) break;
      lastPiece = bytesRead;
      // resolves when zlib has taken the piece, or has failed on it (a failed write's callback may never run)
      await new Promise<void>((res) => {
        const done = () => { gz.off("error", done); res(); };
        gz.once("error", done);
        gz.write(Buffer.from(buf.subarray(0, bytesRead)), () => done());
      });
      await settle();
      if (!failed) pos += bytesRead;
    }
    if (!failed) {
      gz.end();
      await new Promise<void>((res) => { gz.once("end", res); gz.once("close", res); gz.once("error", () => res()); });
      lastPiece = 0;
    }
  } finally {
    await fh.close();
    gz.destroy();
  }
  return { line, byte, compressed: pos, compressedEnd: pos + lastPiece, ...(failed ? { message: (failed as Error).message } : {}) };
}

// Positional reads from a corpus's files (docs/DATA.md "Read path"): nothing proportional to the corpus is
// held in memory. Files are opened on first use and kept in a small LRU of descriptors (a corpus at the
// paper's scale has hundreds of shards); index entries (16 bytes) pass through a direct-mapped cache so a
// sequence drawn and then placed costs one index read. Every read is checked: a file that became shorter
// after the corpus was opened is a UserError naming it, never a silent short read.
import { closeSync, openSync, readSync } from "node:fs";
import { corpusFormatError, HEADER_BYTES, INDEX_FIELDS } from "./shards.js";

const MAX_OPEN = 64;
const open = new Map<string, number>();

function fdOf(path: string): number {
  let fd = open.get(path);
  if (fd !== undefined) {
    open.delete(path);
    open.set(path, fd); // most recently used last
    return fd;
  }
  if (open.size >= MAX_OPEN) {
    const [p, old] = open.entries().next().value as [string, number];
    open.delete(p);
    closeSync(old);
  }
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw corpusFormatError(`${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the corpus is incomplete — rebuild it`);
  }
  open.set(path, fd);
  return fd;
}

/** Close every descriptor opened for `prefix` (a corpus directory), e.g. before deleting it. */
export function closeCorpusFiles(prefix = ""): void {
  for (const [p, fd] of [...open]) if (p.startsWith(prefix)) { open.delete(p); closeSync(fd); }
}

/** Read exactly `into.length` bytes at `position` of `path`, or throw a UserError naming the file. */
export function readExact(path: string, into: Uint8Array, position: number): void {
  const fd = fdOf(path);
  let off = 0;
  while (off < into.length) {
    const n = readSync(fd, into, off, into.length - off, position + off);
    if (n <= 0) throw corpusFormatError(`${path}: truncated — ${into.length} bytes expected at byte ${position}, the file ends at ${position + off}; the corpus is damaged, rebuild it with 'plmscale data prepare'`);
    off += n;
  }
}

const SLOTS = 1024;

/** One index file read by entry: [shard, offset, length, cluster] of entry i, through a small cache. */
export class IndexFile {
  private readonly keys = new Float64Array(SLOTS).fill(-1);
  private readonly rows = new Uint32Array(SLOTS * INDEX_FIELDS);
  private readonly one = new Uint8Array(INDEX_FIELDS * 4);
  private readonly oneU32 = new Uint32Array(this.one.buffer);
  constructor(readonly path: string, readonly entries: number) {}

  /** Field f (0 shard, 1 offset, 2 length, 3 cluster) of entry i. */
  field(i: number, f: number): number {
    const slot = i & (SLOTS - 1);
    if (this.keys[slot] !== i) {
      if (!(i >= 0 && i < this.entries)) throw new RangeError(`${this.path}: entry ${i} outside [0, ${this.entries})`);
      readExact(this.path, this.one, HEADER_BYTES + i * INDEX_FIELDS * 4);
      this.rows.set(this.oneU32, slot * INDEX_FIELDS);
      this.keys[slot] = i;
    }
    return this.rows[slot * INDEX_FIELDS + f]!;
  }
}

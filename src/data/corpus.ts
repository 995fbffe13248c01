// Reading a prepared corpus: validate the manifest and the files it lists, then read a split's sequences in
// place, by position from the shard and index files (corpus-files.ts): the process holds nothing proportional
// to the number of sequences or residues, so a corpus far larger than memory trains (docs/DATA.md "Read path").
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { validateManifest, type CorpusManifest } from "./manifest.js";
import { readHeaderOnly, corpusFormatError, HEADER_BYTES, SHARD_MAGIC, INDEX_MAGIC, INDEX_FIELDS } from "./shards.js";
import { IndexFile, readExact } from "./corpus-files.js";
import type { Split } from "./cluster.js";


/** One source's sequences in one split (what a SequenceCorpus reads them by). */
export interface SourceSplit {
  name: string;
  /** weight from the manifest */
  weight: number;
  sequences: number;
  /** model tokens (residues + 2 per sequence) */
  tokens: number;
}

/** What the Sampler reads: a split's sources, and one sequence's length, cluster and residues. A prepared
 * corpus on disk (Corpus) and sequences held in memory (MemoryCorpus, e.g. from a FASTA file) both provide it. */
export interface SequenceCorpus {
  split(split: Split): SourceSplit[];
  /** residues of sequence i */
  length(s: SourceSplit, i: number): number;
  /** cluster id of sequence i (global, dense; a MemoryCorpus: its own index) */
  cluster(s: SourceSplit, i: number): number;
  /** residue ids [start, start + n) of sequence i (default: all of it); a fresh array */
  residues(s: SourceSplit, i: number, start?: number, n?: number): Uint8Array;
}

/** A source split of a corpus on disk: its index and shards, read by position. */
export interface DiskSplit extends SourceSplit {
  split: Split;
  index: IndexFile;
  /** shard paths and their token counts (from their headers) */
  shards: { path: string; tokens: number }[];
  /** the manifest's SHA-256 of the index file (keys the cluster-members file) */
  indexSha256: string;
}

export class Corpus implements SequenceCorpus {
  private cache = new Map<string, DiskSplit[]>();
  constructor(readonly dir: string, readonly manifest: CorpusManifest) {}

  get sourceNames(): string[] {
    return this.manifest.sources.map((s) => s.name);
  }

  /** A split's sources in manifest order; headers checked once, nothing else read. */
  split(split: Split): DiskSplit[] {
    let v = this.cache.get(split);
    if (!v) {
      v = this.manifest.sources.map((s) => {
        const e = s.splits[split];
        const ip = join(this.dir, e.index);
        const ih = readHeaderOnly(ip, INDEX_MAGIC);
        if (ih.b !== INDEX_FIELDS) throw corpusFormatError(`${ip}: ${ih.b} fields per entry, expected ${INDEX_FIELDS}`);
        if (ih.size !== HEADER_BYTES + ih.count * INDEX_FIELDS * 4) throw corpusFormatError(`${ip}: header says ${ih.count} entries but the file size disagrees; truncated — rebuild the corpus`);
        if (ih.count !== e.sequences) throw corpusFormatError(`${ip}: ${ih.count} entries but the manifest says ${e.sequences}; the corpus is inconsistent — rebuild it`);
        const shards = e.shards.map((p) => {
          const sp = join(this.dir, p);
          const h = readHeaderOnly(sp, SHARD_MAGIC);
          return { path: sp, tokens: h.count };
        });
        const sha = this.manifest.files.find((f) => f.path === e.index)?.sha256 ?? "";
        return { name: s.name, weight: s.weight, sequences: ih.count, tokens: e.tokens, split, index: new IndexFile(ip, ih.count), shards, indexSha256: sha };
      });
      this.cache.set(split, v);
    }
    return v;
  }

  length(s: SourceSplit, i: number): number {
    return (s as DiskSplit).index.field(i, 2);
  }

  cluster(s: SourceSplit, i: number): number {
    return (s as DiskSplit).index.field(i, 3);
  }

  /** Residue ids of sequence i of a source split, read from its shard (a fresh array). */
  residues(s: SourceSplit, i: number, start = 0, n?: number): Uint8Array {
    const d = s as DiskSplit;
    const shard = d.index.field(i, 0), off = d.index.field(i, 1), len = d.index.field(i, 2);
    const sh = d.shards[shard];
    if (!sh || off + len > sh.tokens) throw corpusFormatError(`${d.index.path}: entry ${i} points outside its shard; rebuild the corpus`);
    const count = n ?? len - start;
    if (start < 0 || count < 0 || start + count > len) throw new RangeError(`residues(${i}, ${start}, ${count}): outside the sequence's ${len} residues`);
    const out = new Uint8Array(count);
    if (count > 0) readExact(sh.path, out, HEADER_BYTES + off + start);
    return out;
  }
}

/** Open a corpus directory: manifest present, well-formed, every listed file present with its recorded size. */
export function openCorpus(dir: string): Corpus {
  const mp = join(dir, "manifest.json");
  if (!existsSync(mp)) {
    const hint = existsSync(dir.replace(/\/+$/, "") + ".partial")
      ? " (a .partial build exists: the last 'plmscale data prepare' was interrupted; run it again)"
      : " — build one with 'plmscale data prepare'";
    throw corpusFormatError(`${dir}: no manifest.json; not a finished plmscale corpus${hint}`);
  }
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(mp, "utf8"));
  } catch (e) {
    throw corpusFormatError(`${mp}: not valid JSON (${(e as Error).message})`);
  }
  try {
    validateManifest(m, mp);
  } catch (e) {
    throw corpusFormatError((e as Error).message);
  }
  for (const f of m.files) {
    const p = join(dir, f.path);
    if (!existsSync(p)) throw corpusFormatError(`${p}: listed in the manifest but missing; the corpus is incomplete — rebuild it`);
    const size = statSync(p).size;
    if (size !== f.bytes) throw corpusFormatError(`${p}: ${size} bytes, the manifest says ${f.bytes}; the corpus is damaged — rebuild it`);
  }
  return new Corpus(dir, m);
}

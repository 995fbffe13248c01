// Reading a prepared corpus: validate the manifest and the files it lists, then load a split's indexes and
// shards on demand. Shards are held in memory (1 byte per residue: Swiss-Prot's train split is ≈ 180 MB).
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { validateManifest, type CorpusManifest } from "./manifest.js";
import { readIndex, readShard, corpusFormatError } from "./shards.js";
import type { Split } from "./cluster.js";


/** One source's sequences in one split. */
export interface SourceSplit {
  name: string;
  /** weight from the manifest */
  weight: number;
  /** entries × 4: shard, offset, length, cluster */
  index: Uint32Array;
  shards: Uint8Array[];
  sequences: number;
  /** model tokens (residues + 2 per sequence) */
  tokens: number;
}

/** What the Sampler reads: a split's sources, and one sequence's residues. A prepared corpus on disk
 * (Corpus) and sequences held in memory (MemoryCorpus, e.g. from a FASTA file) both provide it. */
export interface SequenceCorpus {
  split(split: Split): SourceSplit[];
  residues(s: SourceSplit, i: number): Uint8Array;
}

export class Corpus implements SequenceCorpus {
  private cache = new Map<string, SourceSplit[]>();
  constructor(readonly dir: string, readonly manifest: CorpusManifest) {}

  get sourceNames(): string[] {
    return this.manifest.sources.map((s) => s.name);
  }

  /** Load (once) the indexes and shards of a split, one entry per source in manifest order. */
  split(split: Split): SourceSplit[] {
    let v = this.cache.get(split);
    if (!v) {
      v = this.manifest.sources.map((s) => {
        const e = s.splits[split];
        const index = readIndex(join(this.dir, e.index));
        const shards = e.shards.map((p) => readShard(join(this.dir, p)));
        const n = index.length / 4;
        if (n !== e.sequences) throw corpusFormatError(`${join(this.dir, e.index)}: ${n} entries but the manifest says ${e.sequences}; the corpus is inconsistent — rebuild it`);
        for (let i = 0; i < n; i++) {
          const sh = shards[index[4 * i]!];
          if (!sh || index[4 * i + 1]! + index[4 * i + 2]! > sh.length) throw corpusFormatError(`${join(this.dir, e.index)}: entry ${i} points outside its shard; rebuild the corpus`);
        }
        return { name: s.name, weight: s.weight, index, shards, sequences: n, tokens: e.tokens };
      });
      this.cache.set(split, v);
    }
    return v;
  }

  /** Residue ids of sequence i of a source split (a view into the shard). */
  residues(s: SourceSplit, i: number): Uint8Array {
    const o = 4 * i;
    const off = s.index[o + 1]!;
    return s.shards[s.index[o]!]!.subarray(off, off + s.index[o + 2]!);
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

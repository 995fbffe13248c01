// Sequences held in memory as a SequenceCorpus, so the one Sampler (packing, cropping, masking, resumable
// state) serves a FASTA file given straight to `plmscale train` exactly as it serves a prepared corpus.
// readFastaCorpus streams the file with scanFasta, skips and counts bad records, and holds out a fraction of
// the distinct sequences by a seeded hash of their content (cluster.ts splitOf: exact duplicates never cross
// the split; no homology clustering, which is what `plmscale data prepare` is for).
import type { SequenceCorpus, SourceSplit } from "./corpus.js";
import { SPLITS, splitOf, type Split } from "./cluster.js";
import { contentHash } from "./dedup.js";
import { scanFasta, type BadReason } from "./fasta.js";

/** A split held in memory: all sequences in one buffer, entries (offset, length). */
interface MemorySplit extends SourceSplit {
  offsets: Uint32Array;
  body: Uint8Array;
}

/** One source (named `name`, weight 1) whose splits hold the given residue-id sequences. */
export class MemoryCorpus implements SequenceCorpus {
  private readonly splits = new Map<Split, MemorySplit>();

  constructor(readonly name: string, bySplit: Partial<Record<Split, ArrayLike<number>[]>>) {
    for (const split of SPLITS) this.splits.set(split, sourceSplit(name, bySplit[split] ?? []));
  }

  split(split: Split): SourceSplit[] {
    return [this.splits.get(split)!];
  }

  length(s: SourceSplit, i: number): number {
    const m = s as MemorySplit;
    return m.offsets[i + 1]! - m.offsets[i]!;
  }

  /** every sequence is its own cluster */
  cluster(_s: SourceSplit, i: number): number {
    return i;
  }

  residues(s: SourceSplit, i: number, start = 0, n?: number): Uint8Array {
    const m = s as MemorySplit;
    const off = m.offsets[i]! + start;
    return m.body.slice(off, off + (n ?? this.length(s, i) - start));
  }
}

function sourceSplit(name: string, seqs: ArrayLike<number>[]): MemorySplit {
  const total = seqs.reduce((a, s) => a + s.length, 0);
  const body = new Uint8Array(total), offsets = new Uint32Array(seqs.length + 1);
  let off = 0;
  seqs.forEach((s, i) => {
    body.set(s, off);
    off += s.length;
    offsets[i + 1] = off;
  });
  return { name, weight: 1, offsets, body, sequences: seqs.length, tokens: total + 2 * seqs.length };
}

export interface FastaCorpus {
  corpus: MemoryCorpus;
  /** valid records read */
  records: number;
  train: number;
  valid: number;
  /** bad records skipped, by reason */
  bad: Record<BadReason, number>;
}

/**
 * Read a FASTA file (plain or gzip) into a MemoryCorpus with a train and a valid split: about `validFraction`
 * of the sequences (by content hash) are held out, and at least one whenever there are two or more (none when
 * validFraction is 0).
 */
export async function readFastaCorpus(path: string, o: { validFraction: number; seed: number; name?: string }): Promise<FastaCorpus> {
  let train: Uint8Array[] = [];
  const valid: Uint8Array[] = [];
  const bad: Record<BadReason, number> = { empty: 0, "invalid-char": 0, "internal-stop": 0 };
  await scanFasta({ name: path, path }, (r) => {
    if (r.bad) {
      bad[r.bad.reason]++;
      return;
    }
    const res = r.residues.slice();
    (splitOf(contentHash(res).readUInt32LE(0), o.seed, o.validFraction, 0) === "valid" ? valid : train).push(res);
  });
  if (o.validFraction > 0 && valid.length === 0 && train.length > 1) {
    // hold out the last sequence with all its copies (a duplicate left in train would leak into validation)
    const last = Buffer.from(train[train.length - 1]!);
    const copies = (s: Uint8Array) => last.equals(s);
    if (train.some((s) => !copies(s))) {
      valid.push(...train.filter(copies));
      train = train.filter((s) => !copies(s));
    }
  }
  const corpus = new MemoryCorpus(o.name ?? "fasta", { train, valid });
  return { corpus, records: train.length + valid.length, train: train.length, valid: valid.length, bad };
}

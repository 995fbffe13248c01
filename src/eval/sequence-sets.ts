// The sequence sets evaluation draws on: a FASTA file, a prepared corpus's split (per source), and the run's
// training sequences (for identity searches). Residues are kept as token-id arrays and letters.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { scanFasta, FastaFormatError } from "../data/fasta.js";
import { openCorpus } from "../data/corpus.js";
import { residuesToAscii } from "../data/tokenizer.js";
import type { Split } from "../data/cluster.js";

export interface EvalSequence {
  /** stable key for resume files and mmseqs ids */
  id: string;
  source: string;
  residues: Uint8Array;
}

export function lettersOf(residues: Uint8Array): string {
  return residuesToAscii(residues).toString("latin1");
}

/** Valid records of a FASTA file (bad records skipped and counted). */
export async function fastaSequences(path: string, source = "fasta", signal?: AbortSignal): Promise<{ seqs: EvalSequence[]; skipped: number }> {
  if (!existsSync(path)) throw new UserError(`--fasta: ${path} not found`, 2);
  const seqs: EvalSequence[] = [];
  let skipped = 0;
  try {
    await scanFasta({ name: path, path }, (r) => {
      if (r.bad) skipped++;
      else seqs.push({ id: `s${seqs.length}`, source, residues: r.residues.slice() });
    }, { signal });
  } catch (e) {
    if (e instanceof FastaFormatError) throw new UserError(e.message);
    throw e;
  }
  if (seqs.length === 0) throw new UserError(`${path}: no valid protein records`);
  return { seqs, skipped };
}

function isCorpus(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, "manifest.json"));
}

/** A split of a corpus, every source's sequences in manifest order (ids `<source>:<index>`). */
export function corpusSplit(dir: string, split: Split): EvalSequence[] {
  let corpus;
  try {
    corpus = openCorpus(dir);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const out: EvalSequence[] = [];
  for (const s of corpus.split(split)) {
    for (let i = 0; i < s.sequences; i++) out.push({ id: `${s.name}:${i}`, source: s.name, residues: corpus.residues(s, i) });
  }
  return out;
}

/** The run's evaluation set: --fasta, else its corpus's test split. */
export async function evaluationSet(corpusPath: string, fasta: string | undefined, signal?: AbortSignal): Promise<{ seqs: EvalSequence[]; describe: string }> {
  if (fasta) {
    const { seqs, skipped } = await fastaSequences(fasta, "fasta", signal);
    return { seqs, describe: `${fasta} (${seqs.length} sequences${skipped ? `, ${skipped} invalid records skipped` : ""})` };
  }
  if (!isCorpus(corpusPath)) {
    throw new UserError(`the run was trained on '${corpusPath}', not a prepared corpus with a test split; give --fasta FILE to evaluate on`, 2);
  }
  const seqs = corpusSplit(corpusPath, "test");
  if (seqs.length === 0) throw new UserError(`${corpusPath}: the test split is empty`);
  return { seqs, describe: `${corpusPath} test split (${seqs.length} sequences)` };
}

/** The run's training sequences: the corpus's train split, or every record of a training FASTA. */
export async function trainingSet(corpusPath: string, signal?: AbortSignal): Promise<{ seqs: EvalSequence[]; describe: string } | null> {
  if (isCorpus(corpusPath)) return { seqs: corpusSplit(corpusPath, "train"), describe: `${corpusPath} train split` };
  if (existsSync(corpusPath) && statSync(corpusPath).isFile()) {
    const { seqs } = await fastaSequences(corpusPath, "train", signal);
    return { seqs, describe: `${corpusPath} (all records; a FASTA-trained run holds out 2% of them)` };
  }
  return null;
}

/** Evenly spread subset of at most n items (deterministic; keeps the first). */
export function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]!);
}

// Where the trainer gets its batches: src/data's Sampler over a corpus directory from `plmscale data prepare`,
// or over a FASTA file read into memory (src/data/memory-corpus.ts: bad records skipped and counted, ~2% of
// the distinct sequences held out by content hash). Validation is a fixed list of batches (evalBatches with
// its own seed): identical for every evaluation and after a resume.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { mixSeed } from "../core/hash.js";
import { UserError } from "../core/errors.js";
import type { TrainConfig } from "./config.js";
import {
  openCorpus, readFastaCorpus, Sampler, evalBatches, type Batch, type SamplerState, type SequenceCorpus,
} from "../data/index.js";


/** Where training batches come from: a stream whose state can be saved and restored exactly. */
export interface BatchSource {
  next(rows: number): Batch;
  state(): unknown;
  restore(state: unknown): void;
}

/** Fraction of a FASTA file's distinct sequences held out for validation. */
export const FASTA_VALID_FRACTION = 0.02;

export interface OpenedData {
  train: BatchSource;
  /** the fixed validation batches (same for every evaluation and after resume) */
  validation: Batch[];
  describe: string;
}

/** This process's rows of each global step: rank r of W reads the sequences of rows r, r+W, … (ddp.ts strideRows). */
export interface RowShare {
  rank: number;
  worldSize: number;
}

/** Batches of any number of rows from src/data's Sampler (built with one row per draw; rows concatenated).
 * With a RowShare the other ranks' rows are laid out without reading their sequences (same stream, same
 * token counts; their ids are filler, dropped by strideRows). */
export class CorpusBatchSource implements BatchSource {
  constructor(private readonly sampler: Sampler, private readonly share: RowShare = { rank: 0, worldSize: 1 }) {}
  next(rows: number): Batch {
    const { rank, worldSize } = this.share;
    const parts = Array.from({ length: rows }, (_, r) => this.sampler.next(worldSize === 1 || r % worldSize === rank));
    const T = parts[0]!.context, n = rows * T;
    const b: Batch = {
      rows, context: T, input: new Int32Array(n), target: new Int32Array(n), position: new Int32Array(n), segment: new Int32Array(n),
      realTokens: 0, lossTokens: 0, sources: {},
    };
    parts.forEach((p, r) => {
      b.input.set(p.input, r * T), b.target.set(p.target, r * T), b.position.set(p.position, r * T), b.segment.set(p.segment, r * T);
      b.realTokens += p.realTokens, b.lossTokens += p.lossTokens;
      for (const [k, v] of Object.entries(p.sources)) b.sources[k] = (b.sources[k] ?? 0) + v;
    });
    return b;
  }
  state(): unknown {
    return this.sampler.state();
  }
  restore(state: unknown): void {
    this.sampler.restore(state as SamplerState);
  }
}

/** The training stream (split "train") and fixed validation batches (split "valid") of a corpus. */
export function samplerData(corpus: SequenceCorpus, c: TrainConfig, evalRows: number, name: string, share?: RowShare): Omit<OpenedData, "describe"> {
  const weights = Object.keys(c.data.sourceWeights).length ? c.data.sourceWeights : undefined;
  // an empty split is the corpus's fault, not a sampler failure: say which split and how to rebuild
  const sequencesIn = (split: "train" | "valid") => corpus.split(split)
    .filter((s) => (weights ? (weights[s.name] ?? 0) > 0 : s.weight > 0))
    .reduce((a, s) => a + s.sequences, 0);
  if (sequencesIn("train") === 0) throw new UserError(`${name} has no training sequences${weights ? " from the sources weighted in data.sourceWeights" : ""} (its 'train' split is empty)`);
  if (sequencesIn("valid") === 0) throw new UserError(`${name} has no validation sequences${weights ? " from the sources weighted in data.sourceWeights" : ""} (its 'valid' split is empty: rebuild it with 'plmscale data prepare --valid F', F > 0)`);
  const common = { objective: c.objective, context: c.model.context, maskProb: c.data.maskProb, sourceWeights: weights };
  const sampler = new Sampler(corpus, { ...common, split: "train", rows: 1, seed: c.data.seed });
  const validation = evalBatches(corpus, "valid", { ...common, rows: evalRows, maxTokens: c.eval.tokens, seed: mixSeed(c.data.seed, 0x7a1) });
  if (validation.length === 0) throw new UserError(`${name} has no validation sequences`);
  return { train: new CorpusBatchSource(sampler, share), validation };
}

export async function openData(c: TrainConfig, evalRows: number, share?: RowShare): Promise<OpenedData> {
  const p = c.data.corpus;
  if (!p || !existsSync(p)) throw new UserError(`training data not found: '${p}' (give --data CORPUS_DIR or a FASTA file)`);
  if (statSync(p).isDirectory()) {
    if (!existsSync(join(p, "manifest.json"))) throw new UserError(`${p} is not a corpus (no manifest.json); build one with 'plmscale data prepare'`);
    let corpus;
    try {
      corpus = openCorpus(p);
    } catch (e) {
      throw new UserError(`cannot open corpus ${p}: ${(e as Error).message}`);
    }
    const d = samplerData(corpus, c, evalRows, `corpus ${p}`, share);
    return { ...d, describe: `corpus ${p} (${d.validation.length} validation batches)` };
  }
  let f;
  try {
    f = await readFastaCorpus(p, { validFraction: FASTA_VALID_FRACTION, seed: c.data.seed });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  if (f.records < 2) throw new UserError(`${p}: found ${f.records} usable sequences; need at least 2 (one held out)`);
  if (f.valid === 0 || f.train === 0) {
    // exact duplicates never cross the split, so a file of copies of one sequence has nothing to hold out
    throw new UserError(`${p}: its ${f.records} usable sequences are copies of one sequence; training needs at least 2 distinct sequences (one is held out for validation)`);
  }
  const skipped = Object.entries(f.bad).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  return {
    // a FASTA file is one source: data.sourceWeights (which names a corpus's sources) does not apply
    ...samplerData(f.corpus, { ...c, data: { ...c.data, sourceWeights: {} } }, evalRows, p, share),
    describe: `${p}: ${f.train} training and ${f.valid} held-out sequences${skipped.length ? ` (skipped bad records: ${skipped.join(", ")})` : ""}`,
  };
}

// Where the trainer gets its batches: a corpus directory from `plmscale data prepare` (src/data's Sampler on
// the train split, fixed evalBatches on the valid split) or a FASTA file (read into memory, split
// train/validation by a hash of the record's position, packed by the in-memory batcher).
import { existsSync, readFileSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { MemoryBatcher, fixedBatches, type Batch, type BatchSource } from "./batch.js";
import { mixSeed } from "./rng.js";
import type { TrainConfig } from "./config.js";
import { openCorpus, Sampler, evalBatches, type SamplerState } from "../data/index.js";

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainError";
  }
}

/** Sequences of a FASTA file (optionally gzipped), headers dropped. */
export function readFastaSequences(path: string): string[] {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of buf.toString("utf8").split("\n")) {
    if (line.startsWith(">")) {
      if (cur.length) out.push(cur.join(""));
      cur = [];
    } else {
      const s = line.trim();
      if (s) cur.push(s);
    }
  }
  if (cur.length) out.push(cur.join(""));
  return out;
}

/** Deterministic held-out split: about `fraction` of records, chosen by a hash of their index. */
export function splitHeldOut<T>(items: T[], fraction: number, seed = 0): { train: T[]; validation: T[] } {
  const train: T[] = [], validation: T[] = [];
  items.forEach((x, i) => ((mixSeed(seed, i) / 4294967296 < fraction ? validation : train).push(x)));
  if (validation.length === 0 && train.length > 1) validation.push(train.pop()!);
  return { train, validation };
}

export interface OpenedData {
  train: BatchSource;
  /** the fixed validation batches (same for every evaluation and after resume) */
  validation: Batch[];
  describe: string;
}

/** Batches of any number of rows from src/data's Sampler (built with one row per draw; rows concatenated). */
export class CorpusBatchSource implements BatchSource {
  constructor(private readonly sampler: Sampler) {}
  next(rows: number): Batch {
    const parts = Array.from({ length: rows }, () => this.sampler.next());
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

function openCorpusData(c: TrainConfig, evalRows: number): OpenedData {
  let corpus;
  try {
    corpus = openCorpus(c.data.corpus);
  } catch (e) {
    throw new DataError(`cannot open corpus ${c.data.corpus}: ${(e as Error).message}`);
  }
  const weights = Object.keys(c.data.sourceWeights).length ? c.data.sourceWeights : undefined;
  const common = { objective: c.objective, context: c.model.context, maskProb: c.data.maskProb, sourceWeights: weights };
  const sampler = new Sampler(corpus, { ...common, split: "train", rows: 1, seed: c.data.seed });
  const validation = evalBatches(corpus, "valid", { ...common, rows: evalRows, maxTokens: c.eval.tokens, seed: mixSeed(c.data.seed, 0x7a1) });
  if (validation.length === 0) throw new DataError(`corpus ${c.data.corpus} has no validation sequences`);
  return { train: new CorpusBatchSource(sampler), validation, describe: `corpus ${c.data.corpus} (${validation.length} validation batches)` };
}

export function openData(c: TrainConfig, evalRows: number): OpenedData {
  const p = c.data.corpus;
  if (!p || !existsSync(p)) throw new DataError(`training data not found: '${p}' (give --data CORPUS_DIR or a FASTA file)`);
  if (statSync(p).isDirectory()) {
    if (!existsSync(join(p, "manifest.json"))) throw new DataError(`${p} is not a corpus (no manifest.json); build one with 'plmscale data prepare'`);
    return openCorpusData(c, evalRows);
  }
  const seqs = readFastaSequences(p);
  if (seqs.length < 2) throw new DataError(`${p}: found ${seqs.length} sequences; need at least 2 (one held out)`);
  const { train, validation } = splitHeldOut(seqs, 0.02, c.data.seed);
  const o = { objective: c.objective, context: c.model.context, maskProb: c.data.maskProb };
  const trainSrc = new MemoryBatcher(train, { ...o, seed: c.data.seed });
  // validation: fixed, unshuffled, its own masking seed — identical across evaluations and resumes
  const valSrc = new MemoryBatcher(validation, { ...o, seed: mixSeed(c.data.seed, 0x7a1), shuffle: false });
  const maxValTokens = validation.reduce((s, x) => s + Math.min(x.length + 2, c.model.context), 0);
  const valTokens = Math.max(c.model.context, Math.min(c.eval.tokens, maxValTokens));
  return {
    train: trainSrc,
    validation: fixedBatches(valSrc, valTokens, evalRows, c.model.context),
    describe: `${p}: ${train.length} training and ${validation.length} held-out sequences`,
  };
}

// The training sampler: deterministic given a seed, across shards and sources. For every sequence slot it
// picks the source furthest behind its token share (argmin drawnTokens/weight: the mix holds in *tokens*, exact
// to within one sequence at every step, however different the sources' lengths), then the next sequence of that source's current epoch order (a keyed permutation:
// per-epoch reshuffle without storing one), or — cluster-weighted — the next cluster and a uniform member.
// Sequences longer than the context are randomly cropped (ESM-2) and wrapped in <cls> … <eos>; sequences are
// packed into rows by first-fit over a small look-ahead queue of drawn sequences (the oldest always starts the
// next row, so nothing starves); no sequence is split across rows. docs/DATA.md has the padding-waste figures
// behind choosing packing (at context 1024: 21.5% waste without look-ahead, see there for with).
import { Corpus, type SequenceCorpus, type SourceSplit, type DiskSplit } from "./corpus.js";
import { buildClusterCsr, memoryClusterMembers, openClusterMembers, type ClusterMembers } from "./cluster-members.js";
import type { Split } from "./cluster.js";
import { Rng } from "../core/random.js";
import { Permutation } from "./permutation.js";
import { mix32 } from "../core/hash.js";
import { emptyBatch, placeSequence, applyMlmMask, applyClmTargets, MLM_MASK_RATIOS, type Batch } from "./batch.js";
import type { Objective } from "../core/objective.js";
import { FIRST_RESIDUE } from "./tokenizer.js";

export interface SamplerOptions {
  split: Split;
  objective: Objective;
  context: number;
  rows: number;
  seed: number;
  /** MLM selection probability (default 0.15) */
  maskProb?: number;
  /** MLM [mask, random, unchanged] among selected (default [0.8, 0.1, 0.1]) */
  maskRatios?: [number, number, number];
  /** overrides the manifest's weights; sources absent here get weight 0 */
  sourceWeights?: Record<string, number>;
  /** sample a cluster, then a member (ESM-2/UniRef style) instead of a sequence */
  clusterWeighted?: boolean;
  /** drawn sequences considered when filling a row's tail (default 32; 1 = strict draw order) */
  lookahead?: number;
}

export interface SourceProgress {
  /** model tokens fed from this source (after crops, incl. <cls>/<eos>) */
  tokens: number;
  sequences: number;
  /** tokens / tokens in the split: epochs of data seen, fractional */
  epochs: number;
  /** completed passes of the shuffled order (sequences, or clusters when cluster-weighted) */
  epoch: number;
  /** position within the current pass */
  cursor: number;
  /** tokens drawn (placed or waiting in the look-ahead queue); drives the token-share source choice */
  drawnTokens: number;
}

export interface SamplerState {
  version: 1;
  seed: number;
  split: Split;
  objective: Objective;
  context: number;
  rows: number;
  clusterWeighted: boolean;
  lookahead: number;
  batches: number;
  rng: number[];
  sources: Record<string, SourceProgress>;
  /** drawn sequences waiting in the look-ahead queue: [source index, sequence index, crop start, residues] */
  pending: [number, number, number, number][];
}

interface Live {
  src: SourceSplit;
  weight: number;
  prog: SourceProgress;
  perm: Permutation | null;
  /** cluster-weighted: cluster → members (from the corpus's members file, or built in memory) */
  clusters?: ClusterMembers;
}

export class Sampler {
  private rng: Rng;
  private live: Live[];
  private pending: SamplerState["pending"] = [];
  private readonly lookahead: number;
  private batches = 0;
  private readonly maskProb: number;
  private readonly maskRatios: readonly [number, number, number];

  constructor(readonly corpus: SequenceCorpus, readonly opts: SamplerOptions) {
    if (!Number.isInteger(opts.context) || opts.context < 3) throw new Error("Sampler: context must be an integer ≥ 3");
    if (!Number.isInteger(opts.rows) || opts.rows < 1) throw new Error("Sampler: rows must be a positive integer");
    this.maskProb = opts.maskProb ?? 0.15;
    this.lookahead = opts.lookahead ?? 32;
    if (!Number.isInteger(this.lookahead) || this.lookahead < 1) throw new Error("Sampler: lookahead must be a positive integer");
    this.maskRatios = opts.maskRatios ?? MLM_MASK_RATIOS;
    const [a, b, c] = this.maskRatios;
    if (Math.abs(a + b + c - 1) > 1e-9 || a < 0 || b < 0 || c < 0) throw new Error("Sampler: maskRatios must be ≥ 0 and sum to 1");
    if (!(this.maskProb > 0 && this.maskProb < 1)) throw new Error("Sampler: maskProb must be in (0, 1)");
    const splits = corpus.split(opts.split);
    if (opts.sourceWeights) {
      for (const k of Object.keys(opts.sourceWeights)) if (!splits.some((s) => s.name === k)) throw new Error(`Sampler: unknown source '${k}' (corpus has ${splits.map((s) => s.name).join(", ")})`);
    }
    this.live = splits.map((src) => ({
      src,
      weight: src.sequences === 0 ? 0 : opts.sourceWeights ? opts.sourceWeights[src.name] ?? 0 : src.weight,
      prog: { tokens: 0, sequences: 0, epochs: 0, epoch: 0, cursor: 0, drawnTokens: 0 },
      perm: null,
    }));
    const total = this.live.reduce((s, l) => s + l.weight, 0);
    if (!(total > 0)) throw new Error(`Sampler: no sequences to draw in split '${opts.split}' with the given source weights`);
    for (const l of this.live) l.weight /= total;
    if (opts.clusterWeighted) for (const l of this.live) if (l.weight > 0) l.clusters = clusterLookup(corpus, l.src);
    this.rng = new Rng(mix32(opts.seed >>> 0, 0xa11ce));
    this.live.forEach((l, i) => (l.perm = this.permFor(i)));
  }

  private units(l: Live): number {
    return l.clusters ? l.clusters.clusters : l.src.sequences;
  }

  private permFor(i: number): Permutation {
    const l = this.live[i]!;
    return new Permutation(Math.max(1, this.units(l)), mix32(mix32(this.opts.seed >>> 0, i + 1), l.prog.epoch + 0x100));
  }

  /** Draw the next sequence: [source, sequence index, crop start, residues]. */
  private draw(): [number, number, number, number] {
    let si = -1, best = Infinity;
    for (let i = 0; i < this.live.length; i++) {
      const l = this.live[i]!;
      if (l.weight === 0) continue;
      const v = l.prog.drawnTokens / l.weight;
      if (v < best) { best = v; si = i; }
    }
    const l = this.live[si]!;
    const k = l.perm!.at(l.prog.cursor);
    let seq: number;
    if (l.clusters) {
      const a = l.clusters.start(k), b = l.clusters.start(k + 1);
      seq = l.clusters.member(a + this.rng.int(b - a));
    } else seq = k;
    if (++l.prog.cursor >= this.units(l)) {
      l.prog.cursor = 0;
      l.prog.epoch++;
      l.perm = this.permFor(si);
    }
    const len = this.corpus.length(l.src, seq);
    const room = this.opts.context - 2;
    const start = len > room ? this.rng.int(len - room + 1) : 0;
    const n = Math.min(len, room);
    l.prog.drawnTokens += n + 2;
    return [si, seq, start, n];
  }

  /**
   * The next batch. `read = false` draws and lays out the same sequences and advances every random stream
   * exactly as a read would, without reading residues (they are a filler residue): a data-parallel rank
   * builds the rows of other ranks this way, touching only its own rows' sequences.
   */
  next(read = true): Batch {
    const { rows, context: T } = this.opts;
    const b = emptyBatch(rows, T);
    for (let r = 0; r < rows; r++) {
      let pos = 0, seg = 0;
      for (;;) {
        while (this.pending.length < this.lookahead) this.pending.push(this.draw());
        // first fit: the oldest queued sequence that fits the rest of the row (at pos 0 the oldest always fits)
        const room = T - pos;
        const qi = this.pending.findIndex((q) => q[3] + 2 <= room);
        if (qi < 0) break;
        const [si, seq, start, n] = this.pending.splice(qi, 1)[0]!;
        const need = n + 2;
        const l = this.live[si]!;
        pos += placeSequence(b, r, pos, seg++, read ? this.corpus.residues(l.src, seq, start, n) : filler(n));
        l.prog.tokens += need;
        l.prog.sequences++;
        b.sources[l.src.name] = (b.sources[l.src.name] ?? 0) + need;
        if (pos >= T) break;
      }
    }
    if (this.opts.objective === "mlm") applyMlmMask(b, this.rng, this.maskProb, this.maskRatios);
    else applyClmTargets(b);
    this.batches++;
    return b;
  }

  /** Tokens, sequences and epochs consumed per source (for logs and the repetition analysis). */
  progress(): Record<string, SourceProgress> {
    const out: Record<string, SourceProgress> = {};
    for (const l of this.live) out[l.src.name] = { ...l.prog, epochs: l.src.tokens ? l.prog.tokens / l.src.tokens : 0 };
    return out;
  }

  state(): SamplerState {
    return {
      version: 1, seed: this.opts.seed, split: this.opts.split, objective: this.opts.objective, context: this.opts.context,
      rows: this.opts.rows, clusterWeighted: !!this.opts.clusterWeighted, lookahead: this.lookahead, batches: this.batches, rng: this.rng.state(),
      sources: this.progress(), pending: this.pending.map((q) => [...q] as [number, number, number, number]),
    };
  }

  /** Continue exactly where `state` was taken (same corpus and options). */
  restore(s: SamplerState): void {
    if (s.version !== 1) throw new Error(`SamplerState version ${String(s.version)} is not supported`);
    if ((s.lookahead ?? 32) !== this.lookahead) throw new Error(`SamplerState was taken with lookahead ${s.lookahead}, this sampler has ${this.lookahead}`);
    for (const k of ["seed", "split", "objective", "context", "rows"] as const) {
      if (s[k] !== this.opts[k]) throw new Error(`SamplerState was taken with ${k}=${String(s[k])}, this sampler has ${String(this.opts[k])}`);
    }
    if (s.clusterWeighted !== !!this.opts.clusterWeighted) throw new Error("SamplerState clusterWeighted differs");
    this.rng = new Rng(s.rng);
    this.batches = s.batches;
    this.pending = s.pending.map((q) => [...q] as [number, number, number, number]);
    this.live.forEach((l, i) => {
      const p = s.sources[l.src.name];
      if (!p) throw new Error(`SamplerState lacks source '${l.src.name}'`);
      l.prog = { ...p, drawnTokens: p.drawnTokens ?? p.tokens };
      l.perm = this.permFor(i);
    });
  }
}

let fill = new Uint8Array(0);
/** n copies of a standard residue: the MLM mask consumes randomness per residue whatever its id (<cls> = 0 would not be masked). */
function filler(n: number): Uint8Array {
  if (fill.length < n) fill = new Uint8Array(n).fill(FIRST_RESIDUE);
  return fill.subarray(0, n);
}

function clusterLookup(corpus: SequenceCorpus, src: SourceSplit): ClusterMembers {
  if (corpus instanceof Corpus) return openClusterMembers(corpus, src as DiskSplit);
  return memoryClusterMembers(buildClusterCsr(src.sequences, (i) => corpus.cluster(src, i)));
}

// Corpus statistics for `plmscale data stats`: counts, length histogram, residue composition and the unigram
// entropy in nats (H = −Σ p ln p over residues) — the loss of a model that knows only residue frequencies, a
// baseline every trained model must beat (≈ 2.89 nats on Swiss-Prot).
import type { Corpus } from "./corpus.js";
import type { Split } from "./cluster.js";
import { SPLITS } from "./cluster.js";
import { VOCAB } from "./tokenizer.js";

export interface CorpusStats {
  dir: string;
  sources: { name: string; weight: number; read: number; kept: number; deduplicated: number; filtered: Record<string, number>; invalid: Record<string, number>; splits: Record<Split, { sequences: number; tokens: number }> }[];
  total: Record<Split, { sequences: number; tokens: number }>;
  clustering: { method: string; clusters: number; guarantee: string; splits: Record<Split, number>; largest: number; singletons: number };
  /** over `split`: sequence lengths (residues) */
  split: Split;
  lengths: { min: number; max: number; mean: number; median: number; p99: number; histogram: { upTo: number | null; count: number }[] };
  /** residue letter → frequency */
  composition: Record<string, number>;
  unigramEntropyNats: number;
}

const EDGES = [50, 100, 200, 300, 400, 500, 750, 1000, 1500, 2000, 5000, Infinity];

export function corpusStats(corpus: Corpus, split: Split = "train"): CorpusStats {
  const m = corpus.manifest;
  const total = Object.fromEntries(SPLITS.map((s) => [s, { sequences: 0, tokens: 0 }])) as CorpusStats["total"];
  const sources = m.sources.map((s) => {
    const splits = Object.fromEntries(SPLITS.map((sp) => {
      total[sp].sequences += s.splits[sp].sequences;
      total[sp].tokens += s.splits[sp].tokens;
      return [sp, { sequences: s.splits[sp].sequences, tokens: s.splits[sp].tokens }];
    })) as CorpusStats["total"];
    return { name: s.name, weight: s.weight, read: s.read, kept: s.kept, deduplicated: s.deduplicated, filtered: s.filtered, invalid: s.invalid, splits };
  });
  const counts = new Float64Array(VOCAB.length);
  const lens: number[] = [];
  for (const src of corpus.split(split)) {
    for (let i = 0; i < src.sequences; i++) {
      const r = corpus.residues(src, i);
      for (let j = 0; j < r.length; j++) counts[r[j]!]!++;
      lens.push(r.length);
    }
  }
  lens.sort((a, b) => a - b);
  const residues = counts.reduce((a, b) => a + b, 0);
  const composition: Record<string, number> = {};
  let H = 0;
  counts.forEach((c, id) => {
    if (c === 0) return;
    const p = c / residues;
    composition[VOCAB[id]!] = p;
    H -= p * Math.log(p);
  });
  const counts2 = EDGES.map(() => 0);
  for (const L of lens) counts2[EDGES.findIndex((e) => L <= e)]!++;
  // upTo null = the open last bucket (JSON has no Infinity)
  const histogram = EDGES.map((e, i) => ({ upTo: e === Infinity ? null : e, count: counts2[i]! }));
  const q = (f: number) => (lens.length ? lens[Math.min(lens.length - 1, Math.floor(f * lens.length))]! : 0);
  return {
    dir: corpus.dir, sources, total,
    clustering: { method: m.clustering.method, clusters: m.clustering.sizes.clusters, guarantee: m.clustering.guarantee, splits: m.clustering.splits, largest: m.clustering.sizes.largest, singletons: m.clustering.sizes.singletons },
    split,
    lengths: { min: lens[0] ?? 0, max: lens[lens.length - 1] ?? 0, mean: lens.length ? residues / lens.length : 0, median: q(0.5), p99: q(0.99), histogram },
    composition, unigramEntropyNats: H,
  };
}

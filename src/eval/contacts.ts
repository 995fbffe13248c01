// Unsupervised contact prediction from attention (Rao et al. 2021, "Transformer protein language models are
// unsupervised structure learners"; ESM's ContactPredictionHead): every layer's and head's attention map is
// symmetrised (A + Aᵀ) and APC-corrected (F_ij − F_i·F_·j / F_··), then an L1-regularised logistic regression
// over the layers × heads channels, fitted on a few structures, turns them into contact probabilities that
// are evaluated on the others. True contacts: Cβ–Cβ (Cα for Gly) < 8 Å. Metrics: precision of the top L, L/2
// and L/5 predicted pairs within short (6–11), medium (12–23) and long (≥ 24) sequence separation.
import type { ProteinLM } from "../model/index.js";
import { readAlignedChain, distanceMatrix } from "../data/structure-align.js";
import { Rng } from "../core/random.js";
import { UserError } from "../core/errors.js";
import { attentionMaps } from "./attention-maps.js";
import { fitL1Logistic, predictLogistic, type LogisticModel } from "./logistic-l1.js";

export const RANGES = { short: [6, 11], medium: [12, 23], long: [24, Infinity] } as const;
export type Range = keyof typeof RANGES;
export interface RangePrecision { "P@L": number; "P@L/2": number; "P@L/5": number }
export type ContactPrecision = Record<Range, RangePrecision>;

/** ESM-2 long-range top-L precision (×100) on ESM's validation set (Lin et al. 2023, table S3), for scale. */
export const PUBLISHED_LONG_P_AT_L = { "ESM-2 8M": 15.9, "ESM-2 35M": 28.8, "ESM-2 150M": 42.2, "ESM-2 650M": 50.1 };

/** Fractions (contactPrecision) → percent, the one unit of the task's output. */
export function inPercent(p: ContactPrecision): ContactPrecision {
  const out = {} as ContactPrecision;
  for (const r of Object.keys(p) as Range[]) out[r] = { "P@L": 100 * p[r]["P@L"], "P@L/2": 100 * p[r]["P@L/2"], "P@L/5": 100 * p[r]["P@L/5"] };
  return out;
}

/** Per channel of maps [C, L, L]: APC(A + Aᵀ). Returns a new array. */
export function symmetrizeApc(maps: Float32Array, C: number, L: number): Float32Array {
  const out = new Float32Array(C * L * L);
  const row = new Float64Array(L), col = new Float64Array(L);
  for (let c = 0; c < C; c++) {
    const o = c * L * L;
    row.fill(0), col.fill(0);
    let total = 0;
    for (let i = 0; i < L; i++) {
      for (let j = 0; j < L; j++) {
        const s = maps[o + i * L + j]! + maps[o + j * L + i]!;
        out[o + i * L + j] = s;
        row[i]! += s;
        col[j]! += s;
        total += s;
      }
    }
    for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) out[o + i * L + j]! -= total === 0 ? 0 : (row[i]! * col[j]!) / total;
  }
  return out;
}

/** Contact labels [L*L] from Cβ coordinates: 1 (< threshold Å), 0, or −1 where a position has no coordinates. */
export function contactLabels(cb: Float64Array, threshold = 8): Int8Array {
  const d = distanceMatrix(cb);
  return Int8Array.from(d, (x) => (Number.isNaN(x) ? -1 : x < threshold ? 1 : 0));
}

/**
 * Top-k precision per separation range for predicted scores [L*L] (upper triangle read) against labels
 * [L*L] (−1 = unknown, excluded). k = ⌊L/x⌋ (at least 1), or all labelled pairs in range when fewer.
 */
export function contactPrecision(scores: ArrayLike<number>, labels: Int8Array, L: number): ContactPrecision {
  const out = {} as ContactPrecision;
  for (const [name, [lo, hi]] of Object.entries(RANGES) as [Range, readonly [number, number]][]) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < L; i++) for (let j = i + lo; j < L && j - i <= hi; j++) {
      const lab = labels[i * L + j]!;
      if (lab >= 0) pairs.push([scores[i * L + j]!, lab]);
    }
    pairs.sort((a, b) => b[0] - a[0]);
    const at = (div: number) => {
      const k = Math.min(Math.max(1, Math.floor(L / div)), pairs.length);
      if (k === 0) return NaN;
      let hit = 0;
      for (let n = 0; n < k; n++) hit += pairs[n]![1];
      return hit / k;
    };
    out[name] = { "P@L": at(1), "P@L/2": at(2), "P@L/5": at(5) };
  }
  return out;
}

export interface ContactsTaskOptions {
  model: ProteinLM;
  /** structure files (PDB / mmCIF); the first chain of each is used, aligned to its SEQRES or residues */
  structures: string[];
  /** structures the regression is fitted on (default min(20, half)), drawn with `seed` */
  train?: number;
  seed?: number;
  /** λ of the L1 penalty (default 1e-3 on the mean loss of standardised features) */
  l1?: number;
  /** cap on training pairs (uniform subsample; default 400,000) */
  maxTrainPairs?: number;
  progress?: (line: string) => void;
  signal?: AbortSignal;
  /** called after each evaluated structure (persist it and the regression to resume later) */
  onItem?: (item: ContactItem, regression: ContactRegression) => void;
  /** resume: the regression and the items already evaluated */
  previous?: { regression: ContactRegression; items: ContactItem[] };
}

export interface ContactItem {
  file: string;
  split: "train" | "test";
  /** residues evaluated (cropped to the model's context) */
  length: number;
  skipped: string[];
  /** in percent (ContactsResult.unit) */
  precision: ContactPrecision;
}

export interface ContactsResult {
  task: "contacts";
  channels: number;
  regression: { l1: number; nonZero: number; trainPairs: number; weights: number[]; bias: number };
  /** every precision here (items and mean) is in percent, as papers report and PUBLISHED_LONG_P_AT_L is */
  unit: "percent";
  /** mean over test structures */
  mean: ContactPrecision;
  published: typeof PUBLISHED_LONG_P_AT_L;
  items: ContactItem[];
}

interface Prepared { file: string; L: number; skipped: string[]; features: Float32Array; labels: Int8Array; C: number }

function prepare(model: ProteinLM, file: string): Prepared {
  const a = readAlignedChain(file);
  const skipped = [...a.skipped];
  const maxL = model.cfg.context - 2;
  let seq = a.sequence, cb = a.cb;
  if (seq.length > maxL) {
    skipped.push(`cropped to the first ${maxL} of ${seq.length} residues (model context)`);
    (seq = seq.slice(0, maxL)), (cb = cb.slice(0, maxL * 3));
  }
  const m = attentionMaps(model, seq);
  const C = m.layers * m.heads;
  return { file, L: seq.length, skipped, features: symmetrizeApc(m.maps, C, seq.length), labels: contactLabels(cb), C };
}

/** Per pair (i, j): the C channel values, gathered from channel-major features [C, L, L]. */
function pairFeatures(p: Prepared, i: number, j: number, out: Float32Array, at: number): void {
  const LL = p.L * p.L;
  for (let c = 0; c < p.C; c++) out[at + c] = p.features[c * LL + i * p.L + j]!;
}

/** Fisher–Yates in place. */
function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

export type ContactRegression = ContactsResult["regression"];

/** Fit the combiner on the training structures' pairs at separation ≥ 6 (at most cap/nTrain pairs each). */
async function fitRegression(o: ContactsTaskOptions, trainFiles: string[]): Promise<ContactRegression> {
  const log = o.progress ?? (() => {});
  const perStructure = Math.ceil((o.maxTrainPairs ?? 400_000) / trainFiles.length);
  const rng = new Rng((o.seed ?? 0) + 1);
  const chunks: Float32Array[] = [], labels: number[] = [];
  let C = 0;
  for (const file of trainFiles) {
    if (o.signal?.aborted) throw new UserError("contacts: interrupted");
    const p = prepare(o.model, file);
    C = p.C;
    const pairs: number[] = [];
    for (let i = 0; i < p.L; i++) for (let j = i + 6; j < p.L; j++) if (p.labels[i * p.L + j]! >= 0) pairs.push(i * p.L + j);
    const keep = pairs.length > perStructure ? shuffle(pairs, rng).slice(0, perStructure) : pairs;
    const chunk = new Float32Array(keep.length * C);
    keep.forEach((ij, r) => {
      pairFeatures(p, Math.floor(ij / p.L), ij % p.L, chunk, r * C);
      labels.push(p.labels[ij]!);
    });
    chunks.push(chunk);
    log(`contacts: features of ${file} (train, ${keep.length} pairs)`);
    await new Promise((r) => setImmediate(r));
  }
  const X = new Float32Array(labels.length * C);
  let at = 0;
  for (const c of chunks) X.set(c, at), (at += c.length);
  const l1 = o.l1 ?? 1e-3;
  const reg: LogisticModel = fitL1Logistic(X, Uint8Array.from(labels), C, { l1, device: o.model.device });
  log(`contacts: regression on ${labels.length} pairs, ${reg.nonZero}/${C} channels non-zero`);
  return { l1, nonZero: reg.nonZero, trainPairs: labels.length, weights: reg.weights, bias: reg.bias };
}

/**
 * Fit on `train` structures, evaluate every structure. Resumable: `onItem` sees each finished structure with
 * the regression, and `previous` (what onItem saw before an interruption) skips the fit and the done items.
 */
export async function runContactsTask(o: ContactsTaskOptions): Promise<ContactsResult> {
  const n = o.structures.length;
  const nTrain = o.train ?? Math.min(20, Math.floor(n / 2));
  if (nTrain < 1 || nTrain >= n) throw new UserError(`contacts: need at least one training and one test structure (${n} structures, ${nTrain} for training)`);
  const order = shuffle([...o.structures], new Rng(o.seed ?? 0));
  const trainSet = new Set(order.slice(0, nTrain));
  const log = o.progress ?? (() => {});
  const reg = o.previous?.regression ?? (await fitRegression(o, order.slice(0, nTrain)));
  const C = reg.weights.length;
  const model: LogisticModel = { weights: reg.weights, bias: reg.bias, nonZero: reg.nonZero, objective: NaN };
  const done = new Map((o.previous?.items ?? []).map((x) => [x.file, x]));
  const items: ContactItem[] = [];
  for (const file of order) {
    const prev = done.get(file);
    if (prev) {
      items.push(prev);
      continue;
    }
    if (o.signal?.aborted) throw new UserError("contacts: interrupted");
    const p = prepare(o.model, file);
    if (p.C !== C) throw new UserError(`contacts: the saved regression has ${C} channels, the model ${p.C}`);
    const scores = new Float64Array(p.L * p.L), f = new Float32Array(C);
    for (let i = 0; i < p.L; i++) for (let j = i + 1; j < p.L; j++) {
      pairFeatures(p, i, j, f, 0);
      scores[i * p.L + j] = predictLogistic(model, f);
    }
    const item: ContactItem = { file, split: trainSet.has(file) ? "train" : "test", length: p.L, skipped: p.skipped, precision: inPercent(contactPrecision(scores, p.labels, p.L)) };
    items.push(item);
    o.onItem?.(item, reg);
    log(`contacts: ${file} long P@L ${item.precision.long["P@L"].toFixed(1)}%`);
    await new Promise((r) => setImmediate(r));
  }
  const test = items.filter((x) => x.split === "test");
  const mean = {} as ContactPrecision;
  for (const r of Object.keys(RANGES) as Range[]) {
    const avg = (k: keyof RangePrecision) => {
      const v = test.map((x) => x.precision[r][k]).filter((x) => !Number.isNaN(x));
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
    };
    mean[r] = { "P@L": avg("P@L"), "P@L/2": avg("P@L/2"), "P@L/5": avg("P@L/5") };
  }
  return { task: "contacts", channels: C, regression: reg, unit: "percent", mean, published: PUBLISHED_LONG_P_AT_L, items };
}

// Secondary-structure probe: DSSP labels (3 and 8 states) on the structures, a linear probe on the frozen
// per-residue embeddings (final hidden states) trained on some chains, Q3/Q8 (per-residue accuracy, pooled
// over residues) on held-out chains. Chains are clustered with MMseqs2 (linclust, 30% identity, 80%
// coverage by default) and whole clusters are held out, so no test chain shares a cluster with a training chain.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProteinLM } from "../model/index.js";
import { readStructure, chainOf } from "../data/structure.js";
import { alignChain } from "../data/structure-align.js";
import { runDssp, labelsForChain, mkdsspVersion, SS8_TO_SS3 } from "../data/dssp.js";
import { runLinclust, parseClusterTsv, mmseqsVersion } from "../data/cluster.js";
import { Rng } from "../core/random.js";
import { UserError } from "../core/errors.js";
import { embed } from "./embed.js";
import { trainLinearProbe } from "./probe.js";

export interface SsTaskOptions {
  model: ProteinLM;
  structures: string[];
  /** fraction of chains held out (whole clusters; default 0.2) */
  testFraction?: number;
  /** MMseqs2 clustering identity (default 0.3) */
  clusterIdentity?: number;
  seed?: number;
  /** probe optimisation steps (default 300) */
  steps?: number;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface SsItem {
  file: string;
  split: "train" | "test";
  cluster: number;
  length: number;
  /** residues with a DSSP label */
  labelled: number;
  /** per-chain accuracy (test chains only) */
  q3?: number;
  q8?: number;
  skipped: string[];
}

export interface SsResult {
  task: "ss";
  dssp: string;
  split: { method: string; clusters: number; trainChains: number; testChains: number; trainResidues: number; testResidues: number };
  /** pooled per-residue accuracy on the test chains */
  q3: number;
  q8: number;
  /** the same for always predicting the training chains' most frequent class (what a probe must beat) */
  majority: { q3: number; q8: number };
  items: SsItem[];
}

/** Cluster index per sequence by MMseqs2 linclust. */
export async function clusterSequences(seqs: string[], identity: number, signal?: AbortSignal): Promise<Int32Array> {
  if (mmseqsVersion() === null) throw new UserError("mmseqs not found: the held-out split needs MMseqs2 (apt-get install mmseqs2)");
  const dir = mkdtempSync(join(tmpdir(), "plmscale-ss-"));
  try {
    const fasta = join(dir, "chains.fasta");
    writeFileSync(fasta, seqs.map((s, i) => `>${i}\n${s}\n`).join(""));
    const tsv = await runLinclust(fasta, join(dir, "clu"), join(dir, "tmp"), { identity, coverage: 0.8, threads: 1 }, signal);
    return (await parseClusterTsv(tsv, seqs.length)).cluster;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Hold out whole clusters (in seeded random order) until at least `fraction` of the items are held out. */
export function holdOutClusters(cluster: Int32Array, fraction: number, seed: number): boolean[] {
  const ids = [...new Set(cluster)];
  const rng = new Rng(seed);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const test = new Set<number>();
  let n = 0;
  for (const id of ids) {
    if (n >= fraction * cluster.length || test.size === ids.length - 1) break;
    test.add(id);
    n += cluster.filter((c) => c === id).length;
  }
  return Array.from(cluster, (c) => test.has(c));
}

interface Chain8 { file: string; seq: string; labels: Int8Array; skipped: string[] }

export async function runSsTask(o: SsTaskOptions): Promise<SsResult> {
  const version = mkdsspVersion();
  if (version === null) throw new UserError("mkdssp not found: the ss task needs DSSP (apt-get install dssp)");
  const log = o.progress ?? (() => {});
  const maxL = o.model.cfg.context - 2;
  const chains: Chain8[] = [];
  for (const file of o.structures) {
    const s = readStructure(file);
    const chain = chainOf(s);
    const a = alignChain(chain, file);
    let labels = labelsForChain(a, chain, runDssp(file)), seq = a.sequence;
    const skipped = [...s.notes, ...a.skipped];
    if (seq.length > maxL) {
      skipped.push(`cropped to the first ${maxL} of ${seq.length} residues (model context)`);
      (seq = seq.slice(0, maxL)), (labels = labels.slice(0, maxL));
    }
    chains.push({ file, seq, labels, skipped });
  }
  if (chains.length < 2) throw new UserError(`ss: need at least two structures (got ${chains.length})`);
  const cluster = await clusterSequences(chains.map((c) => c.seq), o.clusterIdentity ?? 0.3, o.signal);
  const isTest = holdOutClusters(cluster, o.testFraction ?? 0.2, o.seed ?? 0);
  log(`ss: ${new Set(cluster).size} clusters; ${isTest.filter(Boolean).length} of ${chains.length} chains held out`);
  // frozen per-residue embeddings
  const D = o.model.cfg.dModel;
  const emb: Float32Array[] = [];
  for (const c of chains) {
    if (o.signal?.aborted) throw new UserError("ss: interrupted");
    const e = embed(o.model, c.seq, { perResidue: true }).perResidue!;
    const flat = new Float32Array(c.seq.length * D);
    e.forEach((row, i) => flat.set(row, i * D));
    emb.push(flat);
    await new Promise((r) => setImmediate(r));
  }
  const gather = (test: boolean) => {
    const rows: number[][] = [];
    chains.forEach((c, k) => {
      if (isTest[k] !== test) return;
      c.labels.forEach((lab, i) => lab >= 0 && rows.push([k, i, lab]));
    });
    const x = new Float32Array(rows.length * D), y8 = new Int32Array(rows.length);
    rows.forEach(([k, i, lab], r) => (x.set(emb[k]!.subarray(i * D, (i + 1) * D), r * D), (y8[r] = lab!)));
    return { rows, x, y8, y3: Int32Array.from(y8, (v) => SS8_TO_SS3[v]!) };
  };
  const train = gather(false), test = gather(true);
  if (train.rows.length === 0 || test.rows.length === 0) throw new UserError("ss: no labelled residues on one side of the split");
  const probe8 = trainLinearProbe(train.x, train.y8, D, 8, { steps: o.steps, seed: o.seed, device: o.model.device });
  const probe3 = trainLinearProbe(train.x, train.y3, D, 3, { steps: o.steps, seed: o.seed, device: o.model.device });
  const p8 = probe8.predict(test.x), p3 = probe3.predict(test.x);
  probe8.dispose(), probe3.dispose();
  const perChain = new Map<number, { n: number; c3: number; c8: number }>();
  test.rows.forEach(([k], r) => {
    const s = perChain.get(k!) ?? { n: 0, c3: 0, c8: 0 };
    s.n++, (s.c3 += p3[r] === test.y3[r] ? 1 : 0), (s.c8 += p8[r] === test.y8[r] ? 1 : 0);
    perChain.set(k!, s);
  });
  const items: SsItem[] = chains.map((c, k) => {
    const s = perChain.get(k);
    return {
      file: c.file, split: isTest[k] ? "test" : "train", cluster: cluster[k]!, length: c.seq.length,
      labelled: c.labels.filter((v) => v >= 0).length, skipped: c.skipped,
      ...(s ? { q3: s.c3 / s.n, q8: s.c8 / s.n } : {}),
    };
  });
  const acc = (p: Int32Array, y: Int32Array) => p.reduce((n, v, i) => n + (v === y[i] ? 1 : 0), 0) / y.length;
  const majority = (y: Int32Array, yTest: Int32Array) => {
    const counts = new Map<number, number>();
    for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    return acc(new Int32Array(yTest.length).fill(top), yTest);
  };
  return {
    task: "ss", dssp: version,
    split: { method: `mmseqs linclust --min-seq-id ${o.clusterIdentity ?? 0.3} -c 0.8, whole clusters held out`, clusters: new Set(cluster).size, trainChains: isTest.filter((t) => !t).length, testChains: isTest.filter(Boolean).length, trainResidues: train.rows.length, testResidues: test.rows.length },
    q3: acc(p3, test.y3), q8: acc(p8, test.y8), majority: { q3: majority(train.y3, test.y3), q8: majority(train.y8, test.y8) }, items,
  };
}

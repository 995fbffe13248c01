// The passes of `prepareCorpus` (prepare.ts), one function each, each callable and testable on its own:
//   ingestSources     (1) stream every source once: validate, filter, hash, dedup, append residues to a staging file
//   resolveDuplicates (2) finish dedup (the disk path knows late duplicates only now)
//   clusterRecords    (3) cluster the distinct sequences with MMseqs2, or one cluster per distinct sequence
//   assignSplits      (4a) every cluster wholly to train/valid/test by a seeded hash of its representative
//   writeShards       (4b) re-read the staging file into per-(source, split) shards + indexes
// (5) the manifest and the atomic swap into place stay in prepare.ts.
import { statSync, createWriteStream, openSync, readSync, closeSync, rmSync, type WriteStream } from "node:fs";
import { join, basename } from "node:path";
import { scanFasta, FastaFormatError, type BadReason } from "./fasta.js";
import { Deduper, contentHash, type DedupResult } from "./dedup.js";
import { GrowableU32, GrowableU8 } from "./growable.js";
import { AtomicWriter, ShardWriter, IndexWriter } from "./shards.js";
import { parseClusterTsv, runLinclust, splitOf, SPLITS, SPLIT_CODE, type Split, type ClusterParams } from "./cluster.js";
import { residuesToAscii } from "./tokenizer.js";
import type { CorpusBuildOptions, SourceManifest, FileEntry } from "./manifest.js";
import type { SourceSpec, ProgressEvent } from "./prepare.js";

export class PrepareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrepareError";
  }
}

export type Progress = (e: ProgressEvent) => void;

export interface IngestOptions extends Pick<CorpusBuildOptions, "minLength" | "maxLength" | "onBad"> {
  maxRecords?: number;
  memoryMB: number;
  forceDiskDedup?: boolean;
  hashInputs?: boolean;
  signal?: AbortSignal;
}

/** Pass 1's result: the records kept so far (ids 0..n-1, in staging order) and per-source counts. */
export interface Ingested {
  /** residues of every record, concatenated in record order */
  stagingPath: string;
  /** residues per record */
  lens: Uint32Array;
  /** first 32 bits of each record's content hash (the split hash) */
  hash32: Uint32Array;
  /** source index per record */
  source: Uint8Array;
  /** per-source counts (read, filtered, invalid, deduplicated so far; kept and splits are filled by writeShards) */
  per: SourceManifest[];
  dedup: Deduper;
}

const emptyInvalid = (): Record<BadReason, number> => ({ empty: 0, "invalid-char": 0, "internal-stop": 0 });
const emptySplit = () => ({ sequences: 0, residues: 0, tokens: 0, shards: [] as string[], index: "" });

/** Pass 1: stream every input of every source; count and drop bad, filtered and duplicate records. */
export async function ingestSources(sources: SourceSpec[], tmp: string, o: IngestOptions, progress: Progress): Promise<Ingested> {
  const stagingPath = join(tmp, "staging.tok");
  const staging = new AtomicWriter(stagingPath);
  const lens = new GrowableU32(), h32 = new GrowableU32(), src = new GrowableU8();
  const dedup = new Deduper({ memoryMB: o.memoryMB, tmpDir: join(tmp, "dedup"), forceDisk: o.forceDiskDedup });
  const per: SourceManifest[] = sources.map((s) => ({
    name: s.name, weight: s.weight, inputs: [], read: 0, kept: 0, deduplicated: 0,
    filtered: { "too-short": 0, "too-long": 0 }, invalid: emptyInvalid(),
    splits: { train: emptySplit(), valid: emptySplit(), test: emptySplit() },
  }));
  for (let si = 0; si < sources.length; si++) {
    const spec = sources[si]!;
    const m = per[si]!;
    // progress is cumulative over a source's inputs (bytes; the total only when every input is a file)
    const sizes = spec.inputs.map((i) => (i.path ? statSync(i.path).size : undefined));
    const total = sizes.every((x) => x !== undefined) ? sizes.reduce((a, b) => a! + b!, 0) : undefined;
    let before = 0;
    for (const input of spec.inputs) {
      if (o.maxRecords !== undefined && m.read >= o.maxRecords) break;
      let lastReport = 0;
      const r = await scanFasta(input, (rec) => {
        if (spec.accept && !spec.accept(rec)) return true;
        m.read++;
        const more = o.maxRecords === undefined || m.read < o.maxRecords;
        if (rec.bad) {
          m.invalid[rec.bad.reason]++;
          if (o.onBad === "fail") throw new FastaFormatError(input.name, rec.line, rec.offset, `record '${rec.id}' is invalid (${rec.bad.reason}: ${rec.bad.detail}); use --on-bad skip to count and skip such records`);
          return more;
        }
        const n = rec.residues.length;
        if (n < o.minLength) { m.filtered["too-short"]++; return more; }
        if (o.maxLength > 0 && n > o.maxLength) { m.filtered["too-long"]++; return more; }
        const h = contentHash(rec.residues);
        if (!dedup.add(h, lens.length)) { m.deduplicated++; return more; }
        staging.write(rec.residues);
        lens.push(n);
        h32.push(h.readUInt32LE(0));
        src.push(si);
        return more;
      }, {
        signal: o.signal,
        hash: o.hashInputs,
        onProgress: (b) => {
          const now = Date.now();
          if (now - lastReport > 200) { lastReport = now; progress({ phase: "ingest", source: spec.name, done: before + b, total, unit: "bytes", message: input.name }); }
        },
      });
      m.inputs.push({ name: input.path ? basename(input.path) : input.name, bytes: r.rawBytes, sha256: r.sha256 });
      before += r.rawBytes;
      progress({ phase: "ingest", source: spec.name, done: before, total, unit: "bytes", message: input.name });
    }
  }
  staging.close();
  return { stagingPath, lens: lens.view(), hash32: h32.view(), source: src.view(), per, dedup };
}

export interface Duplicates {
  isDup: (record: number) => boolean;
  /** records that are duplicates of an earlier one (found only by the disk path's merge) */
  late: number;
  distinct: number;
  mode: DedupResult["mode"];
  runs: number;
}

/** Pass 2: finish dedup; late duplicates (disk path) are added to their source's `deduplicated` count. */
export function resolveDuplicates(ing: Ingested, progress: Progress): Duplicates {
  const records = ing.lens.length;
  progress({ phase: "dedup", done: 0, total: records, unit: "records" });
  const dd = ing.dedup.finish(records);
  const bits = dd.lateDuplicates;
  const isDup = (i: number) => dd.lateDuplicateCount > 0 && (bits[i >> 3]! & (1 << (i & 7))) !== 0;
  if (dd.lateDuplicateCount > 0) for (let i = 0; i < records; i++) if (isDup(i)) ing.per[ing.source[i]!]!.deduplicated++;
  const distinct = records - dd.lateDuplicateCount;
  progress({ phase: "dedup", done: records, total: records, unit: "records", message: `${distinct} distinct (${dd.mode})` });
  return { isDup, late: dd.lateDuplicateCount, distinct, mode: dd.mode, runs: dd.runs };
}

export interface Clusters {
  /** cluster per record (dense 0..K-1), -1 for duplicates */
  cluster: Int32Array;
  /** representative record of each cluster */
  reps: number[];
}

/**
 * Pass 3: with `mmseqs`, write the distinct sequences as FASTA (named by record id) and run easy-linclust;
 * otherwise every distinct sequence is its own cluster.
 */
export async function clusterRecords(
  ing: Ingested, dups: Duplicates, o: { method: "mmseqs" | "none"; mmVersion: string | null; params: ClusterParams; tmp: string; signal?: AbortSignal },
  progress: Progress,
): Promise<Clusters> {
  const records = ing.lens.length;
  const cluster = new Int32Array(records).fill(-1);
  let reps: number[] = [];
  if (o.method === "mmseqs" && dups.distinct > 0) {
    const fasta = join(o.tmp, "distinct.fasta");
    const ws = createWriteStream(fasta, { highWaterMark: 1 << 22 });
    await forEachStaged(ing.stagingPath, ing.lens, (i, res) => {
      if (dups.isDup(i)) return;
      ws.write(`>${i}\n`);
      ws.write(residuesToAscii(res));
      ws.write("\n");
    }, () => drain(ws));
    await new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())));
    progress({ phase: "cluster", done: 0, total: dups.distinct, unit: "sequences", message: `mmseqs easy-linclust (${o.mmVersion})` });
    const tc = Date.now();
    const beat = setInterval(() => progress({ phase: "cluster", done: 0, total: dups.distinct, unit: "sequences", message: `mmseqs easy-linclust running for ${Math.round((Date.now() - tc) / 1000)} s` }), 10_000);
    const tsv = await runLinclust(fasta, join(o.tmp, "clu"), join(o.tmp, "mmseqs-tmp"), o.params, o.signal)
      .catch((e: Error) => { throw o.signal?.aborted || (e as NodeJS.ErrnoException).code === "ABORT_ERR" ? e : new PrepareError(e.message); })
      .finally(() => clearInterval(beat));
    const parsed = await parseClusterTsv(tsv, records);
    cluster.set(parsed.cluster);
    reps = parsed.reps;
    for (let i = 0; i < records; i++) if (!dups.isDup(i) && cluster[i]! < 0) throw new PrepareError(`mmseqs output lacks record ${i}; clustering incomplete`);
    rmSync(join(o.tmp, "mmseqs-tmp"), { recursive: true, force: true });
  } else {
    for (let i = 0; i < records; i++) if (!dups.isDup(i)) { cluster[i] = reps.length; reps.push(i); }
  }
  progress({ phase: "cluster", done: dups.distinct, total: dups.distinct, unit: "sequences", message: `${reps.length} clusters` });
  return { cluster, reps };
}

export interface SplitAssignment {
  /** SPLIT_CODE per cluster */
  clusterSplit: Uint8Array;
  /** clusters per split */
  clusters: Record<Split, number>;
}

/** Pass 4a: each cluster wholly to one split, by its representative's content hash (cluster.ts splitOf). */
export function assignSplits(reps: number[], hash32: Uint32Array, o: Pick<CorpusBuildOptions, "seed" | "validFraction" | "testFraction">): SplitAssignment {
  const clusterSplit = new Uint8Array(reps.length);
  const clusters: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  reps.forEach((rep, c) => {
    const sp = splitOf(hash32[rep]!, o.seed, o.validFraction, o.testFraction);
    clusterSplit[c] = SPLIT_CODE[sp];
    clusters[sp]++;
  });
  return { clusterSplit, clusters };
}

/**
 * Pass 4b: re-read the staging file and append every distinct record to its (source, split) shard (a new shard
 * file after `shardTokens` residues) and index; fills each source's `kept` and split counts. Returns the files.
 */
export async function writeShards(
  ing: Ingested, dups: Duplicates, clusters: Clusters, splits: SplitAssignment, o: { dir: string; names: string[]; shardTokens: number },
  progress: Progress,
): Promise<FileEntry[]> {
  const files: FileEntry[] = [];
  type W = { shard: ShardWriter | null; shardNo: number; index: IndexWriter; shards: string[] };
  const writers: W[][] = o.names.map((name) => SPLITS.map((sp) => ({
    shard: null, shardNo: -1, index: new IndexWriter(join(o.dir, "shards", `${name}.${sp}.idx`)), shards: [],
  })));
  const closeShard = (w: W) => {
    if (!w.shard) return;
    const r = w.shard.close();
    files.push({ path: w.shards[w.shards.length - 1]!, bytes: r.bytes, sha256: r.sha256 });
    w.shard = null;
  };
  let written = 0;
  await forEachStaged(ing.stagingPath, ing.lens, (i, res) => {
    if (dups.isDup(i)) return;
    const si = ing.source[i]!;
    const cl = clusters.cluster[i]!;
    const code = splits.clusterSplit[cl]!;
    const w = writers[si]![code]!;
    if (!w.shard || w.shard.tokens + res.length > o.shardTokens) {
      closeShard(w);
      w.shardNo++;
      const rel = `shards/${o.names[si]!}.${SPLITS[code]}.${String(w.shardNo).padStart(5, "0")}.tok`;
      w.shards.push(rel);
      w.shard = new ShardWriter(join(o.dir, rel));
    }
    const off = w.shard.append(res);
    w.index.append(w.shardNo, off, res.length, cl);
    const c = ing.per[si]!.splits[SPLITS[code]!];
    c.sequences++;
    c.residues += res.length;
    c.tokens += res.length + 2;
    ing.per[si]!.kept++;
    if (++written % 50000 === 0) progress({ phase: "write", done: written, total: dups.distinct, unit: "sequences" });
  });
  o.names.forEach((name, si) => SPLITS.forEach((sp, k) => {
    const w = writers[si]![k]!;
    closeShard(w);
    const r = w.index.close();
    const rel = `shards/${name}.${sp}.idx`;
    files.push({ path: rel, bytes: r.bytes, sha256: r.sha256 });
    ing.per[si]!.splits[sp].shards = w.shards;
    ing.per[si]!.splits[sp].index = rel;
  }));
  progress({ phase: "write", done: dups.distinct, total: dups.distinct, unit: "sequences" });
  return files;
}

function drain(ws: WriteStream): Promise<void> | undefined {
  if (ws.writableLength < ws.writableHighWaterMark) return undefined;
  return new Promise((r) => ws.once("drain", () => r()));
}

/** Read the staging file sequentially, calling fn(recordId, residues) per record (view valid during the call). */
export async function forEachStaged(path: string, lens: Uint32Array, fn: (i: number, res: Uint8Array) => void, between?: () => Promise<void> | undefined): Promise<void> {
  const fd = openSync(path, "r");
  const bufSize = 1 << 24;
  let buf = Buffer.allocUnsafe(bufSize);
  let start = 0, end = 0;
  try {
    for (let i = 0; i < lens.length; i++) {
      const n = lens[i]!;
      if (end - start < n) {
        if (n > buf.length) {
          const b = Buffer.allocUnsafe(n * 2);
          buf.copy(b, 0, start, end);
          buf = b;
        } else buf.copy(buf, 0, start, end);
        end -= start;
        start = 0;
        while (end < n) {
          const got = readSync(fd, buf, end, buf.length - end, null);
          if (got <= 0) throw new PrepareError(`${path}: staging file shorter than its records`);
          end += got;
        }
        const p = between?.();
        if (p) await p;
      }
      fn(i, buf.subarray(start, start + n));
      start += n;
    }
  } finally {
    closeSync(fd);
  }
}

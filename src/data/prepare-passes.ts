// The passes of `prepareCorpus` (prepare.ts), one function each, each callable and testable on its own:
//   ingestSources     (1) stream every source once: validate, filter, hash, dedup, stage residues + metadata
//   resolveDuplicates (2) finish dedup (the disk path knows late duplicates only now)
//   clusterRecords    (3) cluster the distinct sequences with MMseqs2, take a precomputed assignment
//                         (--clusters FILE), or one cluster per distinct sequence; each cluster's split
//   writeShards       (4) re-read the staged records into per-(source, split) shards + indexes
// (5) the manifest and the atomic swap into place stay in prepare.ts. What grows with the record count lives in
// files (prepare-records.ts); the heap holds the dedup table (bounded by memoryMB), a bitmap of 1 bit per
// record, and — only with in-prepare MMseqs2 — 5 bytes per record plus 4 per cluster.
import { closeSync, createWriteStream, openSync, readSync, rmSync, statSync, type WriteStream } from "node:fs";
import { join, basename } from "node:path";
import { scanFasta, FastaFormatError, type BadReason, type FastaRecord } from "./fasta.js";
import { IngestPool, alignedRanges, forEachRangeResult, BAD_KINDS, KIND_LONG, KIND_SHORT, type ChunkResult } from "./ingest-parallel.js";
import { Deduper, contentHash, type DedupResult } from "./dedup.js";
import { AtomicWriter, ShardWriter, IndexWriter } from "./shards.js";
import { parseClusterTsv, runLinclust, splitOf, SPLITS, SPLIT_CODE, SizeStatsAccumulator, type Split, type ClusterParams, type ClusterSizeStats } from "./cluster.js";
import { joinClusterFile, FileClusterCursor, type FileClusters } from "./cluster-file.js";
import { StagingWriter, forEachStaged, forEachRecordMeta, type StagedFiles } from "./prepare-records.js";
import { PrepareError } from "./prepare-errors.js";
import { residuesToAscii } from "./tokenizer.js";
import type { CorpusBuildOptions, SourceManifest, FileEntry } from "./manifest.js";
import type { SourceSpec, ProgressEvent } from "./prepare.js";

export { PrepareError, forEachStaged };

export type Progress = (e: ProgressEvent) => void;

export interface IngestOptions extends Pick<CorpusBuildOptions, "minLength" | "maxLength" | "onBad"> {
  maxRecords?: number;
  memoryMB: number;
  forceDiskDedup?: boolean;
  hashInputs?: boolean;
  /** also write `name TAB record` per staged record (for --clusters FILE) */
  ids?: boolean;
  /** worker threads for plain-file inputs (0 = parse in this thread); gzip inputs, presets with a record
   * filter, --max-records and --hash-inputs use the serial scan */
  workers?: number;
  signal?: AbortSignal;
}

/** Pass 1's result: the records staged (ids 0..n-1, in staging order, on disk) and per-source counts. */
export interface Ingested {
  staged: StagedFiles;
  /** `FASTA id TAB record` per staged record (with `ids`) */
  idsPath?: string;
  /** per-source counts (read, filtered, invalid, deduplicated so far; kept and splits are filled by writeShards) */
  per: SourceManifest[];
  /** null once finished (and on resume, where pass 2's result is read back instead) */
  dedup: Deduper | null;
}

/** Replay one worker range's records in order (see ingest-worker.ts for the layout). */
function replayChunk(r: ChunkResult, m: SourceManifest, admit: (res: Uint8Array, h: Buffer, id: () => string) => void): void {
  const hashes = Buffer.from(r.hashes.buffer, r.hashes.byteOffset, r.hashes.byteLength);
  const names = r.ids ? r.ids.split("\n") : [];
  let v = 0, off = 0;
  for (let k = 0; k < r.records; k++) {
    m.read++;
    const kind = r.kinds[k]!;
    if (kind >= 3) { m.invalid[BAD_KINDS[kind - 3]!]++; continue; }
    if (kind === KIND_SHORT) { m.filtered["too-short"]++; continue; }
    if (kind === KIND_LONG) { m.filtered["too-long"]++; continue; }
    const n = r.lens[k]!;
    const vi = v++;
    admit(r.residues.subarray(off, off + n), hashes.subarray(16 * vi, 16 * vi + 16), () => names[vi]!);
    off += n;
  }
}

function isGzip(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

const emptyInvalid = (): Record<BadReason, number> => ({ empty: 0, "invalid-char": 0, "internal-stop": 0 });
const emptySplit = () => ({ sequences: 0, residues: 0, tokens: 0, shards: [] as string[], index: "" });

/** Pass 1: stream every input of every source; count and drop bad, filtered and duplicate records. */
export async function ingestSources(sources: SourceSpec[], tmp: string, o: IngestOptions, progress: Progress): Promise<Ingested> {
  const staging = new StagingWriter(join(tmp, "staging.tok"), join(tmp, "records.bin"));
  const idsPath = o.ids ? join(tmp, "ids.tsv") : undefined;
  const ids = idsPath ? new AtomicWriter(idsPath, 0, false) : null;
  const dedup = new Deduper({ memoryMB: o.memoryMB, tmpDir: join(tmp, "dedup"), forceDisk: o.forceDiskDedup });
  const per: SourceManifest[] = sources.map((s) => ({
    name: s.name, weight: s.weight, inputs: [], read: 0, kept: 0, deduplicated: 0,
    filtered: { "too-short": 0, "too-long": 0 }, invalid: emptyInvalid(),
    splits: { train: emptySplit(), valid: emptySplit(), test: emptySplit() },
  }));
  /** one valid, length-checked record: dedup, then stage it */
  const admit = (m: SourceManifest, si: number, res: Uint8Array, h: Buffer, id: () => string) => {
    if (!dedup.add(h, staging.records)) { m.deduplicated++; return; }
    if (ids) ids.write(Buffer.from(`${id()}\t${staging.records}\n`, "utf8"));
    staging.add(res, h.readUInt32LE(0), si);
  };
  const workers = o.workers ?? 0;
  const pool = workers >= 1 ? new IngestPool(workers) : null;
  try {
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
        const classify = (rec: FastaRecord, keep: boolean): boolean => {
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
          if (keep) admit(m, si, rec.residues, contentHash(rec.residues), () => rec.id);
          return more;
        };
        const parallel = pool && input.path && !spec.accept && o.maxRecords === undefined && !o.hashInputs && !isGzip(input.path) && statSync(input.path).size > 0;
        if (parallel) {
          const chunk = Math.max(1 << 20, Math.min(64 << 20, Math.floor((o.memoryMB << 20) / (8 * workers))));
          const ranges = alignedRanges(input.path!, chunk);
          try {
            await forEachRangeResult(pool, ranges, { minLength: o.minLength, maxLength: o.maxLength, failOnBad: o.onBad === "fail", ids: !!ids }, 2 * workers, (r, g) => {
              replayChunk(r, m, (res, h, id) => admit(m, si, res, h, id));
              progress({ phase: "ingest", source: spec.name, done: before + g.end, total, unit: "bytes", message: input.name });
            }, o.signal);
          } catch (e) {
            if (!(e as { range?: unknown }).range) throw e;
            // the serial scan of the file throws the exact error (file, line, byte) of what the worker met
            m.read = 0;
            await scanFasta(input, (rec) => classify(rec, false), { signal: o.signal });
            throw new PrepareError(`${input.name}: ${(e as Error).message}`);
          }
          const size = statSync(input.path!).size;
          m.inputs.push({ name: basename(input.path!), bytes: size, sha256: null });
          before += size;
          continue;
        }
        const r = await scanFasta(input, (rec) => classify(rec, true), {
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
  } finally {
    await pool?.close();
  }
  ids?.close();
  return { staged: staging.close(), idsPath, per, dedup };
}

export interface Duplicates {
  isDup: (record: number) => boolean;
  /** records that are duplicates of an earlier one (found only by the disk path's merge) */
  late: number;
  distinct: number;
  mode: DedupResult["mode"];
  runs: number;
  /** 1 bit per record: the late duplicates (empty when there are none) */
  bitmap: Uint8Array;
}

export function duplicatesFrom(d: Omit<Duplicates, "isDup">): Duplicates {
  const bits = d.bitmap;
  return { ...d, isDup: (i: number) => d.late > 0 && (bits[i >> 3]! & (1 << (i & 7))) !== 0 };
}

/** Pass 2: finish dedup; late duplicates (disk path) are added to their source's `deduplicated` count. */
export async function resolveDuplicates(ing: Ingested, progress: Progress): Promise<Duplicates> {
  const records = ing.staged.records;
  progress({ phase: "dedup", done: 0, total: records, unit: "records" });
  if (!ing.dedup) throw new Error("resolveDuplicates: dedup already finished");
  const dd = ing.dedup.finish(records);
  ing.dedup = null;
  const dups = duplicatesFrom({ late: dd.lateDuplicateCount, distinct: records - dd.lateDuplicateCount, mode: dd.mode, runs: dd.runs, bitmap: dd.lateDuplicates });
  if (dups.late > 0) await forEachRecordMeta(ing.staged, (i, source) => { if (dups.isDup(i)) ing.per[source]!.deduplicated++; });
  progress({ phase: "dedup", done: records, total: records, unit: "records", message: `${dups.distinct} distinct (${dd.mode})` });
  return dups;
}

export type SplitOptions = Pick<CorpusBuildOptions, "seed" | "validFraction" | "testFraction">;

/** Pass 3's result: how to find each distinct record's cluster and split, in record order. */
export interface Clusters {
  method: "mmseqs" | "none" | "file";
  /** with mmseqs: cluster per record (dense 0..K-1, -1 for duplicates) and split per cluster */
  cluster?: Int32Array;
  clusterSplit?: Uint8Array;
  /** with --clusters FILE */
  file?: FileClusters & { name: string };
  /** size statistics and clusters per split: complete for mmseqs and FILE's clusters; the one-record clusters
   * (none, or records missing from FILE) are added by writeShards as it meets them */
  sizes: ClusterSizeStats;
  splits: Record<Split, number>;
}

export interface ClusterOptions {
  method: "mmseqs" | "none" | "file";
  mmVersion: string | null;
  params: ClusterParams;
  tmp: string;
  split: SplitOptions;
  clustersFile?: string;
  memoryMB?: number;
  signal?: AbortSignal;
}

/**
 * Pass 3: with `mmseqs`, write the distinct sequences as FASTA (named by record id) and run easy-linclust;
 * with a clusters file, join it to the records (cluster-file.ts); otherwise every distinct sequence is its own
 * cluster (numbered by writeShards).
 */
export async function clusterRecords(ing: Ingested, dups: Duplicates, o: ClusterOptions, progress: Progress): Promise<Clusters> {
  const stats = new SizeStatsAccumulator();
  const splits: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  const out: Clusters = { method: o.method, sizes: stats.result(), splits };
  if (o.method === "file") {
    if (!o.clustersFile || !ing.idsPath) throw new Error("clusterRecords: file method needs clustersFile and ids");
    const distinctIds = join(o.tmp, "ids-distinct.tsv");
    await filterLines(ing.idsPath, distinctIds, dups);
    progress({ phase: "cluster", done: 0, total: dups.distinct, unit: "sequences", message: `joining ${basename(o.clustersFile)} (external sort)` });
    const f = await joinClusterFile(o.clustersFile, distinctIds, { tmp: o.tmp, memoryMB: o.memoryMB ?? 512, threads: o.params.threads, signal: o.signal, ...o.split }, stats, splits);
    out.file = { ...f, name: basename(o.clustersFile) };
    for (const n of ["members.tsv", "members.sorted", "ids.sorted", "joined.tsv", "byrep.tsv", "numbered.tsv", "unmatched.tsv", "ids-distinct.tsv"]) rmSync(join(o.tmp, n), { force: true });
    progress({ phase: "cluster", done: dups.distinct, total: dups.distinct, unit: "sequences", message: `${f.fileClusters} clusters from ${basename(o.clustersFile)}; ${f.missing} record${f.missing === 1 ? "" : "s"} not in the file, each its own cluster` });
  } else if (o.method === "mmseqs" && dups.distinct > 0) {
    const records = ing.staged.records;
    const fasta = join(o.tmp, "distinct.fasta");
    const ws = createWriteStream(fasta, { highWaterMark: 1 << 22 });
    const hash32 = new Uint32Array(records);
    await forEachStaged(ing.staged, (i, res, m) => {
      hash32[i] = m.hash32;
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
    for (let i = 0; i < records; i++) if (!dups.isDup(i) && parsed.cluster[i]! < 0) throw new PrepareError(`mmseqs output lacks record ${i}; clustering incomplete`);
    rmSync(join(o.tmp, "mmseqs-tmp"), { recursive: true, force: true });
    const a = assignSplits(parsed.reps, hash32, o.split);
    out.cluster = parsed.cluster;
    out.clusterSplit = a.clusterSplit;
    out.splits = a.clusters;
    const sizes = new Uint32Array(parsed.reps.length);
    for (const c of parsed.cluster) if (c >= 0) sizes[c]!++;
    for (const s of sizes) stats.add(s);
  }
  out.sizes = stats.result();
  if (o.method !== "file") progress({ phase: "cluster", done: dups.distinct, total: dups.distinct, unit: "sequences", message: `${o.method === "mmseqs" ? out.sizes.clusters : dups.distinct} clusters` });
  return out;
}

/** Copy the lines of a one-line-per-record file, leaving out the late duplicates. */
async function filterLines(from: string, to: string, dups: Duplicates): Promise<void> {
  const { createInterface } = await import("node:readline");
  const { createReadStream } = await import("node:fs");
  const ws = createWriteStream(to, { highWaterMark: 1 << 20 });
  let i = 0;
  for await (const l of createInterface({ input: createReadStream(from, { highWaterMark: 1 << 20 }), crlfDelay: Infinity })) {
    if (!dups.isDup(i++) && !ws.write(l + "\n")) await new Promise<void>((r) => ws.once("drain", () => r()));
  }
  await new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())));
}

export interface SplitAssignment {
  /** SPLIT_CODE per cluster */
  clusterSplit: Uint8Array;
  /** clusters per split */
  clusters: Record<Split, number>;
}

/** Each cluster wholly to one split, by its representative's content hash (cluster.ts splitOf). */
export function assignSplits(reps: number[], hash32: Uint32Array, o: SplitOptions): SplitAssignment {
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
 * Pass 4: re-read the staged records and append every distinct record to its (source, split) shard (a new shard
 * file after `shardTokens` residues) and index; fills each source's `kept` and split counts, and the one-record
 * clusters' statistics. Returns the files.
 */
export async function writeShards(
  ing: Ingested, dups: Duplicates, clusters: Clusters, o: { dir: string; names: string[]; shardTokens: number; split: SplitOptions },
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
  // one-record clusters (none, or missing from FILE) are numbered after the others, in record order
  let next = clusters.method === "file" ? clusters.file!.fileClusters : 0;
  let singles = 0;
  const single = (h: number): [number, number] => {
    const sp = splitOf(h, o.split.seed, o.split.validFraction, o.split.testFraction);
    clusters.splits[sp]++;
    singles++;
    return [next++, SPLIT_CODE[sp]];
  };
  const cursor = clusters.method === "file" ? new FileClusterCursor(clusters.file!.assignPath, clusters.file!.name) : null;
  const clusterOf = (i: number, h: number): [number, number] => {
    if (clusters.method === "mmseqs") { const c = clusters.cluster![i]!; return [c, clusters.clusterSplit![c]!]; }
    if (!cursor) return single(h);
    const [rec, c, code] = cursor.next();
    if (rec !== i) throw new PrepareError(`cluster assignment out of step at record ${i} (read ${rec})`);
    return c < 0 ? single(h) : [c, code];
  };
  let written = 0;
  try {
    await forEachStaged(ing.staged, (i, res, m) => {
      if (dups.isDup(i)) return;
      const si = m.source;
      const [cl, code] = clusterOf(i, m.hash32);
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
    if (cursor && !cursor.done()) throw new PrepareError(`${clusters.file!.name}: a member of the corpus is listed in more than one cluster`);
  } finally {
    cursor?.close();
  }
  if (singles > 0) {
    const acc = new SizeStatsAccumulator();
    acc.merge(clusters.sizes);
    acc.add(1, singles);
    clusters.sizes = acc.result();
  }
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

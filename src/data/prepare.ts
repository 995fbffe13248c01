// `prepareCorpus`: FASTA sources → validated, deduplicated, clustered, split token shards + manifest.
// Passes: (1) stream every source once: validate, filter, hash, dedup, append residues to one staging file;
// (2) resolve disk dedup if used; (3) write distinct sequences to FASTA and cluster them with MMseqs2;
// (4) assign each cluster to a split; re-read staging sequentially into per-(source, split) shards + indexes;
// (5) write the manifest last, then rename the build directory into place. An interrupted build leaves only
// `OUT.partial/` (never a manifest), which the next run removes and rebuilds.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync, openSync, readSync, closeSync, statSync, createWriteStream } from "node:fs";
import { join, dirname, basename } from "node:path";
import { cpus } from "node:os";
import { scanFasta, FastaFormatError, type FastaSource, type FastaRecord, type BadReason } from "./fasta.js";
import { Deduper, contentHash } from "./dedup.js";
import { GrowableU32, GrowableU8 } from "./growable.js";
import { AtomicWriter, ShardWriter, IndexWriter } from "./shards.js";
import { clusterSizeStats, mmseqsVersion, parseClusterTsv, runLinclust, splitOf, SPLITS, SPLIT_CODE, type Split } from "./cluster.js";
import { RESIDUE_BYTE, VOCAB_ID } from "./tokenizer.js";
import { MANIFEST_FORMAT, MANIFEST_VERSION, type CorpusManifest, type SourceManifest, type FileEntry } from "./manifest.js";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export interface SourceSpec {
  name: string;
  /** sampling weight (normalised over sources by the sampler) */
  weight: number;
  inputs: FastaSource[];
  /** return false to drop a record before it is counted (preset-level merging, e.g. one protein in several files) */
  accept?: (r: FastaRecord) => boolean;
}

export interface PrepareOptions {
  out: string;
  sources: SourceSpec[];
  /** residues; shorter records are filtered (default 1) */
  minLength?: number;
  /** residues; longer records are filtered (default 0 = no limit; the sampler crops long ones) */
  maxLength?: number;
  onBad?: "skip" | "fail";
  validFraction?: number;
  testFraction?: number;
  seed?: number;
  /** "auto" uses mmseqs when installed, else the exact-duplicate fallback */
  cluster?: "auto" | "mmseqs" | "none";
  identity?: number;
  coverage?: number;
  threads?: number;
  dedupMemoryMB?: number;
  forceDiskDedup?: boolean;
  /** record sha256 of every input file in the manifest (costs about as much time as parsing) */
  hashInputs?: boolean;
  /** stop each source after this many records read */
  maxRecords?: number;
  /** residues per shard file before a new one starts (default 2^28) */
  shardTokens?: number;
  /** replace an existing corpus at `out` */
  force?: boolean;
  signal?: AbortSignal;
  /** files produced alongside (e.g. GO annotations), moved into the corpus and hashed */
  attach?: () => Promise<{ path: string; as: string }[]>;
  /** extra manifest section (evaluated after ingest) */
  preset?: () => Record<string, unknown>;
  toolVersion?: string;
}

export interface ProgressEvent {
  phase: "ingest" | "dedup" | "cluster" | "write" | "done";
  source?: string;
  done: number;
  total?: number;
  unit: "bytes" | "records" | "sequences";
  message?: string;
}

export class PrepareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrepareError";
  }
}

const emptyInvalid = (): Record<BadReason, number> => ({ empty: 0, "invalid-char": 0, "internal-stop": 0 });

function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    return `plmscale ${pkg.version}`;
  } catch {
    return "plmscale";
  }
}

export async function prepareCorpus(opts: PrepareOptions, progress: (e: ProgressEvent) => void = () => {}): Promise<CorpusManifest> {
  const t0 = Date.now();
  const minLength = opts.minLength ?? 1;
  const maxLength = opts.maxLength ?? 0;
  const onBad = opts.onBad ?? "skip";
  const validFraction = opts.validFraction ?? 0.01;
  const testFraction = opts.testFraction ?? 0.01;
  const seed = opts.seed ?? 0;
  const shardTokens = opts.shardTokens ?? 2 ** 28;
  const memoryMB = opts.dedupMemoryMB ?? 512;
  if (!(validFraction >= 0 && testFraction >= 0 && validFraction + testFraction < 1)) throw new PrepareError("valid + test fractions must be in [0, 1)");
  if (opts.sources.length === 0) throw new PrepareError("no sources given");
  const names = new Set<string>();
  for (const s of opts.sources) {
    if (!/^[A-Za-z0-9_-]+$/.test(s.name)) throw new PrepareError(`source name '${s.name}' must match [A-Za-z0-9_-]+`);
    if (names.has(s.name)) throw new PrepareError(`source '${s.name}' given twice`);
    if (!(s.weight > 0)) throw new PrepareError(`source '${s.name}': weight must be > 0`);
    names.add(s.name);
  }
  if (opts.sources.length > 255) throw new PrepareError("at most 255 sources");
  const out = opts.out;
  if (existsSync(join(out, "manifest.json")) && !opts.force) throw new PrepareError(`${out} already holds a corpus; pass --force to rebuild it`);
  if (existsSync(out) && !existsSync(join(out, "manifest.json"))) {
    // --force replaces a corpus, never an arbitrary directory
    const { readdirSync } = await import("node:fs");
    if (readdirSync(out).length > 0) throw new PrepareError(`${out} exists, is not empty and is not a corpus; choose another --out`);
  }
  let method: "mmseqs" | "none" = "none";
  let mmVersion: string | null = null;
  if (opts.cluster !== "none") {
    mmVersion = mmseqsVersion();
    if (mmVersion) method = "mmseqs";
    else if (opts.cluster === "mmseqs") throw new PrepareError("mmseqs (MMseqs2) is not installed: apt-get install mmseqs2 (or run scripts/setup.sh), or pass --cluster none for the exact-duplicate-only fallback");
  }

  const partial = out.replace(/\/+$/, "") + ".partial";
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, "shards"), { recursive: true });
  mkdirSync(join(partial, "tmp"), { recursive: true });
  const tmp = join(partial, "tmp");
  try {
    // ---- pass 1: ingest ----
    const staging = new AtomicWriter(join(tmp, "staging.tok"));
    const lens = new GrowableU32();
    const h32 = new GrowableU32();
    const src = new GrowableU8();
    const dedup = new Deduper({ memoryMB, tmpDir: join(tmp, "dedup"), forceDisk: opts.forceDiskDedup });
    const per: SourceManifest[] = opts.sources.map((s) => ({
      name: s.name, weight: s.weight, inputs: [], read: 0, kept: 0, deduplicated: 0,
      filtered: { "too-short": 0, "too-long": 0 }, invalid: emptyInvalid(),
      splits: { train: emptySplit(), valid: emptySplit(), test: emptySplit() },
    }));
    for (let si = 0; si < opts.sources.length; si++) {
      const spec = opts.sources[si]!;
      const m = per[si]!;
      // progress is cumulative over a source's inputs (bytes; the total only when every input is a file)
      const sizes = spec.inputs.map((i) => (i.path ? statSync(i.path).size : undefined));
      const total = sizes.every((x) => x !== undefined) ? sizes.reduce((a, b) => a! + b!, 0) : undefined;
      let before = 0;
      for (const input of spec.inputs) {
        if (opts.maxRecords !== undefined && m.read >= opts.maxRecords) break;
        let lastReport = 0;
        const r = await scanFasta(input, (rec) => {
          if (spec.accept && !spec.accept(rec)) return true;
          m.read++;
          const more = opts.maxRecords === undefined || m.read < opts.maxRecords;
          if (rec.bad) {
            m.invalid[rec.bad.reason]++;
            if (onBad === "fail") throw new FastaFormatError(input.name, rec.line, -1, `record '${rec.id}' is invalid (${rec.bad.reason}: ${rec.bad.detail}); use --on-bad skip to count and skip such records`);
            return more;
          }
          const n = rec.residues.length;
          if (n < minLength) { m.filtered["too-short"]++; return more; }
          if (maxLength > 0 && n > maxLength) { m.filtered["too-long"]++; return more; }
          const h = contentHash(rec.residues);
          if (!dedup.add(h, lens.length)) { m.deduplicated++; return more; }
          staging.write(rec.residues);
          lens.push(n);
          h32.push(h.readUInt32LE(0));
          src.push(si);
          return more;
        }, {
          signal: opts.signal,
          hash: opts.hashInputs,
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
    const records = lens.length;
    if (opts.signal?.aborted) throw new PrepareError("interrupted");

    // ---- pass 2: dedup resolution (disk path) ----
    progress({ phase: "dedup", done: 0, total: records, unit: "records" });
    const dd = dedup.finish(records);
    const isDup = (i: number) => dd.lateDuplicateCount > 0 && (dd.lateDuplicates[i >> 3]! & (1 << (i & 7))) !== 0;
    if (dd.lateDuplicateCount > 0) for (let i = 0; i < records; i++) if (isDup(i)) per[src.get(i)]!.deduplicated++;
    const distinct = records - dd.lateDuplicateCount;
    progress({ phase: "dedup", done: records, total: records, unit: "records", message: `${distinct} distinct (${dd.mode})` });

    // ---- pass 3: clustering ----
    const cluster = new Int32Array(records).fill(-1);
    let nClusters = 0;
    let reps: number[] = [];
    const stagingPath = join(tmp, "staging.tok");
    if (method === "mmseqs" && distinct > 0) {
      const fasta = join(tmp, "distinct.fasta");
      const ws = createWriteStream(fasta, { highWaterMark: 1 << 22 });
      await forEachStaged(stagingPath, lens.view(), (i, res) => {
        if (isDup(i)) return;
        const b = Buffer.allocUnsafe(res.length);
        for (let k = 0; k < res.length; k++) b[k] = RESIDUE_BYTE[res[k]!]!;
        writeOrWait(ws, `>${i}\n`);
        writeOrWait(ws, b);
        writeOrWait(ws, "\n");
      }, () => drain(ws));
      await new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())));
      progress({ phase: "cluster", done: 0, total: distinct, unit: "sequences", message: `mmseqs easy-linclust (${mmVersion})` });
      const tc = Date.now();
      const beat = setInterval(() => progress({ phase: "cluster", done: 0, total: distinct, unit: "sequences", message: `mmseqs easy-linclust running for ${Math.round((Date.now() - tc) / 1000)} s` }), 10_000);
      const tsv = await runLinclust(fasta, join(tmp, "clu"), join(tmp, "mmseqs-tmp"), {
        identity: opts.identity ?? 0.5, coverage: opts.coverage ?? 0.8, threads: opts.threads ?? Math.max(1, cpus().length),
      }, opts.signal).finally(() => clearInterval(beat));
      const parsed = await parseClusterTsv(tsv, records);
      cluster.set(parsed.cluster);
      reps = parsed.reps;
      nClusters = reps.length;
      for (let i = 0; i < records; i++) if (!isDup(i) && cluster[i]! < 0) throw new PrepareError(`mmseqs output lacks record ${i}; clustering incomplete`);
      rmSync(join(tmp, "mmseqs-tmp"), { recursive: true, force: true });
    } else {
      for (let i = 0; i < records; i++) if (!isDup(i)) { cluster[i] = nClusters++; reps.push(i); }
    }
    progress({ phase: "cluster", done: distinct, total: distinct, unit: "sequences", message: `${nClusters} clusters` });

    // ---- pass 4: split assignment and final shards ----
    const clusterSplit = new Uint8Array(nClusters);
    const splitClusters: Record<Split, number> = { train: 0, valid: 0, test: 0 };
    for (let c = 0; c < nClusters; c++) {
      const sp = splitOf(h32.get(reps[c]!), seed, validFraction, testFraction);
      clusterSplit[c] = SPLIT_CODE[sp];
      splitClusters[sp]++;
    }
    const sizes = new Uint32Array(nClusters);
    for (let i = 0; i < records; i++) if (!isDup(i)) sizes[cluster[i]!]!++;

    const files: FileEntry[] = [];
    type W = { shard: ShardWriter | null; shardNo: number; index: IndexWriter; shards: string[] };
    const writers: W[][] = opts.sources.map((s) => SPLITS.map((sp) => ({
      shard: null, shardNo: -1, index: new IndexWriter(join(partial, "shards", `${s.name}.${sp}.idx`)), shards: [],
    })));
    const closeShard = (w: W) => {
      if (!w.shard) return;
      const r = w.shard.close();
      files.push({ path: w.shards[w.shards.length - 1]!, bytes: r.bytes, sha256: r.sha256 });
      w.shard = null;
    };
    let written = 0;
    await forEachStaged(stagingPath, lens.view(), (i, res) => {
      if (isDup(i)) return;
      const si = src.get(i);
      const code = clusterSplit[cluster[i]!]!;
      const w = writers[si]![code]!;
      if (!w.shard || w.shard.tokens + res.length > shardTokens) {
        closeShard(w);
        w.shardNo++;
        const rel = `shards/${opts.sources[si]!.name}.${SPLITS[code]}.${String(w.shardNo).padStart(5, "0")}.tok`;
        w.shards.push(rel);
        w.shard = new ShardWriter(join(partial, rel));
      }
      const off = w.shard.append(res);
      w.index.append(w.shardNo, off, res.length, cluster[i]!);
      const c = per[si]!.splits[SPLITS[code]!];
      c.sequences++;
      c.residues += res.length;
      c.tokens += res.length + 2;
      per[si]!.kept++;
      if (++written % 50000 === 0) progress({ phase: "write", done: written, total: distinct, unit: "sequences" });
    });
    opts.sources.forEach((s, si) => SPLITS.forEach((sp, k) => {
      const w = writers[si]![k]!;
      closeShard(w);
      const r = w.index.close();
      const rel = `shards/${s.name}.${sp}.idx`;
      files.push({ path: rel, bytes: r.bytes, sha256: r.sha256 });
      per[si]!.splits[sp].shards = w.shards;
      per[si]!.splits[sp].index = rel;
    }));
    progress({ phase: "write", done: distinct, total: distinct, unit: "sequences" });

    for (const a of (await opts.attach?.()) ?? []) {
      const dest = join(partial, a.as);
      mkdirSync(dirname(dest), { recursive: true });
      try {
        renameSync(a.path, dest);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
        copyFileSync(a.path, dest); // temp dir on another filesystem
        rmSync(a.path, { force: true });
      }
      files.push({ path: a.as, bytes: statSync(dest).size, sha256: sha256File(dest) });
    }
    for (const m of per) {
      const accounted = m.kept + m.deduplicated + sum(m.filtered) + sum(m.invalid);
      if (accounted !== m.read) throw new PrepareError(`internal accounting error for source '${m.name}': read ${m.read}, accounted ${accounted}`);
    }
    rmSync(tmp, { recursive: true, force: true });

    const manifest: CorpusManifest = {
      format: MANIFEST_FORMAT, version: MANIFEST_VERSION, tool: opts.toolVersion ?? toolVersion(), created: new Date().toISOString(),
      vocab: VOCAB_ID, dtype: "uint8", tokenScheme: "<cls> residues <eos>; shards hold residue ids only",
      options: { minLength, maxLength, onBad, validFraction, testFraction, seed },
      dedup: { mode: dd.mode, memoryMB, distinct, duplicates: per.reduce((a, m) => a + m.deduplicated, 0), runs: dd.runs },
      clustering: {
        method: method === "mmseqs" ? "mmseqs2-linclust" : "none",
        tool: method === "mmseqs" ? `mmseqs ${mmVersion}` : null,
        identity: method === "mmseqs" ? opts.identity ?? 0.5 : null,
        coverage: method === "mmseqs" ? opts.coverage ?? 0.8 : null,
        guarantee: method === "mmseqs"
          ? `no valid/test sequence shares an MMseqs2 linclust cluster (≥${opts.identity ?? 0.5} identity, ${opts.coverage ?? 0.8} coverage) with a training sequence`
          : "fallback without MMseqs2: exact duplicates never cross splits, but homologous (near-identical) sequences may",
        sizes: clusterSizeStats(sizes),
        splits: splitClusters,
      },
      sources: per,
      files,
      ...(opts.preset ? { preset: opts.preset() } : {}),
      wallSeconds: (Date.now() - t0) / 1000,
    };
    const mp = join(partial, "manifest.json");
    writeFileSync(mp + ".part", JSON.stringify(manifest, null, 2) + "\n");
    renameSync(mp + ".part", mp);
    // swap the finished build into place
    if (existsSync(out)) {
      const old = out.replace(/\/+$/, "") + ".old";
      rmSync(old, { recursive: true, force: true });
      renameSync(out, old);
      renameSync(partial, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      mkdirSync(dirname(out), { recursive: true });
      renameSync(partial, out);
    }
    progress({ phase: "done", done: 1, total: 1, unit: "records" });
    return manifest;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function emptySplit() {
  return { sequences: 0, residues: 0, tokens: 0, shards: [] as string[], index: "" };
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function writeOrWait(ws: import("node:fs").WriteStream, data: string | Buffer): void {
  ws.write(data);
}

function drain(ws: import("node:fs").WriteStream): Promise<void> | undefined {
  if (ws.writableLength < ws.writableHighWaterMark) return undefined;
  return new Promise((r) => ws.once("drain", () => r()));
}

/** Read the staging file sequentially, calling fn(recordId, residues) per record (view valid during the call). */
async function forEachStaged(path: string, lens: Uint32Array, fn: (i: number, res: Uint8Array) => void, between?: () => Promise<void> | undefined): Promise<void> {
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

// `prepareCorpus`: FASTA sources → validated, deduplicated, clustered, split token shards + manifest.
// The passes (ingest, dedup, cluster, split, shards) are one function each in prepare-passes.ts; this file
// checks the options, runs the passes in a build directory, and (5) writes the manifest last, then renames
// the build directory into place. An interrupted build leaves only `OUT.partial/` (never a manifest), which
// the next run removes and rebuilds.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { cpus } from "node:os";
import { sha256File } from "../core/files.js";
import { packageVersion } from "../core/version.js";
import { UserError } from "../core/errors.js";
import type { FastaSource, FastaRecord } from "./fasta.js";
import { mmseqsVersion } from "./cluster.js";
import { VOCAB_ID } from "./tokenizer.js";
import { MANIFEST_FORMAT, MANIFEST_VERSION, type CorpusBuildOptions, type CorpusManifest, type SourceManifest, type FileEntry } from "./manifest.js";
import {
  PrepareError, ingestSources, resolveDuplicates, clusterRecords, writeShards, type Ingested, type Duplicates, type Clusters,
} from "./prepare-passes.js";
import { fingerprint, loadState, saveState } from "./prepare-resume.js";

export { PrepareError };

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
  /** memory budget in MB for what grows with the input: the dedup table and the external sorts (default 512) */
  memoryMB?: number;
  /** older name of memoryMB */
  dedupMemoryMB?: number;
  /** a precomputed cluster assignment: representative TAB member per line (MMseqs2 createtsv, UniRef lists) */
  clustersFile?: string;
  /** worker threads parsing plain FASTA inputs (default: one per core; 0 = in the main thread) */
  workers?: number;
  /** continue an interrupted build from its last finished pass (default true; presets with callbacks never resume) */
  resume?: boolean;
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

/** Options with their defaults, checked; the clustering method resolved against the installed mmseqs. */
export interface ResolvedOptions {
  /** recorded in the manifest as `options` */
  build: CorpusBuildOptions;
  shardTokens: number;
  memoryMB: number;
  method: "mmseqs" | "none" | "file";
  mmVersion: string | null;
}

export function resolveOptions(opts: PrepareOptions, findMmseqs: () => string | null = mmseqsVersion): ResolvedOptions {
  const build: CorpusBuildOptions = {
    minLength: opts.minLength ?? 1, maxLength: opts.maxLength ?? 0, onBad: opts.onBad ?? "skip",
    validFraction: opts.validFraction ?? 0.01, testFraction: opts.testFraction ?? 0.01, seed: opts.seed ?? 0,
  };
  const r: ResolvedOptions = { build, shardTokens: opts.shardTokens ?? 2 ** 28, memoryMB: opts.memoryMB ?? opts.dedupMemoryMB ?? 512, method: "none", mmVersion: null };
  if (!(r.memoryMB >= 16)) throw new PrepareError("--memory must be at least 16 MB");
  const { validFraction, testFraction } = build;
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
  if (opts.clustersFile !== undefined) {
    if (!existsSync(opts.clustersFile)) throw new PrepareError(`--clusters ${opts.clustersFile}: no such file`);
    if (opts.cluster === "mmseqs") throw new PrepareError("--clusters FILE and --cluster mmseqs exclude each other (the file is the clustering)");
    r.method = "file";
  } else if (opts.cluster !== "none") {
    r.mmVersion = findMmseqs();
    if (r.mmVersion) r.method = "mmseqs";
    else if (opts.cluster === "mmseqs") throw new PrepareError("mmseqs (MMseqs2) is not installed: apt-get install mmseqs2 (or run scripts/setup.sh), or pass --cluster none for the exact-duplicate-only fallback");
  }
  return r;
}

/** Refuse to replace a corpus without `force`, and never replace a directory that is not a corpus. */
function checkOutput(out: string, force: boolean | undefined): void {
  if (existsSync(join(out, "manifest.json")) && !force) throw new PrepareError(`${out} already holds a corpus; pass --force to rebuild it`);
  if (existsSync(out) && !existsSync(join(out, "manifest.json")) && readdirSync(out).length > 0) {
    throw new PrepareError(`${out} exists, is not empty and is not a corpus; choose another --out`);
  }
}

export async function prepareCorpus(opts: PrepareOptions, progress: (e: ProgressEvent) => void = () => {}): Promise<CorpusManifest> {
  const t0 = Date.now();
  const o = resolveOptions(opts);
  const out = opts.out;
  checkOutput(out, opts.force);
  const partial = out.replace(/\/+$/, "") + ".partial";
  const tmp = join(partial, "tmp");
  // presets drop records and collect annotations through callbacks, whose state a rerun cannot restore
  const resumable = opts.resume !== false && !opts.attach && !opts.preset && opts.sources.every((s) => !s.accept && s.inputs.every((i) => i.path));
  const params = { identity: opts.identity ?? 0.5, coverage: opts.coverage ?? 0.8, threads: opts.threads ?? Math.max(1, cpus().length) };
  const fp = resumable ? fingerprint(opts.sources, { build: o.build, method: o.method, mm: o.mmVersion, params: o.method === "mmseqs" ? params : null,
    maxRecords: opts.maxRecords ?? null, shardTokens: o.shardTokens, memoryMB: o.memoryMB, disk: !!opts.forceDiskDedup, version: 2 }) : "";
  // a fixed --clusters file (say, after a malformed line) redoes the cluster pass only, not the ingest
  const clustersFp = resumable && opts.clustersFile ? fingerprint([{ name: "c", weight: 1, inputs: [{ name: "c", path: opts.clustersFile }] }], {}) : "";
  const resumed = resumable ? loadState(tmp, fp, clustersFp) : null;
  if (resumed) {
    rmSync(join(partial, "shards"), { recursive: true, force: true });
    progress({ phase: resumed.pass === "dedup" ? "cluster" : "write", done: 0, unit: "records", message: `resuming ${partial} after its finished ${resumed.pass} pass` });
  } else rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, "shards"), { recursive: true });
  mkdirSync(tmp, { recursive: true });
  let keepPartial = false;
  try {
    let ing: Ingested, dups: Duplicates;
    if (resumed) ({ ing, dups } = resumed);
    else {
      ing = await ingestSources(opts.sources, tmp, { ...o.build, memoryMB: o.memoryMB, maxRecords: opts.maxRecords, forceDiskDedup: opts.forceDiskDedup, hashInputs: opts.hashInputs, ids: o.method === "file", workers: opts.workers ?? cpus().length, signal: opts.signal }, progress);
      if (opts.signal?.aborted) throw new PrepareError("interrupted");
      checkUsable(ing.per);
      dups = await resolveDuplicates(ing, progress);
      if (resumable) saveState(tmp, fp, "dedup", ing, dups);
    }
    let clusters = resumed?.clusters;
    if (!clusters) {
      try {
        clusters = await clusterRecords(ing, dups, { method: o.method, mmVersion: o.mmVersion, params, tmp, split: o.build, clustersFile: opts.clustersFile, memoryMB: o.memoryMB, signal: opts.signal }, progress);
      } catch (e) {
        // a bad --clusters file: keep the finished ingest so that the fixed file costs only the cluster pass
        if (resumable && e instanceof UserError) {
          keepPartial = true;
          throw new UserError(`${e.message}; the finished ingest is kept in ${partial}: fix the file and rerun the same command to continue from there`, e.exitCode);
        }
        throw e;
      }
      if (resumable) saveState(tmp, fp, "cluster", ing, dups, clusters, clustersFp);
    }
    const files = await writeShards(ing, dups, clusters, { dir: partial, names: opts.sources.map((s) => s.name), shardTokens: o.shardTokens, split: o.build }, progress);
    files.push(...(await attachFiles(partial, opts.attach)));
    checkAccounting(ing.per);
    rmSync(tmp, { recursive: true, force: true });
    const manifest = buildManifest(opts, o, ing.per, dups, clusters, files, (Date.now() - t0) / 1000);
    publish(partial, out, manifest);
    progress({ phase: "done", done: 1, total: 1, unit: "records" });
    return manifest;
  } catch (e) {
    // a failed build (a full disk above all) frees its space; an interrupted or killed one leaves OUT.partial
    // (openCorpus points at it), which the next run resumes (same inputs and options) or removes first
    if (!opts.signal?.aborted && !keepPartial) rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}

/** A corpus needs sequences, and so does every weighted source (the sampler draws from each by its weight). */
export function checkUsable(per: SourceManifest[]): void {
  // a source whose records all duplicate another source's is fine (the manifest counts them); one whose own
  // records are all empty, invalid or filtered out is not
  const usable = (m: SourceManifest) => m.read - sum(m.filtered) - sum(m.invalid);
  const why = (m: SourceManifest) => {
    const parts = [...Object.entries(m.invalid), ...Object.entries(m.filtered)].filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    return `${m.read} record${m.read === 1 ? "" : "s"} read${parts.length ? `: ${parts.join(", ")}` : ""}`;
  };
  if (per.every((m) => usable(m) === 0)) {
    throw new PrepareError(`no usable sequences: ${per.map((m) => `source '${m.name}' (${m.inputs.map((i) => i.name).join(", ")}): ${why(m)}`).join("; ")}; nothing was written`);
  }
  const empty = per.filter((m) => usable(m) === 0);
  if (empty.length) {
    throw new PrepareError(`source${empty.length > 1 ? "s" : ""} ${empty.map((m) => `'${m.name}' (${why(m)})`).join(", ")} ha${empty.length > 1 ? "ve" : "s"} no usable sequences; remove ${empty.length > 1 ? "them" : "it"} or fix the input`);
  }
}

/** Move files produced alongside (e.g. GO annotations) into the build directory; returns their entries. */
async function attachFiles(dir: string, attach: PrepareOptions["attach"]): Promise<FileEntry[]> {
  const files: FileEntry[] = [];
  for (const a of (await attach?.()) ?? []) {
    const dest = join(dir, a.as);
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
  return files;
}

/** Every record read is exactly one of kept, deduplicated, filtered.*, invalid.* (per source). */
export function checkAccounting(per: SourceManifest[]): void {
  for (const m of per) {
    const accounted = m.kept + m.deduplicated + sum(m.filtered) + sum(m.invalid);
    if (accounted !== m.read) throw new PrepareError(`internal accounting error for source '${m.name}': read ${m.read}, accounted ${accounted}`);
  }
}

/** Pass 5: the manifest (docs/DATA.md) from the passes' results. */
export function buildManifest(
  opts: PrepareOptions, o: ResolvedOptions, per: SourceManifest[], dups: Duplicates, clusters: Clusters,
  files: FileEntry[], wallSeconds: number,
): CorpusManifest {
  const mm = o.method === "mmseqs";
  const identity = opts.identity ?? 0.5, coverage = opts.coverage ?? 0.8;
  const f = clusters.file;
  return {
    format: MANIFEST_FORMAT, version: MANIFEST_VERSION, tool: opts.toolVersion ?? `plmscale ${packageVersion()}`, created: new Date().toISOString(),
    vocab: VOCAB_ID, dtype: "uint8", tokenScheme: "<cls> residues <eos>; shards hold residue ids only",
    options: o.build,
    dedup: { mode: dups.mode, memoryMB: o.memoryMB, distinct: dups.distinct, duplicates: per.reduce((a, m) => a + m.deduplicated, 0), runs: dups.runs },
    clustering: {
      method: mm ? "mmseqs2-linclust" : f ? "file" : "none",
      tool: mm ? `mmseqs ${o.mmVersion}` : f ? `--clusters ${f.name}` : null,
      identity: mm ? identity : null,
      coverage: mm ? coverage : null,
      ...(f ? { file: { name: f.name, lines: f.lines, clusters: f.fileClusters, missing: f.missing, unmatchedMembers: f.unmatchedLines } } : {}),
      guarantee: mm
        ? `no valid/test sequence shares an MMseqs2 linclust cluster (≥${identity} identity, ${coverage} coverage) with a training sequence`
        : f
          ? `no valid/test sequence shares a cluster of ${f.name} with a training sequence; ${f.missing} sequence${f.missing === 1 ? "" : "s"} not listed there ${f.missing === 1 ? "is its own cluster" : "are each their own cluster"} (exact duplicates only)`
          : "fallback without MMseqs2: exact duplicates never cross splits, but homologous (near-identical) sequences may",
      sizes: clusters.sizes,
      splits: clusters.splits,
    },
    sources: per,
    files,
    ...(opts.preset ? { preset: opts.preset() } : {}),
    wallSeconds,
  };
}

/** Write the manifest last into the build directory, then swap it into place at `out`. */
function publish(partial: string, out: string, manifest: CorpusManifest): void {
  const mp = join(partial, "manifest.json");
  writeFileSync(mp + ".part", JSON.stringify(manifest, null, 2) + "\n");
  renameSync(mp + ".part", mp);
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
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}


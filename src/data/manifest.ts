// The corpus manifest (manifest.json): written last and atomically, so its presence means the corpus is whole.
import type { Split } from "./cluster.js";
import type { ClusterSizeStats } from "./cluster.js";
import type { BadReason } from "./fasta.js";

export const MANIFEST_FORMAT = "plmscale-corpus";
export const MANIFEST_VERSION = 1;

export interface SplitCounts {
  sequences: number;
  /** residues only */
  residues: number;
  /** model tokens: residues + <cls> + <eos> per sequence (uncropped) */
  tokens: number;
}

export interface FileEntry {
  path: string; // relative to the corpus directory
  bytes: number;
  sha256: string;
}

export interface SourceManifest {
  name: string;
  weight: number;
  /** sha256 is null unless the build used --hash-inputs */
  inputs: { name: string; bytes: number; sha256: string | null }[];
  /** every record read is exactly one of kept / deduplicated / filtered / invalid */
  read: number;
  kept: number;
  deduplicated: number;
  filtered: Record<"too-short" | "too-long", number>;
  invalid: Record<BadReason, number>;
  splits: Record<Split, SplitCounts & { shards: string[]; index: string }>;
}

/** The build options that decide which records a corpus holds and in which split (defaults resolved). */
export interface CorpusBuildOptions {
  /** residues; shorter records are filtered */
  minLength: number;
  /** residues; longer records are filtered (0 = no limit) */
  maxLength: number;
  onBad: "skip" | "fail";
  validFraction: number;
  testFraction: number;
  seed: number;
}

export interface CorpusManifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  tool: string;
  created: string;
  vocab: string;
  dtype: "uint8";
  tokenScheme: string;
  options: CorpusBuildOptions;
  dedup: { mode: "memory" | "disk"; memoryMB: number; distinct: number; duplicates: number; runs: number };
  clustering: {
    method: "mmseqs2-linclust" | "none" | "file";
    tool: string | null;
    /** --clusters FILE: the file, its lines, and the corpus records it did not list (each its own cluster) */
    file?: { name: string; lines: number; clusters: number; missing: number; unmatchedMembers: number };
    identity: number | null;
    coverage: number | null;
    /** what the split guarantees, in words */
    guarantee: string;
    sizes: ClusterSizeStats;
    /** clusters per split */
    splits: Record<Split, number>;
  };
  sources: SourceManifest[];
  files: FileEntry[];
  preset?: Record<string, unknown>;
  wallSeconds: number;
}

/** Throw with the first structural problem found (keys the sampler and stats rely on). */
export function validateManifest(m: unknown, where: string): asserts m is CorpusManifest {
  const bad = (why: string): never => {
    throw new Error(`${where}: ${why}`);
  };
  if (typeof m !== "object" || m === null) bad("not a JSON object");
  const o = m as Record<string, unknown>;
  if (o.format !== MANIFEST_FORMAT) bad(`format '${String(o.format)}' is not '${MANIFEST_FORMAT}'; not a plmscale corpus — build one with 'plmscale data prepare'`);
  if (o.version !== MANIFEST_VERSION) bad(`manifest version ${String(o.version)}, this plmscale reads version ${MANIFEST_VERSION}; rebuild with 'plmscale data prepare'`);
  if (!Array.isArray(o.sources) || o.sources.length === 0) bad("no sources");
  for (const s of o.sources as SourceManifest[]) {
    if (typeof s.name !== "string" || typeof s.weight !== "number") bad("a source lacks name/weight");
    for (const sp of ["train", "valid", "test"] as const) {
      const e = s.splits?.[sp];
      if (!e || !Array.isArray(e.shards) || typeof e.index !== "string") bad(`source '${s.name}' lacks split '${sp}'`);
    }
  }
}

/**
 * Unique tokens in a corpus's training split, summed over sources (sources[].splits.train.tokens); null when the
 * manifest has no sources or a source lacks the count. Used for epoch and data-limit estimates (plan, sweeps).
 */
export function trainSplitTokens(m: unknown): number | null {
  const sources = (m as { sources?: { splits?: { train?: { tokens?: unknown } } }[] } | null)?.sources;
  if (!Array.isArray(sources) || sources.length === 0) return null;
  let sum = 0;
  for (const s of sources) {
    const t = s?.splits?.train?.tokens;
    if (typeof t !== "number") return null;
    sum += t;
  }
  return sum;
}

// Cluster-aware splits. MMseqs2 `easy-linclust` (linear-time clustering; the tool UniRef and ESM use at
// billion-sequence scale) groups the distinct sequences; every cluster goes wholly to train, valid or test by
// a seeded hash of its representative's content, so no valid/test sequence shares a cluster with training.
// Without mmseqs the fallback makes every distinct sequence its own cluster: that guarantees only that no
// exact duplicate crosses splits (homologues may), and the manifest says so.
import { spawnSync } from "node:child_process";
import { spawnTool } from "../core/children.js";
import { statfsSync } from "node:fs";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { mix32 } from "../core/hash.js";

export type Split = "train" | "valid" | "test";
export const SPLITS: readonly Split[] = ["train", "valid", "test"];
export const SPLIT_CODE: Record<Split, number> = { train: 0, valid: 1, test: 2 };

export interface ClusterParams {
  identity: number; // --min-seq-id, default 0.5
  coverage: number; // -c, default 0.8
  threads: number;
}

/** mmseqs version string, or null when the binary is absent. */
export function mmseqsVersion(bin = process.env.PLMSCALE_MMSEQS ?? "mmseqs"): string | null {
  const r = spawnSync(bin, ["version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim();
}

/** Run `mmseqs easy-linclust fasta prefix tmp`; resolves to the path of the cluster TSV (rep \t member). */
export function runLinclust(fasta: string, prefix: string, tmp: string, p: ClusterParams, signal?: AbortSignal,
  bin = process.env.PLMSCALE_MMSEQS ?? "mmseqs"): Promise<string> {
  const args = ["easy-linclust", fasta, prefix, tmp, "--min-seq-id", String(p.identity), "-c", String(p.coverage),
    "--threads", String(p.threads), "-v", "1"];
  return new Promise((resolve, reject) => {
    const child = spawnTool(bin, args, { stdio: ["ignore", "ignore", "pipe"], signal });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(`${prefix}_cluster.tsv`);
      else reject(new Error(`mmseqs ${args.join(" ")} failed (exit ${code}): ${err.trim().split("\n").slice(-3).join(" | ")}${diskNote(tmp, err)}`));
    });
  });
}

/**
 * Parse a cluster TSV whose names are decimal record ids; returns cluster index per record
 * (dense 0..K-1 in ascending order of the representative's record id, so the ids do not depend on the order in
 * which mmseqs's threads wrote the lines: two builds of one corpus are byte-identical), -1 for records not listed.
 */
export async function parseClusterTsv(path: string, records: number): Promise<{ cluster: Int32Array; reps: number[] }> {
  const cluster = new Int32Array(records).fill(-1);
  const repIndex = new Map<number, number>();
  const reps: number[] = [];
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  for await (const l of rl) {
    line++;
    if (!l) continue;
    const tab = l.indexOf("\t");
    const rep = Number(l.slice(0, tab)), mem = Number(l.slice(tab + 1));
    if (tab < 0 || !Number.isInteger(rep) || !Number.isInteger(mem) || mem < 0 || mem >= records || rep < 0 || rep >= records) {
      throw new Error(`${path}:${line}: malformed cluster line '${l.slice(0, 80)}'`);
    }
    let c = repIndex.get(rep);
    if (c === undefined) {
      c = reps.length;
      repIndex.set(rep, c);
      reps.push(rep);
    }
    cluster[mem] = c;
  }
  const order = reps.map((_, i) => i).sort((a, b) => reps[a]! - reps[b]!);
  const renumber = new Int32Array(reps.length);
  order.forEach((old, i) => (renumber[old] = i));
  for (let i = 0; i < cluster.length; i++) if (cluster[i]! >= 0) cluster[i] = renumber[cluster[i]!]!;
  return { cluster, reps: order.map((i) => reps[i]!) };
}

/** Split of a cluster from its representative's 32-bit content hash (stable across runs and input order). */
export function splitOf(repHash: number, seed: number, validFraction: number, testFraction: number): Split {
  const u = mix32(repHash, mix32(seed >>> 0, 0x5eed)) / 2 ** 32;
  if (u < validFraction) return "valid";
  if (u < validFraction + testFraction) return "test";
  return "train";
}

export interface ClusterSizeStats {
  clusters: number;
  singletons: number;
  largest: number;
  mean: number;
  /** clusters by size bucket */
  histogram: Record<string, number>;
}

const BUCKETS: [string, number][] = [["1", 1], ["2-4", 4], ["5-16", 16], ["17-64", 64], ["65-256", 256], [">256", Infinity]];

/** Cluster-size statistics fed one cluster at a time (so a billion clusters need no array of sizes). */
export class SizeStatsAccumulator {
  private histogram: Record<string, number> = Object.fromEntries(BUCKETS.map(([k]) => [k, 0]));
  private largest = 0;
  private total = 0;
  private singletons = 0;
  private clusters = 0;
  add(s: number, times = 1): void {
    if (s === 0 || times === 0) return;
    this.clusters += times;
    this.total += s * times;
    if (s === 1) this.singletons += times;
    this.largest = Math.max(this.largest, s);
    this.histogram[BUCKETS.find(([, hi]) => s <= hi)![0]]! += times;
  }
  /** continue from earlier statistics */
  merge(r: ClusterSizeStats): void {
    this.clusters += r.clusters;
    this.total += Math.round(r.mean * r.clusters);
    this.singletons += r.singletons;
    this.largest = Math.max(this.largest, r.largest);
    for (const [k, n] of Object.entries(r.histogram)) this.histogram[k] = (this.histogram[k] ?? 0) + n;
  }
  result(): ClusterSizeStats {
    const { clusters, singletons, largest, total } = this;
    return { clusters, singletons, largest, mean: clusters ? total / clusters : 0, histogram: { ...this.histogram } };
  }
}

export function clusterSizeStats(sizes: ArrayLike<number>): ClusterSizeStats {
  const acc = new SizeStatsAccumulator();
  for (let i = 0; i < sizes.length; i++) acc.add(sizes[i]!);
  return acc.result();
}

/** Below this many free bytes on mmseqs's temp file system a failure is reported as a full disk. */
const LOW_SPACE_BYTES = 64 * 2 ** 20;

/** mmseqs says "Error writing file" or "Cannot close data file" when its disk fills up: say so in words. */
export function diskNote(dir: string, stderr: string): string {
  let free: number | null = null;
  try {
    const st = statfsSync(dir);
    free = st.bavail * st.bsize;
  } catch {
    // the directory may be gone (mmseqs removes its temp tree); the stderr text alone decides then
  }
  const full = (free !== null && free < LOW_SPACE_BYTES) || /no space left|disk full|quota/i.test(stderr);
  if (!full) return "";
  return ` — the disk is full: the file system holding ${dir} has ${free === null ? "no" : `${(free / 2 ** 20).toFixed(1)} MiB`} space left; free space or put --out on a larger disk`;
}

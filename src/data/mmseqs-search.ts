// MMseqs2 for evaluation: the highest identity of each query to a target set (`easy-search`; the paper's
// "identity to the training set" for OOD perplexity bins and generated samples' MaxID) and the number of
// clusters of a set at a given identity (`easy-cluster`; diversity of generated samples).
import { spawnTool } from "../core/children.js";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mmseqsVersion } from "./cluster.js";

const bin = () => process.env.PLMSCALE_MMSEQS ?? "mmseqs";

export function mmseqsAvailable(): boolean {
  return mmseqsVersion(bin()) !== null;
}

export function writeFastaFile(path: string, records: { id: string; seq: string }[]): void {
  writeFileSync(path, records.map((r) => `>${r.id}\n${r.seq}\n`).join(""));
}

function runMmseqs(args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnTool(bin(), args, { stdio: ["ignore", "ignore", "pipe"], signal });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`mmseqs ${args.slice(0, 3).join(" ")} … failed (exit ${code}): ${err.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

export interface SearchOptions {
  /** minimum fraction of the query the alignment must cover (default 0.8, as UniRef's clusters) */
  queryCoverage?: number;
  threads?: number;
  signal?: AbortSignal;
}

/**
 * Highest fractional identity (mmseqs `fident`) of each query to any target among alignments covering at least
 * `queryCoverage` of the query; queries without such a hit get 0. Keys are the query FASTA ids.
 */
export async function maxIdentity(queries: { id: string; seq: string }[], targets: { id: string; seq: string }[], work: string, o: SearchOptions = {}): Promise<Map<string, number>> {
  mkdirSync(work, { recursive: true });
  const q = join(work, "query.fasta"), t = join(work, "target.fasta"), res = join(work, "hits.tsv");
  writeFastaFile(q, queries);
  writeFastaFile(t, targets);
  try {
    await runMmseqs(["easy-search", q, t, res, join(work, "tmp"), "--format-output", "query,target,fident,qcov",
      "-c", String(o.queryCoverage ?? 0.8), "--cov-mode", "2", "--threads", String(o.threads ?? 2), "-v", "1"], o.signal);
    const best = new Map<string, number>(queries.map((r) => [r.id, 0]));
    for (const line of readFileSync(res, "utf8").split("\n")) {
      if (!line) continue;
      const [query, , fident] = line.split("\t");
      const f = Number(fident);
      if (best.has(query!) && f > best.get(query!)!) best.set(query!, f);
    }
    return best;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Number of clusters of `seqs` by `easy-cluster` at `identity` (coverage 0.8 of both). */
export async function clusterCount(seqs: { id: string; seq: string }[], work: string, identity = 0.5, o: { threads?: number; signal?: AbortSignal } = {}): Promise<number> {
  mkdirSync(work, { recursive: true });
  const f = join(work, "seqs.fasta"), prefix = join(work, "clu");
  writeFastaFile(f, seqs);
  try {
    await runMmseqs(["easy-cluster", f, prefix, join(work, "tmp"), "--min-seq-id", String(identity), "-c", "0.8",
      "--threads", String(o.threads ?? 2), "-v", "1"], o.signal);
    const reps = new Set<string>();
    for (const line of readFileSync(`${prefix}_cluster.tsv`, "utf8").split("\n")) if (line) reps.add(line.split("\t")[0]!);
    return reps.size;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Cluster → members lookup for cluster-weighted sampling (docs/DATA.md "Cluster-members file"), in CSR form:
// clusters numbered densely by first appearance in the split's index, members in index order. On disk it is a
// sidecar next to the index, `NAME.SPLIT.members`: 64-byte header [magic "PLMCLMEM", u32 version (1), u32 0,
// u64 clusters, u64 members, the index's 32-byte SHA-256 from the manifest] then (clusters + 1) u32 starts and
// `members` u32 sequence indices. The sampler reads it by position (three small reads per draw), so nothing
// proportional to the corpus lives in the trainer. A corpus without the file gets it built once, on first
// cluster-weighted use (temp + rename; in $TMPDIR when the corpus directory is read-only).
import { existsSync, mkdirSync, renameSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Corpus, DiskSplit } from "./corpus.js";
import { readExact, closeCorpusFiles } from "./corpus-files.js";
import { AtomicWriter, HEADER_BYTES, FORMAT_VERSION } from "./shards.js";
import { SPLITS } from "./cluster.js";

export const MEMBERS_MAGIC = "PLMCLMEM";

/** Cluster k's members are member(j) for j in [start(k), start(k + 1)). */
export interface ClusterMembers {
  readonly clusters: number;
  start(k: number): number;
  member(j: number): number;
}

/** CSR of `n` sequences by cluster: dense cluster numbers by first appearance, members in index order. */
export function buildClusterCsr(n: number, clusterOf: (i: number) => number): { start: Uint32Array; members: Uint32Array } {
  const ids = new Map<number, number>();
  const of = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const c = clusterOf(i);
    let d = ids.get(c);
    if (d === undefined) ids.set(c, (d = ids.size));
    of[i] = d;
  }
  const start = new Uint32Array(ids.size + 1);
  for (let i = 0; i < n; i++) start[of[i]! + 1]!++;
  for (let c = 0; c < ids.size; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, ids.size);
  const members = new Uint32Array(n);
  for (let i = 0; i < n; i++) members[fill[of[i]!]!++] = i;
  return { start, members };
}

export function memoryClusterMembers(csr: { start: Uint32Array; members: Uint32Array }): ClusterMembers {
  return { clusters: csr.start.length - 1, start: (k) => csr.start[k]!, member: (j) => csr.members[j]! };
}

/** Where a split's members file lives: next to its index. */
export function clusterMembersPath(d: DiskSplit): string {
  return d.index.path.replace(/\.idx$/, "") + ".members";
}

function fallbackPath(d: DiskSplit): string {
  return join(tmpdir(), "plmscale-clusters", `${d.indexSha256 || "nosha"}.${d.name}.${d.split}.members`);
}

function headerOf(clusters: number, members: number, sha: string): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write(MEMBERS_MAGIC, 0, "latin1");
  h.writeUInt32LE(FORMAT_VERSION, 8);
  h.writeBigUInt64LE(BigInt(clusters), 16);
  h.writeBigUInt64LE(BigInt(members), 24);
  Buffer.from(sha.padEnd(64, "0").slice(0, 64), "hex").copy(h, 32);
  return h;
}

/** The header of an existing members file, if it is one for this split's index. */
function readMembersHeader(path: string, d: DiskSplit): { clusters: number } | null {
  if (!existsSync(path)) return null;
  const h = new Uint8Array(HEADER_BYTES);
  try {
    readExact(path, h, 0);
  } catch {
    return null;
  }
  const b = Buffer.from(h);
  if (b.toString("latin1", 0, 8) !== MEMBERS_MAGIC || b.readUInt32LE(8) !== FORMAT_VERSION) return null;
  if (!b.subarray(32, 64).equals(headerOf(0, 0, d.indexSha256).subarray(32, 64))) return null;
  if (Number(b.readBigUInt64LE(24)) !== d.sequences) return null;
  return { clusters: Number(b.readBigUInt64LE(16)) };
}

/** Write a split's members file at `path` (temp + rename). Memory while writing: 8 bytes per sequence. */
export function writeClusterMembersFile(corpus: Corpus, d: DiskSplit, path: string): void {
  const csr = buildClusterCsr(d.sequences, (i) => corpus.cluster(d, i));
  const tmp = `${path}.${process.pid}`;
  const w = new AtomicWriter(tmp, HEADER_BYTES);
  w.write(new Uint8Array(csr.start.buffer, csr.start.byteOffset, csr.start.byteLength));
  w.write(new Uint8Array(csr.members.buffer, csr.members.byteOffset, csr.members.byteLength));
  w.close(headerOf(csr.start.length - 1, d.sequences, d.indexSha256));
  closeCorpusFiles(path); // a descriptor of the file being replaced would read the old one
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
}

/** Write the members files of every source and split (for `data prepare`, after the manifest). */
export function writeClusterMembers(corpus: Corpus): void {
  for (const sp of SPLITS) for (const d of corpus.split(sp)) writeClusterMembersFile(corpus, d, clusterMembersPath(d));
}

/** A split's cluster → members lookup, read by position from its members file (built first if absent). */
export function openClusterMembers(corpus: Corpus, d: DiskSplit): ClusterMembers {
  let path = clusterMembersPath(d);
  let h = readMembersHeader(path, d) ?? readMembersHeader((path = fallbackPath(d)), d);
  if (!h) {
    path = clusterMembersPath(d);
    try {
      writeClusterMembersFile(corpus, d, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EROFS" && code !== "EACCES" && code !== "EPERM") throw e;
      path = fallbackPath(d); // a read-only corpus: keep the derived file in $TMPDIR
      mkdirSync(join(tmpdir(), "plmscale-clusters"), { recursive: true });
      writeClusterMembersFile(corpus, d, path);
    }
    h = readMembersHeader(path, d);
    if (!h) throw new Error(`${path}: cluster-members file unreadable right after writing it`);
  }
  const clusters = h.clusters, file = path, membersAt = HEADER_BYTES + 4 * (clusters + 1);
  const four = new Uint8Array(4), u32 = new Uint32Array(four.buffer);
  const read = (pos: number) => (readExact(file, four, pos), u32[0]!);
  return { clusters, start: (k) => read(HEADER_BYTES + 4 * k), member: (j) => read(membersAt + 4 * j) };
}

// Resume by pass. After pass 2 (dedup) and pass 3 (clusters) the build writes `OUT.partial/tmp/state.json`
// (written as .part and renamed, so it is whole or absent) naming the last finished pass, a fingerprint of the
// inputs and options, and what the later passes need (counts; the late-duplicate bitmap and, with in-prepare
// MMseqs2, the cluster arrays as files beside it). A rerun with the same fingerprint continues after that
// pass: a build killed while writing shards redoes only the shards. Pass 1 (ingest) is not resumable inside
// itself; a build killed during it starts over.
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import type { SourceSpec } from "./prepare.js";
import type { Ingested, Duplicates, Clusters } from "./prepare-passes.js";
import { duplicatesFrom } from "./prepare-passes.js";

export type FinishedPass = "dedup" | "cluster";

interface State {
  fingerprint: string;
  /** of the --clusters file: a changed file redoes only the cluster pass */
  clustersFingerprint?: string;
  pass: FinishedPass;
  ing: Omit<Ingested, "dedup">;
  dups: Omit<Duplicates, "isDup" | "bitmap">;
  clusters?: Omit<Clusters, "cluster" | "clusterSplit">;
}

/** Inputs (path, size, mtime) and every option that changes the output. */
export function fingerprint(sources: SourceSpec[], options: Record<string, unknown>): string {
  const inputs = sources.map((s) => ({
    name: s.name, weight: s.weight,
    inputs: s.inputs.map((i) => {
      if (!i.path) return { name: i.name };
      const st = statSync(i.path, { throwIfNoEntry: false }); // a missing input is reported by ingest
      return { path: resolve(i.path), size: st?.size ?? -1, mtime: st?.mtimeMs ?? -1 };
    }),
  }));
  return createHash("sha256").update(JSON.stringify({ inputs, options })).digest("hex");
}

const file = (tmp: string) => join(tmp, "state.json");

function writeAtomic(path: string, data: string | Uint8Array): void {
  writeFileSync(path + ".part", data);
  renameSync(path + ".part", path);
}

/** Record that `pass` finished. */
export function saveState(tmp: string, fp: string, pass: FinishedPass, ing: Ingested, dups: Duplicates, clusters?: Clusters, clustersFp = ""): void {
  if (pass === "dedup") writeAtomic(join(tmp, "latedups.bin"), dups.bitmap);
  if (clusters?.cluster) writeAtomic(join(tmp, "cluster.bin"), new Uint8Array(clusters.cluster.buffer, clusters.cluster.byteOffset, clusters.cluster.byteLength));
  if (clusters?.clusterSplit) writeAtomic(join(tmp, "cluster-split.bin"), clusters.clusterSplit);
  const { dedup: _d, ...ingRest } = ing;
  const { isDup: _i, bitmap: _b, ...dupRest } = dups;
  const c = clusters ? (({ cluster: _c, clusterSplit: _s, ...rest }) => rest)(clusters) : undefined;
  const st: State = { fingerprint: fp, clustersFingerprint: clustersFp, pass, ing: ingRest, dups: dupRest, clusters: c };
  writeAtomic(file(tmp), JSON.stringify(st));
}

export interface Resumed {
  pass: FinishedPass;
  ing: Ingested;
  dups: Duplicates;
  clusters?: Clusters;
}

/** The state of an interrupted build with the same fingerprint, or null (then the caller starts over). */
export function loadState(tmp: string, fp: string, clustersFp = ""): Resumed | null {
  if (!existsSync(file(tmp))) return null;
  let st: State;
  try {
    st = JSON.parse(readFileSync(file(tmp), "utf8")) as State;
  } catch {
    return null;
  }
  if (st.fingerprint !== fp) return null;
  if (st.pass === "cluster" && (st.clustersFingerprint ?? "") !== clustersFp) { st.pass = "dedup"; delete st.clusters; }
  const bitmap = new Uint8Array(readFileSync(join(tmp, "latedups.bin")));
  const dups = duplicatesFrom({ ...st.dups, bitmap });
  const ing: Ingested = { ...st.ing, dedup: null };
  let clusters: Clusters | undefined;
  if (st.pass === "cluster" && st.clusters) {
    clusters = { ...st.clusters };
    if (clusters.method === "mmseqs" && existsSync(join(tmp, "cluster.bin"))) {
      const b = readFileSync(join(tmp, "cluster.bin"));
      clusters.cluster = new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      clusters.clusterSplit = new Uint8Array(readFileSync(join(tmp, "cluster-split.bin")));
    }
  }
  return { pass: st.pass, ing, dups, clusters };
}

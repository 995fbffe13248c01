// `data prepare --clusters FILE`: a precomputed cluster assignment (MMseqs2 `createtsv` output: representative
// TAB member, or any two-column TSV such as a UniRef membership list) joined to the corpus's records by FASTA
// id (the header's first word), with bounded memory at any size: every step is a stream or an external sort
// (GNU sort with -S MB, spilling to sorted runs in the build's tmp directory) — nothing per record or per
// cluster lives on the heap.
//   1. check FILE line by line (a malformed line is a UserError naming FILE:LINE) → member TAB rep
//   2. sort it and the records' (id TAB record) list by name; `join` them (records not in FILE kept, marked)
//   3. sort the pairs by representative: consecutive groups are the clusters, numbered densely in that order;
//      each goes wholly to one split by a seeded hash of its representative's name
//   4. sort by record id → assign.tsv, read in step with the staged records by `FileClusterCursor`
// Records missing from FILE each become a cluster of their own (split by their own content hash, as with
// --cluster none), numbered after FILE's clusters in record order; their count is reported and recorded.
import { spawn } from "node:child_process";
import { closeSync, createReadStream, createWriteStream, openSync, readSync, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { splitOf, SPLIT_CODE, SizeStatsAccumulator, type Split } from "./cluster.js";

const MISSING = "\u0001";

export interface FileClusters {
  assignPath: string;
  /** clusters of FILE holding at least one corpus record */
  fileClusters: number;
  /** distinct records that FILE does not list */
  missing: number;
  /** member lines of FILE whose member is not in the corpus */
  unmatchedLines: number;
  lines: number;
}

/** Split hash of a cluster named by its representative (stable across runs and input order). */
export function nameHash32(name: string): number {
  return createHash("sha256").update(name, "utf8").digest().readUInt32LE(0);
}

function write(ws: WriteStream, s: string): Promise<void> | undefined {
  if (ws.write(s)) return undefined;
  return new Promise((r) => ws.once("drain", () => r()));
}

function end(ws: WriteStream): Promise<void> {
  return new Promise((res, rej) => { ws.on("error", rej); ws.end(() => res()); });
}

/** Run a coreutils tool (C locale, tab-separated); resolves when it exits 0. */
export function tool(cmd: string, args: string[], out: string | null, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", out ? "pipe" : "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" }, signal });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
    const written = out ? new Promise<void>((res, rej) => {
      const ws = createWriteStream(out, { highWaterMark: 1 << 20 });
      ws.on("error", rej);
      ws.on("close", () => res());
      child.stdout!.pipe(ws);
    }) : Promise.resolve();
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) written.then(resolve, reject);
      else reject(new Error(`${cmd} ${args.join(" ")} failed (exit ${code}): ${err.trim()}`));
    });
  });
}

export interface SortOptions { tmp: string; memoryMB: number; threads: number; signal?: AbortSignal }

function sortArgs(o: SortOptions, keys: string[], input: string, output: string): string[] {
  return ["-t", "\t", ...keys, "-S", `${Math.max(16, Math.floor(o.memoryMB))}M`, "-T", o.tmp, `--parallel=${Math.max(1, o.threads)}`, "-o", output, input];
}

/** Step 1: check FILE and write member TAB rep lines. */
async function normalise(file: string, out: string, signal?: AbortSignal): Promise<number> {
  const ws = createWriteStream(out, { highWaterMark: 1 << 20 });
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let line = 0, pairs = 0, bad: UserError | null = null;
  for await (const l of rl) {
    line++;
    if (signal?.aborted) break;
    if (l === "" || l.startsWith("#")) continue;
    const f = l.split("\t");
    if (f.length !== 2 || f[0] === "" || f[1] === "" || /\s/.test(f[0]!) || /\s/.test(f[1]!) || f[0]!.startsWith(MISSING)) {
      bad = new UserError(`${file}:${line}: malformed cluster line '${l.slice(0, 80)}' (expected two tab-separated names: representative, member)`, 3);
      break;
    }
    pairs++;
    const p = write(ws, `${f[1]}\t${f[0]}\n`);
    if (p) await p;
  }
  await end(ws);
  if (bad) throw bad;
  if (pairs === 0) throw new UserError(`${file}: no cluster lines (expected representative TAB member per line)`, 3);
  return line;
}

/**
 * Steps 1–4. `ids` holds `name TAB record` for every distinct record, in record order. Calls `onCluster`
 * for each of FILE's clusters (with its size in the corpus and split) so the caller can keep statistics.
 */
export async function joinClusterFile(
  file: string, ids: string, o: SortOptions & { seed: number; validFraction: number; testFraction: number },
  stats: SizeStatsAccumulator, splits: Record<Split, number>,
): Promise<FileClusters> {
  const t = (n: string) => join(o.tmp, n);
  const lines = await normalise(file, t("members.tsv"), o.signal);
  await tool("sort", sortArgs(o, ["-k1,1"], t("members.tsv"), t("members.sorted")), null, o.signal);
  await tool("sort", sortArgs(o, ["-k1,1"], ids, t("ids.sorted")), null, o.signal);
  // record TAB rep for every distinct record (rep = MISSING when FILE lacks it)
  await tool("join", ["-t", "\t", "-a", "1", "-e", MISSING, "-o", "1.2,2.2", t("ids.sorted"), t("members.sorted")], t("joined.tsv"), o.signal);
  const unmatched = t("unmatched.tsv");
  await tool("join", ["-t", "\t", "-v", "2", "-o", "2.1", t("ids.sorted"), t("members.sorted")], unmatched, o.signal);
  await tool("sort", sortArgs(o, ["-k2,2"], t("joined.tsv"), t("byrep.tsv")), null, o.signal);
  // number the clusters in representative order; records missing from FILE get -1 here
  const ws = createWriteStream(t("numbered.tsv"), { highWaterMark: 1 << 20 });
  let rep: string | null = null, cluster = -1, size = 0, missing = 0, code = 0;
  const close = () => { if (size > 0) stats.add(size); size = 0; };
  for await (const l of createInterface({ input: createReadStream(t("byrep.tsv")), crlfDelay: Infinity })) {
    if (!l) continue;
    const tab = l.indexOf("\t");
    const rec = l.slice(0, tab), r = l.slice(tab + 1);
    if (r === MISSING) {
      missing++;
      const p = write(ws, `${rec}\t-1\t0\n`);
      if (p) await p;
      continue;
    }
    if (r !== rep) {
      close();
      rep = r;
      cluster++;
      const sp = splitOf(nameHash32(r), o.seed, o.validFraction, o.testFraction);
      code = SPLIT_CODE[sp];
      splits[sp]++;
    }
    size++;
    const p = write(ws, `${rec}\t${cluster}\t${code}\n`);
    if (p) await p;
  }
  close();
  await end(ws);
  const assignPath = t("assign.tsv");
  await tool("sort", sortArgs(o, ["-k1,1n"], t("numbered.tsv"), assignPath), null, o.signal);
  let unmatchedLines = 0;
  for await (const l of createInterface({ input: createReadStream(unmatched), crlfDelay: Infinity })) if (l) unmatchedLines++;
  return { assignPath, fileClusters: cluster + 1, missing, unmatchedLines, lines };
}

/** Reads assign.tsv (record TAB cluster TAB split code, by record) in step with increasing record ids (sync). */
export class FileClusterCursor {
  private fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private start = 0;
  private end = 0;
  private last = -1;
  constructor(readonly path: string, readonly file: string) {
    this.fd = openSync(path, "r");
  }
  private byte(): number {
    if (this.start === this.end) {
      this.end = readSync(this.fd, this.buf, 0, this.buf.length, null);
      this.start = 0;
      if (this.end <= 0) { this.end = 0; return -1; }
    }
    return this.buf[this.start++]!;
  }
  private field(): number {
    let v = 0, neg = false, c = this.byte();
    if (c === 45) { neg = true; c = this.byte(); }
    for (; c >= 48 && c <= 57; c = this.byte()) v = v * 10 + (c - 48);
    return neg ? -v : v;
  }
  /** true when every line has been read */
  done(): boolean {
    if (this.start < this.end) return false;
    this.end = readSync(this.fd, this.buf, 0, this.buf.length, null);
    this.start = 0;
    return this.end <= 0;
  }
  /** the next assignment: [record, cluster (-1 = missing from FILE), split code] */
  next(): [number, number, number] {
    if (this.done()) throw new Error(`${this.path}: assignment ended early`);
    const rec = this.field(), cluster = this.field(), code = this.field();
    if (rec === this.last) throw new UserError(`${this.file}: a member of the corpus (record ${rec}) is listed in more than one cluster`, 3);
    this.last = rec;
    return [rec, cluster, code];
  }
  close(): void {
    closeSync(this.fd);
  }
}

// A corpus directory written straight to disk (no prepare): one source, `sequences` training sequences of
// `length` residues each (a cheap pseudo-random pattern), a small valid split. For tests that need a corpus
// larger than a memory limit without paying for a real build.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync, statSync } from "node:fs";
import { join } from "node:path";
import { HEADER_BYTES, SHARD_MAGIC, INDEX_MAGIC, FORMAT_VERSION, DTYPE_UINT8, INDEX_FIELDS } from "../../src/data/shards.js";
import { VOCAB_ID, FIRST_RESIDUE } from "../../src/data/tokenizer.js";
import { MANIFEST_FORMAT, MANIFEST_VERSION } from "../../src/data/manifest.js";

function header(magic: string, b: number, count: number, vocab = ""): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write(magic, 0, "latin1");
  h.writeUInt32LE(FORMAT_VERSION, 8);
  h.writeUInt32LE(b, 12);
  h.writeBigUInt64LE(BigInt(count), 16);
  h.write(vocab, 24, 16, "latin1");
  return h;
}

function writeSplit(dir: string, split: string, sequences: number, length: number): { shards: string[]; index: string } {
  const shard = `shards/syn.${split}.00000.tok`, index = `shards/syn.${split}.idx`;
  const chunkSeqs = Math.max(1, Math.floor((4 << 20) / length));
  const body = Buffer.alloc(chunkSeqs * length);
  for (let i = 0; i < body.length; i++) body[i] = FIRST_RESIDUE + ((i * 7 + (i >> 5)) % 20);
  let fd = openSync(join(dir, shard), "w");
  writeSync(fd, header(SHARD_MAGIC, DTYPE_UINT8, sequences * length, VOCAB_ID));
  for (let s = 0; s < sequences; s += chunkSeqs) writeSync(fd, body, 0, Math.min(chunkSeqs, sequences - s) * length);
  closeSync(fd);
  fd = openSync(join(dir, index), "w");
  writeSync(fd, header(INDEX_MAGIC, INDEX_FIELDS, sequences));
  const rows = new Uint32Array(INDEX_FIELDS * 65536);
  for (let s = 0; s < sequences; s += 65536) {
    const n = Math.min(65536, sequences - s);
    for (let k = 0; k < n; k++) rows.set([0, (s + k) * length, length, s + k], INDEX_FIELDS * k);
    writeSync(fd, new Uint8Array(rows.buffer, 0, n * INDEX_FIELDS * 4));
  }
  closeSync(fd);
  return { shards: [shard], index };
}

/** Write the corpus and return its directory (`dir` itself). */
export function writeSyntheticCorpus(dir: string, o: { sequences: number; length: number; valid?: number }): string {
  mkdirSync(join(dir, "shards"), { recursive: true });
  const counts = { train: o.sequences, valid: o.valid ?? 64, test: 0 };
  const splits: Record<string, unknown> = {};
  const files: { path: string; bytes: number; sha256: string }[] = [];
  for (const [sp, n] of Object.entries(counts)) {
    const w = writeSplit(dir, sp, n, o.length);
    splits[sp] = { sequences: n, residues: n * o.length, tokens: n * (o.length + 2), ...w };
    for (const p of [...w.shards, w.index]) files.push({ path: p, bytes: statSync(join(dir, p)).size, sha256: `synthetic-${sp}-${p.endsWith(".idx") ? "idx" : "tok"}` });
  }
  const manifest = {
    format: MANIFEST_FORMAT, version: MANIFEST_VERSION, tool: "test", created: new Date(0).toISOString(), vocab: VOCAB_ID, dtype: "uint8",
    tokenScheme: "<cls> residues <eos>",
    options: { minLength: 1, maxLength: 0, onBad: "skip", validFraction: 0, testFraction: 0, seed: 0 },
    dedup: { mode: "memory", memoryMB: 0, distinct: o.sequences, duplicates: 0, runs: 0 },
    clustering: { method: "none", tool: null, identity: null, coverage: null, guarantee: "synthetic", sizes: { clusters: o.sequences, singletons: o.sequences, largest: 1, mean: 1, histogram: {} }, splits: { train: o.sequences, valid: counts.valid, test: 0 } },
    sources: [{ name: "syn", weight: 1, inputs: [], read: o.sequences, kept: o.sequences, deduplicated: 0, filtered: { "too-short": 0, "too-long": 0 }, invalid: { empty: 0, "invalid-char": 0, "internal-stop": 0 }, splits }],
    files, wallSeconds: 0,
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

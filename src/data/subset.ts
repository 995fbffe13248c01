// A corpus limited to U unique training tokens (the repetition study: the same model on U unique tokens for E
// epochs vs fresh data). The training index keeps a prefix of each source's sequences until the source's share
// of U is reached; shards, the validation and test splits are shared with the full corpus (hard links, or
// copies across filesystems), so every run of the study is evaluated on the same held-out sequences.
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { readIndex, IndexWriter, INDEX_FIELDS } from "./shards.js";
import { validateManifest, type CorpusManifest } from "./manifest.js";
import { writeJsonAtomic, sha256File } from "../core/files.js";

export interface SubsetResult {
  dir: string;
  /** unique training tokens actually kept (whole sequences: at least U) */
  trainTokens: number;
  sequences: number;
}

function linkOrCopy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  if (existsSync(to)) return;
  try { linkSync(from, to); } catch { copyFileSync(from, to); }
}

/** Write OUT as SRC with its training split cut to about `uniqueTokens` tokens (idempotent: an existing OUT is kept). */
export function limitTrainTokens(src: string, out: string, uniqueTokens: number): SubsetResult {
  if (!(uniqueTokens > 0)) throw new RangeError(`unique tokens must be positive, got ${uniqueTokens}`);
  const m = JSON.parse(readFileSync(join(src, "manifest.json"), "utf8")) as CorpusManifest;
  validateManifest(m, join(src, "manifest.json"));
  if (existsSync(join(out, "manifest.json"))) {
    const have = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as CorpusManifest;
    const t = have.sources.reduce((s, x) => s + x.splits.train.tokens, 0);
    return { dir: out, trainTokens: t, sequences: have.sources.reduce((s, x) => s + x.splits.train.sequences, 0) };
  }
  const total = m.sources.reduce((s, x) => s + x.splits.train.tokens, 0);
  if (uniqueTokens >= total) throw new Error(`${src} has ${total} training tokens; cannot limit it to ${uniqueTokens}`);
  const files = new Map(m.files.map((f) => [f.path, f]));
  for (const s of m.sources) {
    const tr = s.splits.train;
    const share = (uniqueTokens * tr.tokens) / total;
    const idx = readIndex(join(src, tr.index));
    mkdirSync(dirname(join(out, tr.index)), { recursive: true });
    const w = new IndexWriter(join(out, tr.index));
    let tokens = 0, residues = 0, n = 0;
    for (let i = 0; i < idx.length / INDEX_FIELDS && tokens < share; i++) {
      const o = i * INDEX_FIELDS;
      w.append(idx[o]!, idx[o + 1]!, idx[o + 2]!, idx[o + 3]!);
      residues += idx[o + 2]!;
      tokens += idx[o + 2]! + 2; // <cls> + <eos>
      n++;
    }
    const r = w.close();
    files.set(tr.index, { path: tr.index, bytes: r.bytes, sha256: r.sha256 });
    s.splits.train = { ...tr, sequences: n, residues, tokens };
  }
  for (const f of m.files) if (!existsSync(join(out, f.path))) linkOrCopy(join(src, f.path), join(out, f.path));
  for (const [p, f] of files) if (statSync(join(out, p)).size !== f.bytes) files.set(p, { ...f, bytes: statSync(join(out, p)).size, sha256: sha256File(join(out, p)) });
  m.files = [...files.values()];
  const kept = m.sources.reduce((a, x) => a + x.splits.train.tokens, 0);
  writeJsonAtomic(join(out, "manifest.json"), m);
  return { dir: out, trainTokens: kept, sequences: m.sources.reduce((a, x) => a + x.splits.train.sequences, 0) };
}

// Supervised data for `plmscale finetune`: a CSV with a sequence column and a target column (regression:
// numbers; classification: labels; per-residue: one label character per residue, or numbers separated by
// ';'), and ProteinGym's supervised cross-validation schemes (Notin et al. 2023): random (variants shuffled
// into K folds), contiguous (the mutated positions, sorted, cut into K contiguous blocks) and modulo (the
// i-th mutated position goes to fold i mod K). Contiguous and modulo need single mutants with a `mutant`
// column (A23G): rows without exactly one mutation are left out and counted, as ProteinGym does.
import { readFileSync } from "node:fs";
import { UserError } from "../core/errors.js";
import { Rng } from "../core/random.js";

export type SplitScheme = "random" | "contiguous" | "modulo";
export type TaskKind = "regression" | "classification";

export interface SupervisedRow {
  sequence: string;
  /** regression: [value] (pooled) or one per residue; classification: class ids, same convention */
  target: number[];
  /** 1-based position of the single mutation, when the CSV has a `mutant` column */
  position?: number;
  /** 1-based line in the CSV */
  line: number;
}

export interface SupervisedData {
  rows: SupervisedRow[];
  /** classification: label of each class id */
  classes: string[];
  perResidue: boolean;
  notes: string[];
}

/** Split a CSV line into fields (RFC 4180 quotes). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = "", q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ",") out.push(cur), (cur = "");
    else cur += c;
  }
  out.push(cur);
  return out;
}

export interface ReadOptions {
  target: string;
  task: TaskKind;
  /** default: the first of mutated_sequence, sequence, seq */
  sequenceColumn?: string;
  perResidue?: boolean;
}

export function readSupervisedCsv(file: string, o: ReadOptions): SupervisedData {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  const header = csvFields(lines[0] ?? "").map((h) => h.trim());
  const seqCol = o.sequenceColumn ?? ["mutated_sequence", "sequence", "seq"].find((c) => header.includes(c));
  if (!seqCol || !header.includes(seqCol)) throw new UserError(`${file}:1: no sequence column (${o.sequenceColumn ?? "mutated_sequence, sequence or seq"}); columns: ${header.join(", ")}`);
  if (!header.includes(o.target)) throw new UserError(`${file}:1: no column '${o.target}' for --target; columns: ${header.join(", ")}`);
  const si = header.indexOf(seqCol), ti = header.indexOf(o.target), mi = header.indexOf("mutant");
  const labels = new Map<string, number>();
  const raw: { seq: string; t: string; mutant?: string; line: number }[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === "") continue;
    const f = csvFields(lines[i]!);
    if (f.length !== header.length) throw new UserError(`${file}:${i + 1}: ${f.length} fields, the header has ${header.length}`);
    const seq = f[si]!.trim().toUpperCase();
    if (!/^[A-Z]+$/.test(seq)) throw new UserError(`${file}:${i + 1}: column ${seqCol} is not a protein sequence`);
    raw.push({ seq, t: f[ti]!.trim(), ...(mi >= 0 ? { mutant: f[mi]!.trim() } : {}), line: i + 1 });
  }
  if (raw.length === 0) throw new UserError(`${file}: no data rows`);
  let skipped = 0;
  const rows: SupervisedRow[] = [];
  for (const r of raw) {
    if (r.t === "" || r.t.toLowerCase() === "nan") {
      skipped++;
      continue;
    }
    let target: number[];
    if (o.task === "regression") {
      target = (o.perResidue ? r.t.split(/[;\s]+/) : [r.t]).map((v) => {
        const x = Number(v);
        if (!Number.isFinite(x)) throw new UserError(`${file}:${r.line}: ${o.target} '${v}' is not a number`);
        return x;
      });
    } else {
      const parts = o.perResidue ? [...r.t] : [r.t];
      target = parts.map((p) => labels.get(p) ?? (labels.set(p, labels.size), labels.size - 1));
    }
    if (o.perResidue && target.length !== r.seq.length) throw new UserError(`${file}:${r.line}: ${target.length} per-residue targets for ${r.seq.length} residues`);
    const m = r.mutant ? /^[A-Z](\d+)[A-Z]$/.exec(r.mutant) : null;
    rows.push({ sequence: r.seq, target, ...(m ? { position: Number(m[1]) } : {}), line: r.line });
  }
  const notes = skipped ? [`${skipped} rows without a ${o.target} value left out`] : [];
  return { rows, classes: [...labels.keys()], perResidue: o.perResidue ?? false, notes };
}

/** Fold (0..K−1) of every row, or −1 for rows a scheme cannot place (see the header). */
export function assignFolds(rows: SupervisedRow[], scheme: SplitScheme, K: number, seed = 0): { fold: Int32Array; notes: string[] } {
  if (!Number.isInteger(K) || K < 3) throw new UserError(`--folds must be an integer ≥ 3 (one fold tests, one validates, the rest train); got ${K}`);
  const fold = new Int32Array(rows.length).fill(-1);
  const notes: string[] = [];
  if (scheme === "random") {
    const idx = rows.map((_, i) => i);
    const rng = new Rng(seed);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    idx.forEach((r, k) => (fold[r] = k % K));
    return { fold, notes };
  }
  const positions = [...new Set(rows.flatMap((r) => (r.position === undefined ? [] : [r.position])))].sort((a, b) => a - b);
  if (positions.length < K) throw new UserError(`the ${scheme} split needs single mutants at ≥ ${K} positions (a 'mutant' column like A23G); found ${positions.length}`);
  const rank = new Map(positions.map((p, i) => [p, i]));
  rows.forEach((r, i) => {
    if (r.position === undefined) return;
    const k = rank.get(r.position)!;
    fold[i] = scheme === "modulo" ? k % K : Math.min(K - 1, Math.floor((k * K) / positions.length));
  });
  const left = fold.filter((f) => f < 0).length;
  if (left) notes.push(`${left} rows that are not single mutants left out of the ${scheme} split`);
  return { fold, notes };
}

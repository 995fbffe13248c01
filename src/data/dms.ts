// Deep mutational scanning assays in ProteinGym's format, for any user's files: a CSV with `mutant`
// ("A23G:K40R", 1-based positions; "WT"/"_wt"/empty for the wild type) and/or `mutated_sequence`, a fitness
// column (`DMS_score`, else `log_fitness`/`fitness`/`score`, or one named by the caller; higher = fitter) and
// optionally `DMS_score_bin`. The wild type comes from a FASTA (a header `NAME/24-286` numbers the first
// residue 24, as in EVmutation/DeepSequence files), from ProteinGym's reference table (`target_seq` of the row
// whose DMS_id is the file's stem), or is recovered from the first mutant and its mutated sequence.
// Assay folders: a directory of CSVs (ProteinGym's layout) or of sub-directories each holding one CSV and a
// FASTA (the layout of ../shared/data/dms). Pure TS + I/O.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { UserError } from "../core/errors.js";
import { median } from "../core/stats.js";
import { column, readCsv, type CsvTable } from "./csv.js";

export interface Substitution {
  /** 0-based index into the wild-type sequence */
  index: number;
  wt: string;
  mut: string;
}

export interface Variant {
  /** the `mutant` text as written ("" when the file has none) */
  mutant: string;
  substitutions: Substitution[];
  sequence: string;
  score: number;
  /** 1 = fit, 0 = not fit */
  bin: number;
  /** 1-based line of the row in the CSV */
  line: number;
}

export interface DmsAssay {
  name: string;
  file: string;
  wildType: string;
  /** residue number of the wild type's first residue (1 unless the FASTA header says otherwise) */
  firstResidue: number;
  scoreColumn: string;
  /** how DMS_score_bin was obtained */
  binarization: string;
  /** the CSV's own header and rows, kept so per-variant output can repeat the assay's columns */
  table: CsvTable;
  variants: Variant[];
}

export interface ReferenceRow {
  id: string;
  targetSeq: string;
  uniprot: string;
  cutoff: number | null;
  year: number | null;
  selectionType: string;
}

/** ProteinGym_DMS_substitutions_reference.csv → rows by DMS_id. */
export function readReferenceTable(path: string): Map<string, ReferenceRow> {
  const t = readCsv(path);
  const need = (name: string) => {
    const i = column(t, name);
    if (i < 0) throw new UserError(`${path}: no '${name}' column; not a ProteinGym reference table`);
    return i;
  };
  const id = need("DMS_id"), seq = need("target_seq"), uni = need("UniProt_ID");
  const cut = column(t, "DMS_binarization_cutoff"), year = column(t, "year"), sel = column(t, "coarse_selection_type");
  const out = new Map<string, ReferenceRow>();
  for (const r of t.rows) {
    const c = cut >= 0 && r[cut] !== "" ? Number(r[cut]) : NaN;
    out.set(r[id]!, {
      id: r[id]!, targetSeq: r[seq]!.toUpperCase(), uniprot: r[uni]!,
      cutoff: Number.isFinite(c) ? c : null,
      year: year >= 0 && /^\d{4}$/.test(r[year]!) ? Number(r[year]) : null,
      selectionType: sel >= 0 ? r[sel]! : "",
    });
  }
  return out;
}

/** First record of a FASTA (plain or gzip): its sequence and the first residue number from a `/start-end` suffix. */
export function readWildTypeFasta(path: string): { sequence: string; firstResidue: number; header: string } {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const lines = buf.toString("utf8").split(/\r?\n/);
  const h = lines.findIndex((l) => l.startsWith(">"));
  if (h < 0) throw new UserError(`${path}: no FASTA header ('>') found`);
  const header = lines[h]!.slice(1).trim();
  let sequence = "";
  for (let i = h + 1; i < lines.length && !lines[i]!.startsWith(">"); i++) sequence += lines[i]!.trim();
  sequence = sequence.toUpperCase().replace(/\*$/, "");
  if (!/^[A-Z]+$/.test(sequence)) throw new UserError(`${path}: the first record's sequence is empty or has characters outside A–Z`);
  const m = /\/(\d+)-(\d+)$/.exec(header.split(/\s+/)[0]!);
  return { sequence, firstResidue: m ? Number(m[1]) : 1, header };
}

const WT_NAMES = new Set(["", "wt", "_wt", "wildtype", "wild-type"]);
const SCORE_COLUMNS = ["DMS_score", "log_fitness", "fitness", "score"];

/** Parse "A23G:K40R" against a wild type; throws a message naming the problem (caller adds file and line). */
export function parseMutant(text: string, wildType: string, firstResidue: number): Substitution[] {
  if (WT_NAMES.has(text.trim().toLowerCase())) return [];
  return text.split(":").map((m) => {
    const x = /^([A-Z])(-?\d+)([A-Z])$/.exec(m.trim());
    if (!x) throw new Error(`mutation '${m}' is not of the form A23G`);
    const pos = Number(x[2]), index = pos - firstResidue;
    if (index < 0 || index >= wildType.length) {
      throw new Error(`mutation ${m}: position ${pos} lies outside the wild type (residues ${firstResidue}–${firstResidue + wildType.length - 1})`);
    }
    if (wildType[index] !== x[1]) throw new Error(`mutation ${m}: the wild type has ${wildType[index]} at ${pos}, not ${x[1]}`);
    return { index, wt: x[1]!, mut: x[3]! };
  });
}

export function applySubstitutions(wildType: string, subs: Substitution[]): string {
  const s = wildType.split("");
  for (const m of subs) s[m.index] = m.mut;
  return s.join("");
}

/** Substitutions turning `wildType` into `seq` (equal lengths). */
export function diffSequences(wildType: string, seq: string): Substitution[] {
  const out: Substitution[] = [];
  for (let i = 0; i < seq.length; i++) if (seq[i] !== wildType[i]) out.push({ index: i, wt: wildType[i]!, mut: seq[i]! });
  return out;
}

export interface ReadAssayOptions {
  name?: string;
  /** wild-type FASTA */
  fasta?: string;
  reference?: Map<string, ReferenceRow>;
  scoreColumn?: string;
}

/** Read one assay CSV. Errors name the file, line and column. */
export function readDmsAssay(file: string, o: ReadAssayOptions = {}): DmsAssay {
  const table = readCsv(file);
  const name = o.name ?? basename(file).replace(/\.csv(\.gz)?$/i, "");
  const mutCol = column(table, "mutant");
  const seqCol = column(table, "mutated_sequence") >= 0 ? column(table, "mutated_sequence") : column(table, "seq");
  const scoreColumn = o.scoreColumn ?? SCORE_COLUMNS.find((c) => column(table, c) >= 0);
  if (!scoreColumn || column(table, scoreColumn) < 0) {
    throw new UserError(`${file}: no fitness column (looked for ${o.scoreColumn ?? SCORE_COLUMNS.join(", ")}); columns are ${table.header.join(", ")}`);
  }
  if (mutCol < 0 && seqCol < 0) throw new UserError(`${file}: needs a 'mutant' or a 'mutated_sequence' column; columns are ${table.header.join(", ")}`);
  const scoreCol = column(table, scoreColumn), binCol = column(table, "DMS_score_bin");
  const ref = o.reference?.get(name);

  // the wild type: FASTA, else the reference table, else recovered from the first row
  let wildType: string, firstResidue = 1;
  if (o.fasta) ({ sequence: wildType, firstResidue } = readWildTypeFasta(o.fasta));
  else if (ref) wildType = ref.targetSeq;
  else if (mutCol >= 0 && seqCol >= 0 && table.rows.length) {
    const r = table.rows.find((row) => !WT_NAMES.has(row[mutCol]!.trim().toLowerCase())) ?? table.rows[0]!;
    const seq = r[seqCol]!.toUpperCase().split("");
    // undo the first row's mutations; its positions are 1-based indices into the sequence (ProteinGym)
    for (const m of WT_NAMES.has(r[mutCol]!.trim().toLowerCase()) ? [] : r[mutCol]!.split(":")) {
      const x = /^([A-Z])(\d+)([A-Z])$/.exec(m.trim());
      if (x && Number(x[2]) >= 1 && Number(x[2]) <= seq.length) seq[Number(x[2]) - 1] = x[1]!;
    }
    wildType = seq.join("");
  } else {
    throw new UserError(`${file}: no wild type: give a FASTA (--fasta, or a .fasta beside the CSV) or a ProteinGym reference table naming '${name}'`);
  }

  const variants: Variant[] = [];
  table.rows.forEach((r, k) => {
    const line = table.lines[k]!;
    const where = `${file}: line ${line}`;
    const score = Number(r[scoreCol]);
    if (r[scoreCol]!.trim() === "" || !Number.isFinite(score)) throw new UserError(`${where}: column '${scoreColumn}' is '${r[scoreCol]}', not a number`);
    let substitutions: Substitution[], sequence: string;
    try {
      if (mutCol >= 0) {
        substitutions = parseMutant(r[mutCol]!, wildType, firstResidue);
        sequence = applySubstitutions(wildType, substitutions);
        if (seqCol >= 0 && r[seqCol]!.toUpperCase() !== sequence) throw new Error(`'mutated_sequence' does not equal the wild type with ${r[mutCol]} applied`);
      } else {
        sequence = r[seqCol]!.toUpperCase();
        if (sequence.length !== wildType.length) throw new Error(`'mutated_sequence' has ${sequence.length} residues, the wild type ${wildType.length} (only substitutions are supported)`);
        substitutions = diffSequences(wildType, sequence);
      }
    } catch (e) {
      throw new UserError(`${where}: ${(e as Error).message}`);
    }
    const bin = binCol >= 0 ? Number(r[binCol]) : NaN;
    if (binCol >= 0 && bin !== 0 && bin !== 1) throw new UserError(`${where}: DMS_score_bin is '${r[binCol]}', expected 0 or 1`);
    variants.push({ mutant: mutCol >= 0 ? r[mutCol]! : "", substitutions, sequence, score, bin, line });
  });
  if (variants.length < 2) throw new UserError(`${file}: ${variants.length} variant(s); need at least 2 to rank`);

  // DMS_score_bin: the file's, else ProteinGym's cutoff when the scores are ProteinGym's own, else the median
  let binarization = "DMS_score_bin column";
  if (binCol < 0) {
    const cutoff = ref && scoreColumn === "DMS_score" && ref.cutoff !== null ? ref.cutoff : median(variants.map((v) => v.score));
    binarization = ref && scoreColumn === "DMS_score" && ref.cutoff !== null ? `ProteinGym cutoff ${cutoff} (reference table)` : `median of ${scoreColumn} (${cutoff.toPrecision(4)}), ProteinGym's 'median' method`;
    for (const v of variants) v.bin = v.score >= cutoff ? 1 : 0;
  }
  return { name, file, wildType, firstResidue, scoreColumn, binarization, table, variants };
}

/** Where the assays of a --dms argument are: one CSV, a directory of CSVs, or a directory of assay folders. */
export function listAssays(path: string): { name: string; csv: string; fasta?: string }[] {
  if (!existsSync(path)) throw new UserError(`--dms: ${path} does not exist`);
  const fastaIn = (dir: string) => readdirSync(dir).filter((f) => /\.(fasta|fa|faa)(\.gz)?$/i.test(f)).sort().map((f) => join(dir, f))[0];
  if (statSync(path).isFile()) return [{ name: basename(path).replace(/\.csv(\.gz)?$/i, ""), csv: path }];
  const out: { name: string; csv: string; fasta?: string }[] = [];
  // one assay's own folder (a CSV and its wild-type FASTA, no assay folders inside): the assay is named after
  // the folder, as it is when the folder is reached through its parent (data.csv would otherwise name it "data")
  const entries = readdirSync(path);
  const ownCsvs = entries.filter((f) => /\.csv(\.gz)?$/i.test(f) && !/reference/i.test(f) && statSync(join(path, f)).isFile());
  const hasFolders = entries.some((f) => statSync(join(path, f)).isDirectory());
  if (ownCsvs.length === 1 && !hasFolders && fastaIn(path)) return [{ name: basename(path), csv: join(path, ownCsvs[0]!), fasta: fastaIn(path) }];
  for (const entry of entries.sort()) {
    const p = join(path, entry);
    if (statSync(p).isDirectory()) {
      const csvs = readdirSync(p).filter((f) => /\.csv(\.gz)?$/i.test(f));
      if (csvs.length === 1) out.push({ name: entry, csv: join(p, csvs[0]!), fasta: fastaIn(p) });
    } else if (/\.csv(\.gz)?$/i.test(entry) && !/reference/i.test(entry)) {
      out.push({ name: entry.replace(/\.csv(\.gz)?$/i, ""), csv: p });
    }
  }
  if (out.length === 0) throw new UserError(`--dms: no assays in ${path} (expected CSV files, or folders each with one CSV and a FASTA)`);
  return out;
}

/** A ProteinGym reference table inside a --dms directory (or, for one assay's folder, beside it), if any. */
export function findReferenceTable(dir: string): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const inDir = (d: string) => {
    const f = readdirSync(d).find((e) => /^ProteinGym.*reference.*\.csv$/i.test(e));
    return f ? join(d, f) : undefined;
  };
  const own = inDir(dir);
  if (own) return own;
  let single: { name: string }[];
  try { single = listAssays(dir); } catch { return undefined; }
  return single.length === 1 && single[0]!.name === basename(dir) ? inDir(dirname(dir)) : undefined;
}

// From a parsed chain to per-position coordinates of a sequence: the chain's observed residues are aligned to
// the sequence (the one given, else SEQRES, else the observed residues themselves) by a global alignment that
// lets sequence positions go unobserved (missing residues, free at the ends) and scores identities, so gaps,
// insertion codes and renumbering need no special cases. Everything not carried over is reported.
// Cβ per residue (Cα for glycine, as in ESM's and trRosetta's contact definition); a non-glycine residue
// without a CB atom gets the virtual Cβ from its backbone (trRosetta's ideal geometry, Yang et al. 2020).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { chainOf, readStructure } from "./structure.js";
import type { Chain, Residue, Vec3 } from "./structure-builder.js";

export interface AlignedChain {
  file: string;
  chain: string;
  /** the sequence positions refer to */
  sequence: string;
  /** Cβ (Cα for Gly) per sequence position, [L*3], NaN where the structure has no residue */
  cb: Float64Array;
  /** per sequence position: index into the chain's residues, −1 when unobserved */
  residueIndex: Int32Array;
  /** human-readable lines: residues left out, mismatches, positions without coordinates, virtual Cβ */
  skipped: string[];
}

const MATCH = 4, MISMATCH = -2, MISSING = -1, EXTRA = -6;

/**
 * Needleman–Wunsch of observed residues (rows) against the sequence (columns). Unobserved sequence positions
 * cost MISSING inside the chain and nothing at its ends; observed residues left unaligned cost EXTRA.
 * Returns, per observed residue, its sequence position or −1.
 */
export function alignResidues(observed: string, sequence: string): Int32Array {
  const n = observed.length, m = sequence.length;
  const W = m + 1;
  const score = new Float64Array((n + 1) * W);
  const move = new Uint8Array((n + 1) * W); // 0 diag, 1 up (residue unaligned), 2 left (position unobserved)
  for (let i = 1; i <= n; i++) (score[i * W] = i * EXTRA), (move[i * W] = 1);
  for (let j = 1; j <= m; j++) (score[j] = 0), (move[j] = 2); // leading unobserved positions are free
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const diag = score[(i - 1) * W + j - 1]! + (observed[i - 1] === sequence[j - 1] ? MATCH : MISMATCH);
      const up = score[(i - 1) * W + j]! + EXTRA;
      const left = score[i * W + j - 1]! + (i === n ? 0 : MISSING); // trailing unobserved positions are free
      let best = diag, mv = 0;
      if (up > best) (best = up), (mv = 1);
      if (left > best) (best = left), (mv = 2);
      score[i * W + j] = best;
      move[i * W + j] = mv;
    }
  }
  const out = new Int32Array(n).fill(-1);
  let i = n, j = m;
  while (i > 0 || j > 0) {
    const mv = move[i * W + j]!;
    if (i > 0 && j > 0 && mv === 0) out[--i] = --j;
    else if (i > 0 && (j === 0 || mv === 1)) i--;
    else j--;
  }
  return out;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Cβ of a residue (Cα for Gly; virtual Cβ from N, CA, C when CB is absent); null without a CA. */
export function betaCarbon(r: Residue): { xyz: Vec3; virtual: boolean } | null {
  const ca = r.atoms.get("CA");
  if (!ca) return null;
  if (r.aa === "G") return { xyz: ca, virtual: false };
  const cb = r.atoms.get("CB");
  if (cb) return { xyz: cb, virtual: false };
  const n = r.atoms.get("N"), c = r.atoms.get("C");
  if (!n || !c) return { xyz: ca, virtual: true };
  const b = sub(ca, n), cc = sub(c, ca), a = cross(b, cc);
  // trRosetta: Cβ = −0.58273431·a + 0.56802827·b − 0.54067466·c + Cα
  return { xyz: [0, 1, 2].map((k) => -0.58273431 * a[k]! + 0.56802827 * b[k]! - 0.54067466 * cc[k]! + ca[k]!) as Vec3, virtual: true };
}

const label = (r: Residue) => `${r.name}${r.resSeq}${r.iCode}`;

/** Align a chain to a sequence (default: SEQRES, else the observed residues) and collect Cβ coordinates. */
export function alignChain(chain: Chain, file: string, sequence?: string): AlignedChain {
  const observed = chain.residues.map((r) => r.aa).join("");
  const seq = (sequence ?? chain.seqres ?? observed).toUpperCase();
  if (!/^[A-Z]+$/.test(seq)) throw new UserError(`${file}: sequence for chain ${chain.id} has characters other than letters`);
  const map = alignResidues(observed, seq);
  const L = seq.length;
  const cb = new Float64Array(L * 3).fill(NaN);
  const residueIndex = new Int32Array(L).fill(-1);
  const unaligned: string[] = [], mismatched: string[] = [], noCa: string[] = [];
  let virtual = 0;
  chain.residues.forEach((r, k) => {
    const j = map[k]!;
    if (j < 0) return void unaligned.push(label(r));
    if (seq[j] !== r.aa) mismatched.push(`${label(r)}≠${seq[j]}${j + 1}`);
    const b = betaCarbon(r);
    if (!b) return void noCa.push(label(r));
    if (b.virtual) virtual++;
    residueIndex[j] = k;
    cb.set(b.xyz, j * 3);
  });
  const skipped: string[] = [];
  const few = (xs: string[]) => xs.slice(0, 6).join(", ") + (xs.length > 6 ? ", …" : "");
  if (unaligned.length) skipped.push(`${unaligned.length} residues not in the sequence, left out (${few(unaligned)})`);
  if (mismatched.length) skipped.push(`${mismatched.length} residues differ from the sequence, kept (${few(mismatched)})`);
  if (noCa.length) skipped.push(`${noCa.length} residues without a CA atom, left out (${few(noCa)})`);
  if (virtual) skipped.push(`${virtual} residues without CB: virtual Cβ from the backbone`);
  const unobserved = residueIndex.reduce((s, v) => s + (v < 0 ? 1 : 0), 0);
  if (unobserved) skipped.push(`${unobserved} of ${L} sequence positions have no coordinates (missing residues)`);
  return { file, chain: chain.id, sequence: seq, cb, residueIndex, skipped };
}

/** Read a file and align one chain (default: the first). */
export function readAlignedChain(path: string, opts: { chain?: string; sequence?: string } = {}): AlignedChain {
  const s = readStructure(path);
  const a = alignChain(chainOf(s, opts.chain), path, opts.sequence);
  return { ...a, skipped: [...s.notes, ...a.skipped] };
}

/** Structure files (.pdb, .ent, .cif, .mmcif) in a directory, sorted by name. */
export function listStructureFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new UserError(`cannot list structures in ${dir}: ${(e as Error).message}`);
  }
  const files = names.filter((n) => /\.(pdb|ent|cif|mmcif)$/i.test(n)).sort().map((n) => join(dir, n));
  if (files.length === 0) throw new UserError(`${dir}: no structure files (.pdb, .ent, .cif, .mmcif)`);
  return files;
}

/** Cβ–Cβ distances [L*L] (NaN where either position has no coordinates). */
export function distanceMatrix(cb: Float64Array): Float64Array {
  const L = cb.length / 3;
  const d = new Float64Array(L * L);
  for (let i = 0; i < L; i++) {
    for (let j = i; j < L; j++) {
      const dx = cb[i * 3]! - cb[j * 3]!, dy = cb[i * 3 + 1]! - cb[j * 3 + 1]!, dz = cb[i * 3 + 2]! - cb[j * 3 + 2]!;
      d[i * L + j] = d[j * L + i] = Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return d;
}

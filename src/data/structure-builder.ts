// The structure model both readers (PDB, mmCIF) fill: chains of residues with their atoms, after the rules
// that make real files usable — per atom the alternate location with the highest occupancy (ties: the first),
// residues keyed by number + insertion code, modified amino acids mapped to their parent (MSE → M, …),
// non-amino-acid groups (ligands, water) skipped and counted, only the first model kept.

export type Vec3 = [number, number, number];

export interface Residue {
  /** residue number as written (author numbering) */
  resSeq: number;
  /** insertion code, "" when blank */
  iCode: string;
  /** three-letter name as written (e.g. MSE) */
  name: string;
  /** one-letter code of the parent amino acid (X for unknown) */
  aa: string;
  /** true when the residue came from HETATM records (a modified amino acid) */
  hetero: boolean;
  /** atom name → coordinates (after alternate-location selection) */
  atoms: Map<string, Vec3>;
  /** 1-based line of its first atom */
  line: number;
}

export interface Chain {
  id: string;
  residues: Residue[];
  /** the deposited sequence (SEQRES / entity_poly), when the file has it */
  seqres?: string;
}

export interface Structure {
  file: string;
  chains: Chain[];
  /** models in the file (only the first is read) */
  models: number;
  /** what the reader dropped or chose, one line per kind */
  notes: string[];
}

const STANDARD: Record<string, string> = {
  ALA: "A", ARG: "R", ASN: "N", ASP: "D", CYS: "C", GLN: "Q", GLU: "E", GLY: "G", HIS: "H", ILE: "I",
  LEU: "L", LYS: "K", MET: "M", PHE: "F", PRO: "P", SER: "S", THR: "T", TRP: "W", TYR: "Y", VAL: "V",
  SEC: "U", PYL: "O", UNK: "X",
};
// Common modified residues → parent amino acid (the PDB chemical component dictionary's mon_nstd_parent).
const MODIFIED: Record<string, string> = {
  MSE: "M", SEP: "S", TPO: "T", PTR: "Y", HYP: "P", MLY: "K", M3L: "K", KCX: "K", CSO: "C", CSD: "C",
  CME: "C", CSS: "C", OCS: "C", CAS: "C", CYX: "C", PCA: "E", HIC: "H", HID: "H", HIE: "H", HIP: "H",
  HSD: "H", HSE: "H", HSP: "H", NLE: "L", MEN: "N", FME: "M", ALY: "K", LLP: "K", CGU: "E", DAL: "A",
  SAC: "S", TYS: "Y", AIB: "A", ABA: "A", ASH: "D", GLH: "E", LYN: "K", CYM: "C",
};

/** One-letter code for a residue name, or null when it is not an amino acid. */
export function aminoAcidCode(name: string): string | null {
  return STANDARD[name] ?? MODIFIED[name] ?? null;
}

export interface AtomSite {
  hetero: boolean;
  atomName: string;
  /** alternate location id, "" when none */
  alt: string;
  resName: string;
  chainId: string;
  resSeq: number;
  iCode: string;
  xyz: Vec3;
  occupancy: number;
  /** 1-based line in the file */
  line: number;
}

interface AtomRecord {
  name: string;
  occupancy: number;
  xyz: Vec3;
}

interface ResidueBuild {
  resSeq: number;
  iCode: string;
  hetero: boolean;
  line: number;
  /** residue name → atoms (microheterogeneity: two residue types at one position keep both until the end) */
  byName: Map<string, AtomRecord[]>;
}

/** Collects the atoms of the first model and turns them into chains. */
export class StructureBuilder {
  private readonly chains = new Map<string, Map<string, ResidueBuild>>();
  private readonly skipped = new Map<string, number>();
  private readonly seqres = new Map<string, string>();
  private altAtoms = 0;
  atoms = 0;

  add(a: AtomSite): void {
    this.atoms++;
    if (aminoAcidCode(a.resName) === null) {
      this.skipped.set(a.resName, (this.skipped.get(a.resName) ?? 0) + 1);
      return;
    }
    if (a.alt) this.altAtoms++;
    const residues = this.chains.get(a.chainId) ?? new Map<string, ResidueBuild>();
    this.chains.set(a.chainId, residues);
    const key = `${a.resSeq}|${a.iCode}`;
    let r = residues.get(key);
    if (!r) residues.set(key, (r = { resSeq: a.resSeq, iCode: a.iCode, hetero: a.hetero, line: a.line, byName: new Map() }));
    const list = r.byName.get(a.resName) ?? [];
    r.byName.set(a.resName, list);
    list.push({ name: a.atomName, occupancy: a.occupancy, xyz: a.xyz });
  }

  /** The deposited sequence of a chain, as three-letter names. */
  setSeqres(chainId: string, names: string[]): void {
    this.seqres.set(chainId, names.map((n) => aminoAcidCode(n) ?? "X").join(""));
  }

  finish(file: string, models: number): Structure {
    const notes: string[] = [];
    if (models > 1) notes.push(`${models} models in the file; read the first`);
    if (this.altAtoms > 0) notes.push(`${this.altAtoms} atom records with alternate locations; kept the highest occupancy per atom`);
    if (this.skipped.size > 0) {
      const total = [...this.skipped.values()].reduce((a, b) => a + b, 0);
      notes.push(`${total} atom records of non-amino-acid groups skipped (${[...this.skipped.keys()].slice(0, 8).join(", ")})`);
    }
    const chains: Chain[] = [];
    for (const [id, residues] of this.chains) {
      const sr = this.seqres.get(id);
      chains.push({ id, residues: [...residues.values()].map(finishResidue), ...(sr ? { seqres: sr } : {}) });
    }
    return { file, chains, models: Math.max(models, 1), notes };
  }
}

/** Pick the residue name with the most occupied CA, then per atom the best-occupied alternate (first on ties). */
function finishResidue(b: ResidueBuild): Residue {
  let bestName = "", bestOcc = -1;
  for (const [name, atoms] of b.byName) {
    const occ = Math.max(0, ...atoms.filter((a) => a.name === "CA").map((a) => a.occupancy));
    if (occ > bestOcc) (bestOcc = occ), (bestName = name);
  }
  const atoms = new Map<string, Vec3>();
  const occ = new Map<string, number>();
  for (const a of b.byName.get(bestName)!) {
    const prev = occ.get(a.name);
    if (prev === undefined || a.occupancy > prev) {
      atoms.set(a.name, a.xyz);
      occ.set(a.name, a.occupancy);
    }
  }
  return { resSeq: b.resSeq, iCode: b.iCode, name: bestName, aa: aminoAcidCode(bestName)!, hetero: b.hetero, atoms, line: b.line };
}

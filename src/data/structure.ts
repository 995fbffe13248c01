// Protein structure files: the PDB reader (wwPDB format v3.3, fixed columns) and the entry point that picks
// PDB or mmCIF by extension. Tolerates what real files hold (see structure-builder.ts for the rules: first
// model, alternate locations, insertion codes, modified residues, ligands skipped) and Rosetta score tables
// after the coordinates. A malformed coordinate record raises a UserError naming the file and line.
import { readFileSync } from "node:fs";
import { UserError } from "../core/errors.js";
import { StructureBuilder, type Chain, type Structure, type Vec3 } from "./structure-builder.js";
import { parseMmcif } from "./structure-mmcif.js";

export { aminoAcidCode, type Chain, type Residue, type Structure, type Vec3 } from "./structure-builder.js";

function num(text: string, what: string, file: string, line: number): number {
  const t = text.trim();
  const v = Number(t);
  if (t === "" || !Number.isFinite(v)) throw new UserError(`${file}:${line}: ${what} '${t}' is not a number`);
  return v;
}

/** Parse the text of a PDB file. `file` is only used in messages. */
export function parsePdb(text: string, file = "<pdb>"): Structure {
  const lines = text.split(/\r?\n/);
  const b = new StructureBuilder();
  const seqres = new Map<string, string[]>();
  let models = 0, skipRest = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const rec = raw.slice(0, 6).trimEnd();
    const ln = i + 1;
    if (rec === "MODEL") {
      models++;
      if (models > 1) skipRest = true;
      continue;
    }
    if (rec === "ENDMDL") {
      skipRest = true;
      continue;
    }
    if (rec === "SEQRES") {
      const chainId = raw[11] ?? " ";
      seqres.set(chainId, [...(seqres.get(chainId) ?? []), ...raw.slice(19).trim().split(/\s+/).filter(Boolean)]);
      continue;
    }
    if ((rec !== "ATOM" && rec !== "HETATM") || skipRest) continue;
    if (raw.trimEnd().length < 54) throw new UserError(`${file}:${ln}: ${rec} record too short (${raw.trimEnd().length} columns; coordinates take columns 31-54)`);
    const resName = raw.slice(17, 20).trim();
    if (resName === "") throw new UserError(`${file}:${ln}: ${rec} record has no residue name (columns 18-20)`);
    const resSeq = num(raw.slice(22, 26), "residue number (columns 23-26)", file, ln);
    if (!Number.isInteger(resSeq)) throw new UserError(`${file}:${ln}: residue number '${raw.slice(22, 26).trim()}' is not an integer`);
    const xyz: Vec3 = [
      num(raw.slice(30, 38), "x coordinate (columns 31-38)", file, ln),
      num(raw.slice(38, 46), "y coordinate (columns 39-46)", file, ln),
      num(raw.slice(46, 54), "z coordinate (columns 47-54)", file, ln),
    ];
    const occText = raw.slice(54, 60).trim();
    b.add({
      hetero: rec === "HETATM",
      atomName: raw.slice(12, 16).trim(),
      alt: raw[16] === " " || raw[16] === undefined ? "" : raw[16],
      resName,
      chainId: raw[21] ?? " ",
      resSeq,
      iCode: (raw[26] ?? " ").trim(),
      xyz,
      occupancy: occText === "" ? 1 : num(occText, "occupancy (columns 55-60)", file, ln),
      line: ln,
    });
  }
  if (b.atoms === 0) throw new UserError(`${file}: no ATOM or HETATM records (is this a PDB file?)`);
  for (const [id, names] of seqres) b.setSeqres(id, names);
  return b.finish(file, models);
}

/** Read a structure file: mmCIF for .cif/.mmcif, PDB otherwise. */
export function readStructure(path: string): Structure {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`cannot read structure ${path}: ${(e as Error).message}`);
  }
  return /\.(cif|mmcif)$/i.test(path) ? parseMmcif(text, path) : parsePdb(text, path);
}

/** Chain by id (the first chain when id is undefined); a UserError lists the chains present otherwise. */
export function chainOf(s: Structure, id?: string): Chain {
  if (s.chains.length === 0) throw new UserError(`${s.file}: no amino-acid residues`);
  if (id === undefined) return s.chains[0]!;
  const c = s.chains.find((x) => x.id === id);
  if (!c) throw new UserError(`${s.file}: no chain '${id}' (chains: ${s.chains.map((x) => x.id).join(", ")})`);
  return c;
}

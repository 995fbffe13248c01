// mmCIF reader (the PDBx/mmCIF dictionary's _atom_site loop): author chain, residue number and insertion
// code (auth_asym_id, auth_seq_id, pdbx_PDB_ins_code) so numbering matches the PDB format, first model only
// (pdbx_PDB_model_num), alternate locations by occupancy as for PDB files. Values are whitespace-separated
// tokens, optionally quoted with ' or "; "." and "?" mean missing. The deposited sequence (entity_poly) is not
// read: align to a given sequence or to the observed residues.
import { UserError } from "../core/errors.js";
import { StructureBuilder, type Structure } from "./structure-builder.js";

/** Tokens of one data line with CIF quoting rules (a quote ends only before whitespace or end of line). */
function tokens(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === "#") break;
    const q = line[i];
    if (q === "'" || q === '"') {
      let j = i + 1;
      while (j < line.length && !(line[j] === q && (j + 1 === line.length || /\s/.test(line[j + 1]!)))) j++;
      out.push(line.slice(i + 1, j));
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && !/\s/.test(line[j]!)) j++;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
}

export function parseMmcif(text: string, file = "<mmcif>"): Structure {
  const lines = text.split(/\r?\n/);
  const b = new StructureBuilder();
  let i = 0;
  const models = new Set<string>();
  while (i < lines.length) {
    if (lines[i]!.trim() !== "loop_" || !lines[i + 1]?.startsWith("_atom_site.")) {
      i++;
      continue;
    }
    i++;
    const cols: string[] = [];
    while (i < lines.length && lines[i]!.startsWith("_atom_site.")) cols.push(lines[i++]!.trim().slice("_atom_site.".length));
    const col = (name: string, required = true): number => {
      const k = cols.indexOf(name);
      if (k < 0 && required) throw new UserError(`${file}: the _atom_site loop has no ${name} column`);
      return k;
    };
    const c = {
      group: col("group_PDB", false), atom: col("auth_atom_id", false), labelAtom: col("label_atom_id"), alt: col("label_alt_id", false),
      comp: col("auth_comp_id", false), labelComp: col("label_comp_id"), chain: col("auth_asym_id", false), labelChain: col("label_asym_id"),
      seq: col("auth_seq_id", false), labelSeq: col("label_seq_id"), ins: col("pdbx_PDB_ins_code", false),
      x: col("Cartn_x"), y: col("Cartn_y"), z: col("Cartn_z"), occ: col("occupancy", false), model: col("pdbx_PDB_model_num", false),
    };
    let firstModel: string | undefined;
    for (; i < lines.length; i++) {
      const line = lines[i]!;
      const t = line.trim();
      if (t === "" || t.startsWith("#")) {
        if (t.startsWith("#")) break;
        continue;
      }
      if (t.startsWith("_") || t === "loop_" || t.startsWith("data_")) break;
      const v = tokens(line);
      if (v.length !== cols.length) throw new UserError(`${file}:${i + 1}: _atom_site row has ${v.length} values, the loop declares ${cols.length} columns`);
      const get = (k: number, fallback: number): string => {
        const s = k >= 0 ? v[k]! : v[fallback]!;
        return s === "." || s === "?" ? (fallback >= 0 && k >= 0 ? v[fallback]! : "") : s;
      };
      const model = c.model >= 0 ? v[c.model]! : "1";
      models.add(model);
      firstModel ??= model;
      if (model !== firstModel) continue;
      const num = (k: number, what: string): number => {
        const n = Number(v[k]);
        if (!Number.isFinite(n) || v[k] === "." || v[k] === "?") throw new UserError(`${file}:${i + 1}: ${what} '${v[k]}' is not a number`);
        return n;
      };
      const seqText = get(c.seq, c.labelSeq);
      const resSeq = Number(seqText);
      if (!Number.isInteger(resSeq)) throw new UserError(`${file}:${i + 1}: residue number '${seqText}' is not an integer`);
      const alt = c.alt >= 0 ? v[c.alt]! : ".";
      const ins = c.ins >= 0 ? v[c.ins]! : "?";
      b.add({
        hetero: c.group >= 0 && v[c.group] === "HETATM",
        atomName: get(c.atom, c.labelAtom),
        alt: alt === "." || alt === "?" ? "" : alt,
        resName: get(c.comp, c.labelComp),
        chainId: get(c.chain, c.labelChain),
        resSeq,
        iCode: ins === "." || ins === "?" ? "" : ins,
        xyz: [num(c.x, "Cartn_x"), num(c.y, "Cartn_y"), num(c.z, "Cartn_z")],
        occupancy: c.occ >= 0 && v[c.occ] !== "." && v[c.occ] !== "?" ? num(c.occ, "occupancy") : 1,
        line: i + 1,
      });
    }
  }
  if (b.atoms === 0) throw new UserError(`${file}: no _atom_site loop with atoms (is this an mmCIF file?)`);
  return b.finish(file, models.size);
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePdb, readStructure, chainOf } from "../../src/data/structure.js";
import { parseMmcif } from "../../src/data/structure-mmcif.js";
import { alignChain, alignResidues, betaCarbon, distanceMatrix, readAlignedChain } from "../../src/data/structure-align.js";
import { UserError } from "../../src/core/errors.js";
import { FIXTURES } from "./helpers.js";

// the project's shared data sits beside the repository (CI and the fresh-machine check copy it there)
const SHARED = [join(FIXTURES, "..", "..", "..", "shared", "data", "structures", "pdb"), "/work/shared/data/structures/pdb"].find((d) => existsSync(d)) ?? "/work/shared/data/structures/pdb";
const THREE: Record<string, string> = { ALA: "A", ARG: "R", ASN: "N", ASP: "D", CYS: "C", GLN: "Q", GLU: "E", GLY: "G", HIS: "H", ILE: "I", LEU: "L", LYS: "K", MET: "M", PHE: "F", PRO: "P", SER: "S", THR: "T", TRP: "W", TYR: "Y", VAL: "V" };

/** One PDB coordinate record in the format's fixed columns. */
function atom(o: { rec?: string; name: string; res: string; chain?: string; seq: number; ins?: string; alt?: string; xyz: [number, number, number]; occ?: number }): string {
  const name = o.name.length < 4 ? ` ${o.name}`.padEnd(4) : o.name;
  const f = (v: number) => v.toFixed(3).padStart(8);
  return `${(o.rec ?? "ATOM").padEnd(6)}    1 ${name}${o.alt ?? " "}${o.res.padStart(3)} ${o.chain ?? "A"}${String(o.seq).padStart(4)}${o.ins ?? " "}   ${f(o.xyz[0])}${f(o.xyz[1])}${f(o.xyz[2])}${(o.occ ?? 1).toFixed(2).padStart(6)}  0.00           C`;
}

/** A residue with N, CA, C (and CB unless glycine or noCb) placed along x. */
function residue(res: string, seq: number, x: number, extra: Partial<Parameters<typeof atom>[0]> & { noCb?: boolean } = {}): string[] {
  const lines = [atom({ name: "N", res, seq, xyz: [x - 1.2, 0.8, 0], ...extra }), atom({ name: "CA", res, seq, xyz: [x, 0, 0], ...extra }), atom({ name: "C", res, seq, xyz: [x + 1.3, 0.6, 0], ...extra })];
  if (res !== "GLY" && !extra.noCb) lines.push(atom({ name: "CB", res, seq, xyz: [x, -1, 1.1], ...extra }));
  return lines;
}

/** The residues of a PDB text counted independently of the parser: CA lines of the first chain. */
function caSequence(text: string): string {
  return text.split("\n").filter((l) => l.startsWith("ATOM") && l.slice(12, 16) === " CA ").map((l) => THREE[l.slice(17, 20)] ?? "X").join("");
}

test("real structures: every file in the shared set parses, sequence = CA records, Cβ geometry is protein-like", (t) => {
  const dir = existsSync(SHARED) ? SHARED : join(FIXTURES, "structures");
  if (dir !== SHARED) t.diagnostic(`${SHARED} absent: testing the bundled fixtures only`);
  const files = readdirSync(dir).filter((f) => f.endsWith(".pdb"));
  assert.ok(files.length >= 2, `expected structure files in ${dir}`);
  let structures = 0;
  for (const f of files) {
    const text = readFileSync(join(dir, f), "utf8");
    const a = readAlignedChain(join(dir, f));
    structures++;
    assert.equal(a.sequence, caSequence(text), f);
    assert.ok(a.sequence.length >= 30, `${f}: ${a.sequence.length} residues`);
    assert.ok(a.residueIndex.every((k) => k >= 0), `${f}: every observed residue has coordinates`);
    const L = a.sequence.length, d = distanceMatrix(a.cb);
    let nearNeighbours = 0, longContacts = 0, clashes = 0;
    for (let i = 0; i + 1 < L; i++) if (d[i * L + i + 1]! < 7.5) nearNeighbours++;
    for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) {
      if (j - i >= 24 && d[i * L + j]! < 8) longContacts++;
      if (d[i * L + j]! < 2.5) clashes++;
    }
    assert.ok(nearNeighbours >= 0.95 * (L - 1), `${f}: consecutive Cβ within 7.5 Å for ${nearNeighbours}/${L - 1}`);
    assert.equal(clashes, 0, `${f}: Cβ pairs closer than 2.5 Å`);
    assert.ok(longContacts > 0, `${f}: a folded protein has long-range contacts`);
  }
  t.diagnostic(`${structures} structures read`);
});

test("virtual Cβ from the backbone lies within 0.6 Å of the real CB (real residues)", () => {
  const s = readStructure(join(FIXTURES, "structures", "1aap_remod_p.pdb"));
  let n = 0, near = 0;
  for (const r of chainOf(s).residues) {
    const cb = r.atoms.get("CB");
    if (!cb) continue;
    const atoms = new Map(r.atoms);
    atoms.delete("CB");
    const v = betaCarbon({ ...r, atoms })!;
    assert.equal(v.virtual, true);
    const dist = Math.hypot(v.xyz[0] - cb[0], v.xyz[1] - cb[1], v.xyz[2] - cb[2]);
    n++;
    if (dist < 0.6) near++;
  }
  assert.ok(n > 40 && near >= 0.95 * n, `${near}/${n} virtual Cβ within 0.6 Å`);
});

test("models, alternate locations, insertion codes, HETATM and chains follow the rules", () => {
  const lines = [
    "SEQRES   1 A    7  MET ALA GLY SER LYS LEU GLU",
    "MODEL        1",
    ...residue("MSE", 1, 0, { rec: "HETATM" }),
    ...residue("ALA", 2, 3.8, { alt: "A", occ: 0.4 }),
    atom({ name: "CB", res: "ALA", seq: 2, alt: "B", occ: 0.6, xyz: [9, 9, 9] }),
    ...residue("GLY", 3, 7.6),
    // 4 (SER) is missing; 52/52A: insertion code makes two residues
    ...residue("LYS", 52, 11.4),
    ...residue("LEU", 52, 15.2, { ins: "A", noCb: true }),
    ...residue("GLU", 53, 19.0),
    atom({ rec: "HETATM", name: "O", res: "HOH", seq: 201, xyz: [0, 0, 9] }),
    ...residue("TRP", 1, 30, { chain: "B" }),
    "ENDMDL",
    "MODEL        2",
    ...residue("ALA", 2, 100),
    "ENDMDL",
  ];
  const s = parsePdb(lines.join("\n"), "crafted.pdb");
  assert.equal(s.models, 2);
  assert.deepEqual(s.chains.map((c) => c.id), ["A", "B"]);
  const a = chainOf(s, "A");
  assert.equal(a.residues.map((r) => r.aa).join(""), "MAGKLE");
  assert.deepEqual(a.residues.map((r) => `${r.resSeq}${r.iCode}`), ["1", "2", "3", "52", "52A", "53"]);
  assert.equal(a.residues[0]!.hetero, true);
  assert.deepEqual(a.residues[1]!.atoms.get("CB"), [9, 9, 9], "alternate B has the higher occupancy");
  assert.deepEqual(a.residues[1]!.atoms.get("CA"), [3.8, 0, 0], "model 2 is not read");
  assert.ok(s.notes.some((n) => /1 atom records of non-amino-acid groups skipped \(HOH\)/.test(n)), s.notes.join("; "));
  assert.ok(s.notes.some((n) => /2 models/.test(n)));
  const al = alignChain(a, "crafted.pdb");
  assert.equal(al.sequence, "MAGSKLE");
  assert.deepEqual(Array.from(al.residueIndex), [0, 1, 2, -1, 3, 4, 5]);
  assert.ok(Number.isNaN(al.cb[9]!) && al.cb[6] === 7.6, "SER 4 has no coordinates, GLY uses its CA");
  assert.ok(al.skipped.some((x) => /1 of 7 sequence positions have no coordinates/.test(x)));
  assert.ok(al.skipped.some((x) => /1 residues without CB: virtual/.test(x)));
  assert.throws(() => chainOf(s, "C"), /no chain 'C' \(chains: A, B\)/);
});

test("equal occupancy keeps the first alternate; a given sequence with a mismatch and an extra residue is reported", () => {
  const s = parsePdb([...residue("ALA", 1, 0), atom({ name: "CB", res: "VAL", seq: 2, alt: "A", occ: 0.5, xyz: [1, 1, 1] }), atom({ name: "CA", res: "VAL", seq: 2, alt: "A", occ: 0.5, xyz: [3.8, 0, 0] }), atom({ name: "CB", res: "VAL", seq: 2, alt: "B", occ: 0.5, xyz: [2, 2, 2] }), ...residue("HIS", 3, 7.6), ...residue("PHE", 4, 11.4)].join("\n"), "x.pdb");
  assert.deepEqual(chainOf(s).residues[1]!.atoms.get("CB"), [1, 1, 1]);
  const al = alignChain(chainOf(s), "x.pdb", "AVWF");
  assert.deepEqual(Array.from(al.residueIndex), [0, 1, 2, 3]);
  assert.ok(al.skipped.some((x) => /1 residues differ from the sequence, kept \(HIS3≠W3\)/.test(x)), al.skipped.join("; "));
  const extra = alignChain(chainOf(s), "x.pdb", "AVF");
  assert.ok(extra.skipped.some((x) => /1 residues not in the sequence, left out \(HIS3\)/.test(x)), extra.skipped.join("; "));
});

test("alignment places gaps at the unobserved positions", () => {
  assert.deepEqual(Array.from(alignResidues("ACDF", "MACDEFG")), [1, 2, 3, 5]);
  assert.deepEqual(Array.from(alignResidues("KLMN", "KLMN")), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(alignResidues("AXC", "AC")), [0, -1, 1]);
});

test("malformed files fail with the file and line", () => {
  const good = residue("ALA", 1, 0);
  const bad = (ls: string[], re: RegExp) => {
    assert.throws(() => parsePdb(ls.join("\n"), "broken.pdb"), (e: Error) => e instanceof UserError && re.test(e.message));
  };
  bad([...good, "ATOM      5  CA  GLY A   2      1.000   2.000"], /^broken\.pdb:5: ATOM record too short/);
  bad([...good, atom({ name: "CA", res: "GLY", seq: 2, xyz: [1, 2, 3] }).replace("   2.000", "   2.0x0")], /^broken\.pdb:5: y coordinate \(columns 39-46\) '2\.0x0' is not a number/);
  bad(["HEADER    nothing", "REMARK nothing"], /^broken\.pdb: no ATOM or HETATM records/);
  bad([atom({ name: "CA", res: "GLY", seq: 2, xyz: [1, 2, 3] }).replace("   2 ", "  2b ")], /^broken\.pdb:1: residue number/);
  const dir = mkdtempSync(join(tmpdir(), "plm-struct-"));
  assert.throws(() => readStructure(join(dir, "absent.pdb")), /cannot read structure .*absent\.pdb/);
  writeFileSync(join(dir, "bad.cif"), "data_x\nloop_\n_atom_site.group_PDB\n_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n_atom_site.label_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nATOM CA ALA A 1 1.0 2.0\n#\n");
  assert.throws(() => readStructure(join(dir, "bad.cif")), /bad\.cif:11: _atom_site row has 7 values, the loop declares 8 columns/);
});

test("mmCIF: a real structure written as mmCIF reads the same as its PDB file", () => {
  const path = join(FIXTURES, "structures", "6qji_p_trunc.pdb");
  const text = readFileSync(path, "utf8");
  const rows = text.split("\n").filter((l) => l.startsWith("ATOM")).map((l) =>
    ["ATOM", `"${l.slice(12, 16).trim()}"`, ".", l.slice(17, 20).trim(), "A", l.slice(22, 26).trim(), "?", l.slice(30, 38).trim(), l.slice(38, 46).trim(), l.slice(46, 54).trim(), l.slice(54, 60).trim(), "1"].join(" "),
  );
  const cols = ["group_PDB", "label_atom_id", "label_alt_id", "label_comp_id", "label_asym_id", "label_seq_id", "pdbx_PDB_ins_code", "Cartn_x", "Cartn_y", "Cartn_z", "occupancy", "pdbx_PDB_model_num"];
  const cif = ["data_test", "#", "loop_", ...cols.map((c) => `_atom_site.${c}`), ...rows, "#", ""].join("\n");
  const a = alignChain(chainOf(parseMmcif(cif, "t.cif")), "t.cif");
  const b = readAlignedChain(path);
  assert.equal(a.sequence, b.sequence);
  assert.deepEqual(Array.from(a.cb), Array.from(b.cb));
});

// Secondary-structure labels from DSSP (Kabsch & Sander 1983) via the `mkdssp` binary (Debian `dssp`),
// read from its classic output and attached to the positions of an aligned chain. 8 states H G I E B T S C
// (DSSP's blank = coil C; DSSP 4's polyproline P counts as coil), reduced to 3 as usual (Rost & Sander 1993):
// H, G, I → H; E, B → E; the rest → C.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import type { AlignedChain } from "./structure-align.js";
import type { Chain } from "./structure-builder.js";

export const SS8 = "HGIEBTSC";
export const SS3 = "HEC";
/** 8-state class index → 3-state class index */
export const SS8_TO_SS3 = Int8Array.from(SS8, (c) => ("HGI".includes(c) ? 0 : "EB".includes(c) ? 1 : 2));

const binary = () => process.env.PLMSCALE_MKDSSP ?? "mkdssp";

/** mkdssp's version line, or null when the binary is absent. */
export function mkdsspVersion(): string | null {
  const r = spawnSync(binary(), ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim().split("\n")[0] ?? "";
}

/** Parse classic DSSP output: key `chain|resSeq|iCode` → 8-state class index. */
export function parseDssp(text: string, file = "<dssp>"): Map<string, number> {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith("  #  RESIDUE"));
  if (start < 0) throw new UserError(`${file}: not DSSP output (no '  #  RESIDUE' header)`);
  const out = new Map<string, number>();
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.length < 17 || l[13] === "!") continue; // chain break marker
    const resSeq = Number(l.slice(5, 10));
    if (!Number.isInteger(resSeq)) throw new UserError(`${file}:${i + 1}: residue number '${l.slice(5, 10).trim()}' is not an integer`);
    const ss = l[16] === " " || l[16] === "P" ? "C" : l[16]!;
    const k = SS8.indexOf(ss);
    if (k < 0) throw new UserError(`${file}:${i + 1}: unknown secondary structure '${ss}'`);
    out.set(`${l[11]}|${resSeq}|${l[10]!.trim()}`, k);
  }
  return out;
}

/**
 * The coordinate records of the first model behind a HEADER line: mkdssp 4 takes a file without HEADER for
 * mmCIF and rejects it, and chokes on trailing score tables (Rosetta) that real PDB files carry.
 */
export function dsspInput(pdbText: string): string {
  const out = ["HEADER    PROTEIN".padEnd(80)];
  for (const l of pdbText.split(/\r?\n/)) {
    if (l.startsWith("ENDMDL")) break;
    if (l.startsWith("ATOM  ") || l.startsWith("HETATM") || l.startsWith("TER")) out.push(l);
  }
  out.push("END");
  return out.join("\n") + "\n";
}

/** Run mkdssp on a structure file (PDB or mmCIF) and parse its output. */
export function runDssp(structureFile: string): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-dssp-"));
  try {
    const out = join(dir, "out.dssp");
    let input = structureFile;
    if (!/\.(cif|mmcif)$/i.test(structureFile)) {
      input = join(dir, "in.pdb");
      writeFileSync(input, dsspInput(readFileSync(structureFile, "utf8")));
    }
    const r = spawnSync(binary(), ["--output-format", "dssp", input, out], { encoding: "utf8" });
    if (r.error) throw new UserError(`mkdssp not found (${r.error.message}); install Debian's dssp package (apt-get install dssp)`);
    if (r.status !== 0) throw new UserError(`mkdssp failed on ${structureFile} (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-2).join(" | ")}`);
    return parseDssp(readFileSync(out, "utf8"), structureFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 8-state class per sequence position of an aligned chain (−1 where unobserved or unlabelled). */
export function labelsForChain(aligned: AlignedChain, chain: Chain, dssp: Map<string, number>): Int8Array {
  const out = new Int8Array(aligned.sequence.length).fill(-1);
  aligned.residueIndex.forEach((k, pos) => {
    if (k < 0) return;
    const r = chain.residues[k]!;
    out[pos] = dssp.get(`${chain.id}|${r.resSeq}|${r.iCode}`) ?? -1;
  });
  return out;
}

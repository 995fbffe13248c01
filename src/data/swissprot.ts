// The built-in corpus: UniProtKB/Swiss-Prot as shipped by Debian's metastudent-data (release 2014-01), three
// BLAST databases (one per GO ontology: BPO, MFO, CCO) whose headers are `ACCESSION|GO:…,GO:…`. A protein
// appears in every ontology it is annotated in, always with the same sequence, so the preset streams the three
// databases through `blastdbcmd -entry all` and keeps an accession only the first time it is seen
// (516,371 proteins). GO terms of all three ontologies are written to annotations/go.tsv for evaluation.
import { spawnSync } from "node:child_process";
import { spawnTool } from "../core/children.js";
import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Readable } from "node:stream";
import type { SourceSpec, PrepareOptions } from "./prepare.js";
import type { FastaRecord } from "./fasta.js";
import { UserError } from "../core/errors.js";

export const SWISSPROT_DIR = process.env.PLMSCALE_SWISSPROT_DIR ?? "/usr/share/metastudent-data/dataset_201401";
export const ONTOLOGIES = ["BPO", "MFO", "CCO"] as const;


export function swissprotAvailable(dir = SWISSPROT_DIR): { ok: boolean; why?: string } {
  const r = spawnSync("blastdbcmd", ["-version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return { ok: false, why: "blastdbcmd (Debian package ncbi-blast+) is not installed; run scripts/setup.sh or apt-get install ncbi-blast+" };
  for (const o of ONTOLOGIES) {
    if (!existsSync(join(dir, o, "goasp.fasta.psq"))) return { ok: false, why: `${join(dir, o)}/goasp.fasta.* not found; install Debian's metastudent-data (scripts/setup.sh) or set PLMSCALE_SWISSPROT_DIR` };
  }
  return { ok: true };
}

/** A FASTA byte stream of one ontology's database via blastdbcmd (the child dies with the stream). */
function blastdbStream(dir: string, ontology: string): Readable {
  const child = spawnTool("blastdbcmd", ["-db", join(dir, ontology, "goasp.fasta"), "-entry", "all", "-line_length", "1000000"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
  const out = child.stdout!;
  child.on("close", (code, signal) => {
    if (code !== 0 && signal === null) out.destroy(new Error(`blastdbcmd failed for ${ontology} (exit ${code}): ${err.trim()}`));
  });
  out.on("close", () => { if (child.exitCode === null) child.kill(); });
  return out;
}

export interface SwissprotPreset {
  source: SourceSpec;
  attach: NonNullable<PrepareOptions["attach"]>;
  preset: NonNullable<PrepareOptions["preset"]>;
}

/** Source spec + GO annotation side file + manifest section for `--preset swissprot`. */
export function swissprotPreset(opts: { name?: string; weight?: number; dir?: string } = {}): SwissprotPreset {
  const dir = opts.dir ?? SWISSPROT_DIR;
  const avail = swissprotAvailable(dir);
  if (!avail.ok) throw new UserError(avail.why ?? "the Swiss-Prot preset is not available", 3);
  const seen = new Set<string>();
  const perDb: Record<string, number> = { BPO: 0, MFO: 0, CCO: 0 };
  let merged = 0;
  const goPath = join(tmpdir(), `plmscale-go-${process.pid}-${randomBytes(6).toString("hex")}.tsv`);
  let go: WriteStream | null = null;
  let current = "BPO";
  const accept = (r: FastaRecord): boolean => {
    perDb[current]!++;
    const bar = r.id.indexOf("|");
    const acc = bar < 0 ? r.id : r.id.slice(0, bar);
    const terms = bar < 0 ? "" : r.id.slice(bar + 1);
    if (!go) {
      go = createWriteStream(goPath);
      go.write("accession\tontology\tgo_terms\n");
    }
    go.write(`${acc}\t${current}\t${terms}\n`);
    if (seen.has(acc)) {
      merged++;
      return false;
    }
    seen.add(acc);
    return true;
  };
  const source: SourceSpec = {
    name: opts.name ?? "swissprot",
    weight: opts.weight ?? 1,
    inputs: ONTOLOGIES.map((o) => ({
      name: `blastdbcmd ${join(dir, o, "goasp.fasta")}`,
      open: () => {
        current = o;
        return blastdbStream(dir, o);
      },
    })),
    accept,
  };
  return {
    source,
    attach: async () => {
      const g = go as WriteStream | null;
      if (!g) return [];
      await new Promise<void>((res, rej) => g.end((e?: Error | null) => (e ? rej(e) : res())));
      return [{ path: goPath, as: "annotations/go.tsv" }];
    },
    preset: () => ({
      name: "swissprot",
      origin: `UniProtKB/Swiss-Prot via Debian metastudent-data (${dir}); licence CC BY 4.0 (UniProt Consortium)`,
      recordsPerDatabase: perDb,
      accessions: seen.size,
      mergedAcrossOntologies: merged,
      annotations: "annotations/go.tsv (accession, ontology, comma-separated GO terms)",
    }),
  };
}

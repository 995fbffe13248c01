// The small real corpora committed with the project (test/fixtures, with their licences): source specs for
// fast demos, sweeps and tests — a two-source corpus builds in seconds.
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import type { SourceSpec } from "./prepare.js";

const root = fileURLToPath(new URL("../../../", import.meta.url)); // dist/src/data → repository root

export const SAMPLE_FILES = {
  /** 3,000 UniProtKB/Swiss-Prot proteins (CC BY 4.0) */
  swissprot: `${root}test/fixtures/swissprot-sample.fasta.gz`,
  /** 1,847 MGnify metagenomic ORFs (Apache 2.0) */
  mgnify: `${root}test/fixtures/mgnify-prodigal.faa.gz`,
} as const;

/** Source specs for the committed samples, e.g. `prepareCorpus({ out, sources: sampleSources({ swissprot: 0.7, mgnify: 0.3 }) })`. */
export function sampleSources(weights: Partial<Record<keyof typeof SAMPLE_FILES, number>> = { swissprot: 1 }): SourceSpec[] {
  return Object.entries(weights).map(([name, weight]) => {
    const path = SAMPLE_FILES[name as keyof typeof SAMPLE_FILES];
    if (!path) throw new Error(`unknown sample '${name}' (have ${Object.keys(SAMPLE_FILES).join(", ")})`);
    if (!existsSync(path)) throw new Error(`${path} is missing (sample corpora ship with the repository's test/fixtures)`);
    return { name, weight: weight!, inputs: [{ name: path, path }] };
  });
}

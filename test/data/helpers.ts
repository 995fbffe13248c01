// Shared helpers for data tests: fixture paths, temp dirs, tiny FASTA writers.
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));
export const SWISSPROT_SAMPLE = join(FIXTURES, "swissprot-sample.fasta.gz");
export const MGNIFY = join(FIXTURES, "mgnify-prodigal.faa.gz");

const made: string[] = [];
process.on("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** a fresh temporary directory, removed when the test process exits */
export function tmp(prefix = "plmscale-data-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function writeFasta(dir: string, name: string, records: [string, string][]): string {
  const p = join(dir, name);
  writeFileSync(p, records.map(([h, s]) => `>${h}\n${s}\n`).join(""));
  return p;
}

/** deterministic pseudo-random protein of length n over the 20 standard residues */
export function randomProtein(n: number, seed: number): string {
  const aa = "ACDEFGHIKLMNPQRSTVWY";
  let x = seed >>> 0 || 1;
  let s = "";
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    s += aa[x % 20];
  }
  return s;
}

// Synthetic protein corpora for the scale benchmark and tests (nothing committed): residues drawn i.i.d. from
// the UniProtKB/Swiss-Prot amino-acid composition (release statistics, %), lengths log-normal (default median
// 280, σ 0.6: mean ≈ 335 residues, close to Swiss-Prot's 360 and to UniRef90's ~300), a fraction of exact
// duplicates of earlier records. Deterministic for a seed; about 0.2 s per 10M residues.
import { openSync, closeSync, writeSync } from "node:fs";

const COMPOSITION: [string, number][] = [
  ["A", 8.25], ["R", 5.53], ["N", 4.06], ["D", 5.45], ["C", 1.37], ["Q", 3.93], ["E", 6.75], ["G", 7.07], ["H", 2.27], ["I", 5.96],
  ["L", 9.66], ["K", 5.84], ["M", 2.42], ["F", 3.86], ["P", 4.70], ["S", 6.56], ["T", 5.34], ["W", 1.08], ["Y", 2.92], ["V", 6.87],
];

export interface SyntheticOptions {
  records: number;
  seed?: number;
  /** median length (default 280) */
  median?: number;
  /** σ of log length (default 0.6) */
  sigma?: number;
  /** fraction of records that repeat an earlier one exactly (default 0.02) */
  duplicates?: number;
  /** first residue of every record is M (default true) */
  startM?: boolean;
}

/** Write a FASTA file (60 residues per line); returns residues and records written. */
export function writeSyntheticFasta(path: string, o: SyntheticOptions): { records: number; residues: number; bytes: number } {
  // 64k-entry table of residue letters in proportion to the composition
  const table = new Uint8Array(65536);
  const total = COMPOSITION.reduce((a, [, p]) => a + p, 0);
  let k = 0, cum = 0;
  for (const [aa, p] of COMPOSITION) {
    cum += p / total;
    for (const end = Math.min(65536, Math.round(cum * 65536)); k < end; k++) table[k] = aa.charCodeAt(0);
  }
  for (; k < 65536; k++) table[k] = 86; // rounding remainder: V (the last letter)
  let x = (o.seed ?? 1) >>> 0 || 1, y = 0x9e3779b9;
  const next = () => { // xorshift128-style on two words (Marsaglia), 32 bits per call
    const t = (x ^ (x << 11)) >>> 0;
    x = y;
    y = (y ^ (y >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return y;
  };
  const uniform = () => (next() + 0.5) / 4294967296;
  const median = o.median ?? 280, sigma = o.sigma ?? 0.6, dupFrac = o.duplicates ?? 0.02;
  const fd = openSync(path, "w");
  const buf = Buffer.allocUnsafe(1 << 22);
  let n = 0, residues = 0, bytes = 0;
  const flush = () => { writeSync(fd, buf, 0, n); bytes += n; n = 0; };
  // recent records kept for exact duplicates (a ring of 1024)
  const ring: Buffer[] = [];
  try {
    for (let r = 0; r < o.records; r++) {
      let seq: Buffer;
      if (ring.length > 0 && uniform() < dupFrac) seq = ring[next() % ring.length]!;
      else {
        const z = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
        const len = Math.max(5, Math.min(35000, Math.round(median * Math.exp(sigma * z))));
        seq = Buffer.allocUnsafe(len);
        for (let i = 0; i < len; i += 2) {
          const v = next();
          seq[i] = table[v & 0xffff]!;
          if (i + 1 < len) seq[i + 1] = table[v >>> 16]!;
        }
        if (o.startM !== false) seq[0] = 77;
        if (ring.length < 1024) ring.push(seq);
        else ring[r & 1023] = seq;
      }
      const head = `>syn${r}\n`;
      if (n + head.length + seq.length + seq.length / 60 + 2 > buf.length) flush();
      if (head.length + seq.length * 2 > buf.length) throw new Error("record longer than the write buffer");
      n += buf.write(head, n, "latin1");
      for (let i = 0; i < seq.length; i += 60) {
        n += seq.copy(buf, n, i, Math.min(seq.length, i + 60));
        buf[n++] = 10;
      }
      residues += seq.length;
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return { records: o.records, residues, bytes };
}

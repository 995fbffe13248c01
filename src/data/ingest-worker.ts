// Worker side of parallel ingest (ingest-parallel.ts): parse one record-aligned byte range of a plain FASTA
// file, classify and hash each record, and post the results back in record order. The main thread replays
// them (dedup, staging) in input order, so the output does not depend on the number of workers.
import { parentPort } from "node:worker_threads";
import { createReadStream } from "node:fs";
import { scanFasta } from "./fasta.js";
import { BAD_KINDS, KIND_OK, KIND_SHORT, KIND_LONG, type ChunkJob, type ChunkResult } from "./ingest-parallel.js";
import { contentHash } from "./dedup.js";

class Grow {
  buf: Uint8Array;
  n = 0;
  constructor(size: number) { this.buf = new Uint8Array(size); }
  push(b: Uint8Array): void {
    if (this.n + b.length > this.buf.length) {
      const x = new Uint8Array(Math.max(this.buf.length * 2, this.n + b.length));
      x.set(this.buf.subarray(0, this.n));
      this.buf = x;
    }
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  /** a view, not a copy: its whole buffer is transferred to the main thread */
  view(): Uint8Array { return this.buf.subarray(0, this.n); }
}

async function run(j: ChunkJob): Promise<ChunkResult> {
  const kinds = new Grow(1 << 16), lens = new Grow(1 << 18), hashes = new Grow(1 << 20), residues = new Grow(j.end - j.start + 16);
  const ids: string[] = [];
  const k1 = new Uint8Array(1), l4 = new Uint32Array(1), l4b = new Uint8Array(l4.buffer);
  let records = 0;
  await scanFasta({ name: j.path, stream: createReadStream(j.path, { start: j.start, end: j.end - 1, highWaterMark: 1 << 20 }) }, (rec) => {
    records++;
    const n = rec.residues.length;
    let kind = KIND_OK;
    if (rec.bad) {
      if (j.failOnBad) throw new Error("bad record");
      kind = 3 + BAD_KINDS.indexOf(rec.bad.reason);
    } else if (n < j.minLength) kind = KIND_SHORT;
    else if (j.maxLength > 0 && n > j.maxLength) kind = KIND_LONG;
    k1[0] = kind;
    kinds.push(k1);
    l4[0] = n;
    lens.push(l4b);
    if (kind === KIND_OK) {
      hashes.push(contentHash(rec.residues).subarray(0, 16));
      residues.push(rec.residues);
      if (j.ids) ids.push(rec.id);
    }
  });
  const lv = lens.view();
  return { id: j.id, records, kinds: kinds.view(), lens: new Uint32Array(lv.buffer, 0, lv.length / 4), hashes: hashes.view(), residues: residues.view(), ids: ids.join("\n") };
}

parentPort!.on("message", (j: ChunkJob) => {
  run(j).then(
    (r) => parentPort!.postMessage(r, [r.kinds.buffer, r.lens.buffer, r.hashes.buffer, r.residues.buffer] as ArrayBuffer[]),
    (e: Error) => parentPort!.postMessage({ id: j.id, error: e.message }),
  );
});

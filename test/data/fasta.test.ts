import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { writeFileSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { scanFasta, FastaFormatError, type FastaRecord } from "../../src/data/fasta.js";
import { decode } from "../../src/data/tokenizer.js";
import { tmp, SWISSPROT_SAMPLE } from "./helpers.js";

type Rec = { id: string; seq: string; bad: string | null; line: number };
async function scan(text: string | Buffer, chunk = 0): Promise<Rec[]> {
  const buf = typeof text === "string" ? Buffer.from(text, "latin1") : text;
  const out: Rec[] = [];
  const chunks: Buffer[] = [];
  if (chunk > 0) for (let i = 0; i < buf.length; i += chunk) chunks.push(buf.subarray(i, i + chunk));
  else chunks.push(buf);
  await scanFasta({ name: "mem.fa", stream: Readable.from(chunks) }, (r: FastaRecord) => {
    out.push({ id: r.id, seq: decode(r.residues, true), bad: r.bad?.reason ?? null, line: r.line });
  });
  return out;
}

test("multi-line records, lower case, CRLF, blank lines and a trailing '*'", async () => {
  const recs = await scan(">a desc\r\nMKV\r\nlle\r\n\r\n>b\nACD*\n>c\n\n");
  assert.deepEqual(recs.map((r) => [r.id, r.seq, r.bad, r.line]), [
    ["a", "MKVLLE", null, 1], ["b", "ACD", null, 5], ["c", "", "empty", 7],
  ]);
});

test("bad records carry a reason: invalid character, internal stop, empty", async () => {
  const recs = await scan(">x\nMK1V\n>y\nMK*VV\n>z\n>ok\nMM\n");
  assert.deepEqual(recs.map((r) => r.bad), ["invalid-char", "internal-stop", "empty", null]);
});

test("results do not depend on chunk boundaries (1-byte chunks)", async () => {
  const text = readFileSync(SWISSPROT_SAMPLE);
  const { gunzipSync } = await import("node:zlib");
  const plain = gunzipSync(text).subarray(0, 20000);
  const whole = await scan(plain);
  const tiny = await scan(plain, 1);
  const odd = await scan(plain, 977);
  assert.ok(whole.length > 10);
  assert.deepEqual(tiny, whole);
  assert.deepEqual(odd, whole);
});

test("gzip is detected by content, and the gz and plain files give the same records", async () => {
  const dir = tmp();
  const text = ">p1\nMKVL\n>p2\nGGG\n";
  writeFileSync(join(dir, "a.fa"), text);
  writeFileSync(join(dir, "b.bin"), gzipSync(text)); // no .gz extension on purpose
  const a: string[] = [], b: string[] = [];
  await scanFasta({ name: "a", path: join(dir, "a.fa") }, (r) => void a.push(decode(r.residues, true)));
  const res = await scanFasta({ name: "b", path: join(dir, "b.bin") }, (r) => void b.push(decode(r.residues, true)), { hash: true });
  assert.deepEqual(b, a);
  assert.equal(res.records, 2);
  const { createHash } = await import("node:crypto");
  assert.equal(res.sha256, createHash("sha256").update(readFileSync(join(dir, "b.bin"))).digest("hex"), "sha256 of the bytes as stored");
});

async function expectFormatError(content: Buffer | string, re: RegExp, name = "bad.fa"): Promise<FastaFormatError> {
  const dir = tmp();
  const p = join(dir, name);
  writeFileSync(p, content);
  try {
    await scanFasta({ name: p, path: p }, () => {});
  } catch (e) {
    assert.ok(e instanceof FastaFormatError, `expected FastaFormatError, got ${(e as Error).message}`);
    assert.match(e.message, re);
    assert.ok(e.message.includes(p), "message names the file");
    return e;
  }
  assert.fail("no error thrown");
}

test("empty file → error naming the file", async () => {
  await expectFormatError("", /empty file/);
  await expectFormatError("\n\n  \n", /no FASTA records/);
});

test("sequence before any header → error with line number", async () => {
  const e = await expectFormatError("\nMKV\n>a\nMK\n", /line 2 .*before any '>' header/);
  assert.equal(e.line, 2);
});

test("binary garbage → error with line and byte offset", async () => {
  const bin = Buffer.concat([Buffer.from(">a\nMKV\n>b\nMK"), Buffer.from([0x00, 0xff, 0x13]), Buffer.from("V\n")]);
  const e = await expectFormatError(bin, /line 4 \(byte 12\): binary data/);
  assert.equal(e.byteOffset, 12);
});

test("truncated gzip → error naming the file", async () => {
  const gz = gzipSync(Buffer.from(">a\n" + "MKVLLA".repeat(20000) + "\n"));
  await expectFormatError(gz.subarray(0, Math.floor(gz.length / 2)), /corrupt or truncated gzip/, "cut.fa.gz");
});

test("onRecord returning false stops the scan after that record", async () => {
  const seen: string[] = [];
  const r = await scanFasta({ name: "m", stream: Readable.from([Buffer.from(">a\nM\n>b\nK\n>c\nV\n")]) }, (rec) => {
    seen.push(rec.id);
    return seen.length < 2;
  });
  assert.deepEqual(seen, ["a", "b"]);
  assert.equal(r.stopped, true);
});

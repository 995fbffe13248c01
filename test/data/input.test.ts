// Issue 16 item 8: bad input to `data prepare` gets a clear error naming the file and the real position, and
// leaves nothing behind; a full disk (a real 64–256 KiB tmpfs) is reported as a full disk, in ingest and in
// MMseqs2 clustering. Real processes, real files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gunzipSync, gzipSync } from "node:zlib";
import { mmseqsVersion } from "../../src/data/cluster.js";
import { SWISSPROT_SAMPLE } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const plmscale = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), "plmscale-prepare-input-"));
const sample = gunzipSync(readFileSync(SWISSPROT_SAMPLE)).toString("latin1");
const records = sample.split(/(?=^>)/m);

function fails(args: string[], status: number, re: RegExp) {
  const r = plmscale(["data", "prepare", "--quiet", "--cluster", "none", ...args]);
  assert.equal(r.status, status, r.stderr);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/, r.stderr);
  return r;
}

test("a directory as --source: a usage error naming it (not EISDIR)", () => {
  const d = join(dir, "a-directory");
  mkdirSync(d);
  fails(["--source", `a=${d}`, "--out", join(dir, "o-dir")], 2, new RegExp(`--source a: ${d} is a directory; give FASTA files`));
});

test("a FASTA of headers only fails, naming the source and why; no corpus, no .partial", () => {
  const f = join(dir, "headers.fasta");
  writeFileSync(f, ">a\n>b\n>c\n");
  const out = join(dir, "o-headers");
  fails(["--source", `a=${f}`, "--out", out], 3, /no usable sequences: source 'a' \(.*headers\.fasta\): 3 records read: empty 3; nothing was written/);
  assert.ok(!existsSync(out) && !existsSync(out + ".partial"));
  // one good source and one without a usable sequence: the empty one is named (a weighted source must have data)
  const good = join(dir, "good.fasta");
  writeFileSync(good, records.slice(0, 5).join(""));
  fails(["--source", `g=${good}`, "--source", `h=${f}`, "--out", out], 3, /source 'h' \(3 records read: empty 3\) has no usable sequences/);
});

test("--on-bad fail names the bad record's line and its real byte offset (not byte -1)", () => {
  const f = join(dir, "onbad.fasta");
  const text = `${records[0]}${records[1]}>broken\nMKV12Q\n${records[2]}`;
  writeFileSync(f, text);
  const line = text.slice(0, text.indexOf(">broken")).split("\n").length;
  fails(["--source", `a=${f}`, "--on-bad", "fail", "--out", join(dir, "o-bad")], 3,
    new RegExp(`onbad\\.fasta: line ${line} \\(byte ${text.indexOf(">broken")}\\): record 'broken' is invalid`));
});

/** The uncompressed text a gzip file yields before its corruption: the longest prefix that decompresses. */
function goodPrefix(gz: Buffer): Buffer {
  let lo = 0, hi = gz.length, best = Buffer.alloc(0);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      best = gunzipSync(gz.subarray(0, mid), { finishFlush: constants.Z_SYNC_FLUSH });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return best;
}

test("a gzip corrupted mid-stream reports where the good text ends (not line 1, byte 0)", () => {
  const text = Buffer.from(records.slice(0, 400).join(""), "latin1");
  const gz = gzipSync(text);
  // damage 32 bytes from the middle on, moving on until zlib sees a data error (some damage still decodes and
  // only the checksum at the end catches it: that case is checked below)
  let bad = Buffer.from(gz), at = gz.length >> 1;
  const damage = (start: number) => { const b = Buffer.from(gz); for (let i = start; i < start + 32; i++) b[i]! ^= 0x5a; return b; };
  const zlibSays = (b: Buffer) => { try { gunzipSync(b); return "ok"; } catch (e) { return (e as Error).message; } };
  for (; ; at += 97) {
    bad = damage(at);
    if (!/incorrect data check|^ok$/.test(zlibSays(bad))) break;
  }
  const f = join(dir, "corrupt.fasta.gz");
  writeFileSync(f, bad);
  const good = goodPrefix(bad);
  assert.ok(good.length > 1000 && good.length < text.length, `test setup: ${good.length} good bytes`);
  const r = fails(["--source", `a=${f}`, "--out", join(dir, "o-gz")], 3, /corrupt\.fasta\.gz: line \d+ \(byte \d+\): corrupt or truncated gzip stream: good text ends here, decompression stops within compressed bytes \d+–\d+ of \d+/);
  const [, line, byte, c0, c1] = /line (\d+) \(byte (\d+)\).*bytes (\d+)–(\d+)/.exec(r.stderr)!.map(Number) as number[];
  // exact to within one 1 KiB output piece of the true end of the good text, and the line is that byte's line
  assert.ok(byte! <= good.length && good.length - byte! <= 1024, `reported byte ${byte}, good text ${good.length}`);
  assert.equal(line, text.subarray(0, byte).toString("latin1").split("\n").length);
  assert.ok(c0! <= at + 32 && c1! >= at && c1! - c0! <= 1024, `compressed ${c0}–${c1}, damage at ${at}–${at + 32}`);
  // a truncated file: the end of the file, with every good line counted
  const trunc = join(dir, "truncated.fasta.gz");
  writeFileSync(trunc, gz.subarray(0, gz.length >> 1));
  const t = fails(["--source", `a=${trunc}`, "--out", join(dir, "o-trunc")], 3, /at the end of the file/);
  const tByte = Number(/\(byte (\d+)\)/.exec(t.stderr)![1]);
  assert.equal(tByte, goodPrefix(gz.subarray(0, gz.length >> 1)).length);
  // damage that decodes: only the checksum at the end catches it, and the message says the place is unknown
  const crc = join(dir, "crc.fasta.gz");
  const crcBad = damage(gz.length >> 1);
  assert.match(zlibSays(crcBad), /incorrect data check/, "test setup");
  writeFileSync(crc, crcBad);
  fails(["--source", `a=${crc}`, "--out", join(dir, "o-crc")], 3, /checksum at the end does not match .*gzip cannot say where/);
});

/** Run `fn` with a tmpfs of `size` mounted at a fresh directory; skips when mounting is not allowed (not root). */
function withTmpfs(t: { skip(msg: string): void }, size: string, fn: (mnt: string) => void): void {
  const mnt = mkdtempSync(join(tmpdir(), "plmscale-full-"));
  const m = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mnt], { encoding: "utf8" });
  if (m.status !== 0) return t.skip(`cannot mount a tmpfs here (${m.stderr.trim() || m.error?.message}); needs root`);
  try {
    fn(mnt);
  } finally {
    spawnSync("umount", [mnt]);
  }
}

test("a full disk while ingesting: 'the disk is full', exit 1, the partial build removed", (t) => {
  withTmpfs(t, "256k", (mnt) => {
    const out = join(mnt, "corpus");
    fails(["--source", `a=${SWISSPROT_SAMPLE}`, "--out", out], 1, /building the corpus in .*corpus\.partial \(removed\): the disk is full \(no space left on device\) \[ENOSPC\]/);
    assert.deepEqual(readdirSync(mnt), [], "nothing left on the full disk");
  });
});

test("a full disk in MMseqs2 clustering: mmseqs's own message and 'the disk is full'", { skip: mmseqsVersion() ? false : "mmseqs not installed" }, (t) => {
  withTmpfs(t, "64k", (mnt) => {
    const f = join(dir, "for-mmseqs.fasta");
    writeFileSync(f, records.slice(0, 44).join(""));
    const r = plmscale(["data", "prepare", "--quiet", "--cluster", "mmseqs", "--threads", "1", "--source", `a=${f}`, "--out", join(mnt, "corpus")]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /mmseqs easy-linclust .* failed \(exit \d+\): .* — the disk is full: the file system holding .* has \d+\.\d MiB space left/);
    assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
    assert.deepEqual(readdirSync(mnt), []);
  });
});

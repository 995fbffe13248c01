// Hostile PyTorch ZIP checkpoints, generated here: a decompression bomb behind a small tensor, sizes that
// disagree between the central directory and the pickle, duplicate entry names, a lying central directory and
// corrupt deflate data. Each must end in one line naming the file, never inflate more than the tensors use, and
// keep the reading process small (measured as the child's peak RSS against a benign archive's).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDeflateRaw, deflateRawSync } from "node:zlib";

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const CK = fileURLToPath(new URL("../../src/torch/pt-checkpoint.js", import.meta.url));

const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const str = (s: string) => Buffer.concat([Buffer.from("X"), u32(Buffer.byteLength(s)), Buffer.from(s)]);
const int = (v: number) => Buffer.concat([Buffer.from("J"), (() => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; })()]);

/** torch.save's pickle of {"w": float32 tensor [n] at offset 0 of storage "0" declaring `storageNumel` elements} */
function statePickle(n: number, storageNumel: number): Buffer {
  return Buffer.concat([
    Buffer.from([0x80, 2]), Buffer.from("}"), str("w"),
    Buffer.from("ctorch._utils\n_rebuild_tensor_v2\n("),
    Buffer.from("("), str("storage"), Buffer.from("ctorch\nFloatStorage\n"), str("0"), str("cpu"), int(storageNumel), Buffer.from("tQ"),
    Buffer.from("K\x00"), Buffer.from("("), int(n), Buffer.from("t"), Buffer.from("(K\x01t"), Buffer.from([0x89]),
    Buffer.from("ccollections\nOrderedDict\n)R"),
    Buffer.from("tRs."),
  ]);
}

interface Entry { name: string; data: Buffer; method: 0 | 8; size: number; localOffset?: number }

function zip(entries: Entry[]): Buffer {
  const parts: Buffer[] = [], cd: Buffer[] = [];
  let at = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.concat([u32(0x04034b50), u16(20), u16(0), u16(e.method), u16(0), u16(0), u32(0), u32(e.data.length), u32(e.size), u16(name.length), u16(0), name]);
    cd.push(Buffer.concat([u32(0x02014b50), u16(20), u16(20), u16(0), u16(e.method), u16(0), u16(0), u32(0), u32(e.data.length), u32(e.size),
      u16(name.length), u16(0), u16(0), u16(0), u16(0), u32(0), u32(e.localOffset ?? at), name]));
    parts.push(local, e.data);
    at += local.length + e.data.length;
  }
  const dir = Buffer.concat(cd);
  const eocd = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(dir.length), u32(at), u16(0)]);
  return Buffer.concat([...parts, dir, eocd]);
}

const pkl = (n: number, numel: number): Entry => ({ name: "archive/data.pkl", data: statePickle(n, numel), method: 0, size: statePickle(n, numel).length });

/** 1 GiB of zeros, deflated as a stream (about 1 MB) */
async function gibOfZerosDeflated(): Promise<Buffer> {
  const z = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on("data", (c: Buffer) => out.push(c));
  const done = new Promise((r) => z.on("end", r));
  const mib = Buffer.alloc(1 << 20);
  for (let i = 0; i < 1024; i++) if (!z.write(mib)) await new Promise((r) => z.once("drain", r));
  z.end();
  await done;
  return Buffer.concat(out);
}

/** read tensor "w" in a child; its values' sum, or the error's message, and the child's peak RSS in MiB */
function readInChild(file: string): { ok: boolean; text: string; rssMiB: number } {
  const script = `import { TorchCheckpoint, findStateDict } from ${JSON.stringify(CK)};
let text, ok = true;
try { const ck = new TorchCheckpoint(process.argv[1]); const t = findStateDict(ck.root, "f").get("w"); const b = ck.bytes(t);
  const f = new Float32Array(b.buffer, b.byteOffset, b.length / 4); text = "sum=" + f.reduce((a, x) => a + x, 0) + " n=" + f.length; }
catch (e) { ok = false; text = e.name + ": " + e.message; }
console.log(JSON.stringify({ ok, text, rssMiB: process.resourceUsage().maxRSS / 1024 }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script, file], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("hostile checkpoints: bombs are not inflated, lying sizes and duplicate names are refused, RSS stays small", async () => {
  const dir = mkdtempSync(join(tmpdir(), "zip-hostile-"));
  try {
    const bomb = await gibOfZerosDeflated();
    assert.ok(bomb.length < 2 << 20, `bomb is ${bomb.length} bytes`);
    const GiB = 1 << 30, n = 2048; // an 8 KB tensor
    const values = new Float32Array(n).map((_, i) => i + 1);
    const good = Buffer.from(values.buffer);
    const files: Record<string, Buffer> = {
      benign: zip([pkl(n, n), { name: "archive/data/0", data: deflateRawSync(good), method: 8, size: good.length }]),
      // the directory declares 1 GiB and so does the pickle, but the only tensor uses 8 KB of it
      bombConsistent: zip([pkl(n, GiB / 4), { name: "archive/data/0", data: bomb, method: 8, size: GiB }]),
      // the directory declares 1 GiB, the pickle's storage 8 KB
      bombDisagrees: zip([pkl(n, n), { name: "archive/data/0", data: bomb, method: 8, size: GiB }]),
      // the directory says 8 KB; the data inflates to 1 GiB
      bombUnderDeclared: zip([pkl(n, n), { name: "archive/data/0", data: bomb, method: 8, size: n * 4 }]),
      duplicate: zip([pkl(n, n), { name: "archive/data/0", data: good, method: 0, size: good.length }, { name: "archive/data/0", data: Buffer.alloc(good.length), method: 0, size: good.length }]),
      lyingOffset: zip([pkl(n, n), { name: "archive/data/0", data: good, method: 0, size: good.length, localOffset: 5 }]),
      lyingSize: zip([pkl(n, n), { name: "archive/data/0", data: good, method: 0, size: 1 << 24 }]),
      corruptDeflate: zip([pkl(n, n), { name: "archive/data/0", data: Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]), method: 8, size: good.length }]),
      pklBomb: zip([{ name: "archive/data.pkl", data: bomb, method: 8, size: 4096 }, { name: "archive/data/0", data: good, method: 0, size: good.length }]),
      pklLyingOffset: zip([{ ...pkl(n, n), localOffset: 9 }, { name: "archive/data/0", data: good, method: 0, size: good.length }]),
      tensorBeyondStorage: zip([pkl(n, n / 2), { name: "archive/data/0", data: good.subarray(0, n * 2), method: 0, size: n * 2 }]),
    };
    for (const [k, b] of Object.entries(files)) writeFileSync(join(dir, `${k}.bin`), b);

    const base = readInChild(join(dir, "benign.bin"));
    assert.ok(base.ok, base.text);
    assert.equal(base.text, `sum=${(n * (n + 1)) / 2} n=${n}`);

    const consistent = readInChild(join(dir, "bombConsistent.bin"));
    assert.ok(consistent.ok, consistent.text);
    assert.equal(consistent.text, `sum=0 n=${n}`); // only the 8 KB prefix, zeros
    const expected: Record<string, RegExp> = {
      bombDisagrees: /storage archive\/data\/0 holds 1073741824 bytes in the archive but the pickle declares 2048 float32 elements/,
      bombUnderDeclared: /inflates to more than its declared 8192 bytes/,
      duplicate: /entry archive\/data\/0 appears twice/,
      lyingOffset: /local header of archive\/data\/0 is corrupt/,
      lyingSize: /holds 16777216 bytes in the archive but the pickle declares 2048/,
      corruptDeflate: /entry archive\/data\/0 does not inflate/,
      tensorBeyondStorage: /needs 8192 bytes of storage 0, which declares 1024 elements/,
    };
    let tried = 2;
    for (const [k, re] of Object.entries(expected)) {
      const r = readInChild(join(dir, `${k}.bin`));
      assert.equal(r.ok, false, `${k}: ${r.text}`);
      assert.match(r.text, re, k);
      assert.ok(r.rssMiB < base.rssMiB + 64, `${k}: peak RSS ${r.rssMiB} MiB against ${base.rssMiB} MiB for the benign archive`);
      tried++;
    }
    assert.ok(consistent.rssMiB < base.rssMiB + 64, `bomb behind an 8 KB tensor: peak RSS ${consistent.rssMiB} MiB against ${base.rssMiB}`);
    assert.equal(tried, 9);

    // through the CLI: one line, no stack, the damaged-input exit code
    for (const k of ["pklBomb", "duplicate", "pklLyingOffset"]) {
      const r = spawnSync(process.execPath, [BIN, "import", "--from", join(dir, `${k}.bin`), "--out", join(dir, `out-${k}`)], { encoding: "utf8", timeout: 120_000 });
      assert.equal(r.status, 3, `${k}: exit ${r.status}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/, k);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`${k}\\.bin`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

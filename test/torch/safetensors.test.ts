// safetensors: round trip, and interoperability with a reference reader/writer written from the format spec
// in Python (Debian has no `safetensors` package; the script uses struct + json + torch).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../../src/torch/index.js";
import { tensor, tidy, liveTensorCount, saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors } from "../../src/torch/index.js";

const PY = "/usr/bin/python3";
const script = fileURLToPath(new URL("../../../test/torch/fixtures/safetensors_ref.py", import.meta.url));
const hasPyTorch = existsSync(PY) && spawnSync(PY, ["-c", "import torch, numpy"]).status === 0;

function sample(): Map<string, torch.Tensor> {
  return new Map([
    ["layers.3.attn.qkv.weight", tensor([[0.5, -1, 2], [3, 4, 5.25]])],
    ["embed.weight", tensor([[1.5, -2], [0.25, 3]], { dtype: "bfloat16" })],
    ["ids", tensor([1, -2, 2 ** 40], { dtype: "int64" })],
    ["mask", tensor([true, false, true])],
    ["h", tensor([0.5, 65504], { dtype: "float16" })],
    ["i32", tensor(new Int32Array([7, -7]), [2])],
    ["empty", torch.zeros([0, 3])],
  ]);
}

test("encode/decode round trip keeps names, dtypes, shapes, values and metadata", () => {
  const base = liveTensorCount();
  tidy(() => {
    const src = sample();
    const buf = encodeSafetensors(src, { config: '{"d":3}', format: "pt" });
    const n = Number(new DataView(buf.buffer, buf.byteOffset).getBigUint64(0, true));
    assert.equal(n % 8, 0, "header padded to 8 bytes");
    const { tensors, metadata } = decodeSafetensors(buf);
    assert.deepEqual(metadata, { config: '{"d":3}', format: "pt" });
    assert.deepEqual([...tensors.keys()], [...src.keys()]);
    for (const [k, t] of src) {
      const u = tensors.get(k)!;
      assert.equal(u.dtype, t.dtype, k);
      assert.deepEqual(u.shape, t.shape, k);
      assert.deepEqual(u.toArray(), t.toArray(), k);
    }
  });
  assert.equal(liveTensorCount(), base);
});

test("malformed files are rejected with a reason", () => {
  const base = liveTensorCount();
  assert.throws(() => decodeSafetensors(new Uint8Array(4)), /shorter/);
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => decodeSafetensors(bad), /exceeds/);
  const good = tidy(() => encodeSafetensors({ a: tensor([1, 2, 3]) }));
  assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 4)), /invalid data_offsets/);
  const junk = new TextEncoder().encode("{not json}");
  const f = new Uint8Array(8 + junk.length);
  new DataView(f.buffer).setBigUint64(0, BigInt(junk.length), true);
  f.set(junk, 8);
  assert.throws(() => decodeSafetensors(f), /not valid JSON/);
  assert.throws(() => tidy(() => encodeSafetensors({ a: tensor([1]) }, { n: 3 as unknown as string })), /must be a string/);
  assert.equal(liveTensorCount(), base);
});

test("a file written by plmscale reads correctly in the spec reader (Python)", { skip: !hasPyTorch && "no /usr/bin/python3 with torch" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "plm-st-"));
  try {
    const path = join(dir, "w.safetensors");
    const expected = tidy(() => {
      const src = sample();
      saveSafetensors(path, src, { config: JSON.stringify({ layers: 4 }) });
      return Object.fromEntries([...src].map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, values: t.toArray() }]));
    });
    const r = spawnSync(PY, [script, "read", path], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>; metadata: Record<string, string> };
    assert.deepEqual(got.metadata, { config: '{"layers":4}' });
    const ST: Record<string, string> = { float32: "F32", bfloat16: "BF16", int64: "I64", bool: "BOOL", float16: "F16", int32: "I32" };
    for (const [k, e] of Object.entries(expected)) {
      assert.equal(got.tensors[k]!.dtype, ST[e.dtype], k);
      assert.deepEqual(got.tensors[k]!.shape, e.shape, k);
      assert.deepEqual(got.tensors[k]!.values, e.values, k);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file written by the spec writer (Python) loads in plmscale", { skip: !hasPyTorch && "no /usr/bin/python3 with torch" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "plm-st-"));
  const base = liveTensorCount();
  try {
    const path = join(dir, "py.safetensors");
    const r = spawnSync(PY, [script, "write", path], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    tidy(() => {
      const { tensors, metadata } = loadSafetensors(path);
      assert.deepEqual(metadata, { format: "pt", config: '{"layers": 1}' });
      const q = tensors.get("layers.0.attn.qkv.weight")!;
      assert.deepEqual([q.dtype, q.shape, q.toArray()], ["float32", [2, 3], [0, 0.25, 0.5, 0.75, 1, 1.25]]);
      const e = tensors.get("embed.weight")!;
      assert.deepEqual([e.dtype, e.toArray()], ["bfloat16", [1.5, -2, 0.25, 3]]);
      assert.deepEqual(Array.from(tensors.get("counts")!.data() as BigInt64Array), [1n, -2n, 2n ** 40n]);
      assert.deepEqual(tensors.get("mask")!.toArray(), [1, 0, 1]);
      assert.equal(tensors.get("mask")!.dtype, "bool");
      assert.deepEqual(tensors.get("half")!.toArray(), [0.5, 65504]);
      const s = tensors.get("scalar")!;
      assert.deepEqual([s.dtype, s.shape, s.item()], ["float64", [], 7]);
      // and our own writer reproduces the same bytes for the tensor data section
      const again = encodeSafetensors(tensors, metadata);
      writeFileSync(join(dir, "again.safetensors"), again);
      const back = decodeSafetensors(readFileSync(join(dir, "again.safetensors")));
      assert.deepEqual(back.tensors.get("counts")!.toArray(), [1, -2, 2 ** 40]);
    });
    assert.equal(liveTensorCount(), base);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

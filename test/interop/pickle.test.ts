// The safe PyTorch checkpoint reader on real torch.save files written by python3-torch during the test, and on
// malicious or broken ones: refused with a message naming the global / the problem, nothing executed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TorchCheckpoint, findStateDict, type PtTensor } from "../../src/torch/pt-checkpoint.js";
import { unpickle, PickleError } from "../../src/torch/pickle.js";
import { ptGlobal } from "../../src/torch/pt-checkpoint.js";
import { importModel } from "../../src/interop/import.js";
import { exportHf } from "../../src/interop/export.js";
import { loadModel } from "../../src/eval/load.js";
import { main } from "../../src/cli/main.js";
import { encode, MASK } from "../../src/data/tokenizer.js";
import { logitsOf, maxAbsDiff, pythonWithTorch, referenceLogits, runPython, tmp } from "./helpers.js";

const skip = pythonWithTorch() ? false : "python3 with torch (Debian python3-torch) is not installed";

let fixtures: { dir: string; expected: Record<string, { shape: number[]; dtype: string; values: number[] } & Record<string, unknown>> } | null = null;
function written() {
  if (!fixtures) {
    const dir = tmp("plmscale-pickle-");
    runPython("write_checkpoints.py", [dir]);
    fixtures = { dir, expected: JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) };
  }
  return fixtures;
}

function values(ck: TorchCheckpoint, t: PtTensor): number[] {
  const b = ck.bytes(t);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i < b.length; ) {
    if (t.dtype === "float32") (out.push(dv.getFloat32(i, true)), (i += 4));
    else if (t.dtype === "bfloat16") (out.push(new Float32Array(new Uint32Array([dv.getUint16(i, true) << 16]).buffer)[0]!), (i += 2));
    else if (t.dtype === "int64") (out.push(Number(dv.getBigInt64(i, true))), (i += 8));
    else throw new Error(t.dtype);
  }
  return out;
}

test("torch.save state dicts: fp32, bf16, int64, transposed and offset views, shared storage, scalars, Parameters", { skip }, () => {
  const { dir, expected } = written();
  const ck = new TorchCheckpoint(join(dir, "views.pt"));
  const sd = findStateDict(ck.root, "views.pt");
  assert.deepEqual([...sd.keys()], ["plain", "bf16", "ints", "transposed", "offset_view", "shared_a", "strided_step", "scalar", "param"]);
  for (const [k, t] of sd) {
    const e = expected[`views/${k}`]!;
    assert.deepEqual(t.shape, e.shape, k);
    assert.equal(t.dtype, e.dtype, k);
    const got = values(ck, t);
    assert.equal(got.length, e.values.length, k);
    got.forEach((v, i) => assert.ok(Math.abs(v - e.values[i]!) <= 1e-6 * Math.max(1, Math.abs(v)), `${k}[${i}] ${v} vs ${e.values[i]}`));
  }
  // the three views of `base` share one storage; the offset view starts at row 2, column 1 of an 8-wide matrix
  const key = (n: string) => sd.get(n)!.storage.key;
  assert.equal(key("transposed"), key("shared_a"));
  assert.equal(key("offset_view"), key("shared_a"));
  assert.notEqual(key("plain"), key("shared_a"));
  assert.equal(sd.get("offset_view")!.offset, 2 * 8 + 1);
  assert.deepEqual(sd.get("transposed")!.stride, [1, 8]);
  // a tensor claiming more elements than its storage holds is refused
  assert.throws(() => ck.bytes({ ...sd.get("plain")!, shape: [100, 100], stride: [100, 1] }), /beyond its storage/);
  ck.close();
});

test("fair-esm ESM-2 8M-shaped checkpoint (6 × 320, 20 heads, vocab 33) imports, with token dropout, and matches the reference", { skip }, (t) => {
  const { dir, expected } = written();
  const r = importModel(join(dir, "esm2_t6_8M_fairesm.pt"), join(dir, "esm8m"), { version: "test" });
  assert.equal(r.format, "fair-esm");
  assert.deepEqual([r.model.layers, r.model.dModel, r.model.heads, r.model.ffn, r.model.vocab, r.model.tokenDropout], [6, 320, 20, 1280, 33, true]);
  assert.ok(r.dropped.some((d) => d.name === "contact_head.regression.weight"));
  assert.equal(r.dropped.filter((d) => d.name.endsWith("inv_freq")).length, 6);
  const { model } = loadModel(join(dir, "esm8m"));
  const sd = model.stateDict();
  const total = (n: string) => { const t = sd.get(n)!.to("float64"); const s = t.sum().item(); t.dispose(); return s; };
  assert.ok(Math.abs(total("embed.weight") - (expected["esm2/embed_sum"] as unknown as number)) < 1e-9);
  assert.ok(Math.abs(total("layers.0.ffn.fc1.weight") - (expected["esm2/fc1_0_sum"] as unknown as number)) < 1e-9);
  // logits of the imported model against the EsmForMaskedLM reference on the same weights (via an export)
  exportHf(join(dir, "esm8m"), join(dir, "esm8m-hf"), { version: "test" });
  const ids = [...encode("MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ")];
  ids[5] = ids[9] = MASK;
  const ref = referenceLogits(join(dir, "esm8m-hf"), dir, [ids]);
  const d = maxAbsDiff(logitsOf(model, ids), ref.logits[0]!);
  t.diagnostic(`max |Δlogit| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
  model.dispose();
});

test("legacy (non-ZIP) checkpoints: a clear error with the conversion command", { skip }, () => {
  const { dir } = written();
  assert.throws(() => new TorchCheckpoint(join(dir, "legacy.pt")), (e: Error) => /legacy/.test(e.message) && /weights_only=True/.test(e.message));
});

test("malicious checkpoints (os.system, subprocess.Popen, eval via __reduce__) are refused by name and never run", { skip }, async () => {
  const dir = tmp("plmscale-evil-");
  const marker = join(dir, "PWNED");
  runPython("write_malicious.py", [dir, marker]);
  const cases: Array<[string, RegExp]> = [["os_system.pt", /'(posix|os)\.system'/], ["popen.pt", /'(subprocess|commands)\.Popen'/], ["eval.pt", /'(builtins|__builtin__)\.eval'/]];
  // (protocol 2 writes Python 2 module names: subprocess.Popen is pickled as commands.Popen)
  for (const [f, named] of cases) {
    assert.throws(() => new TorchCheckpoint(join(dir, f)), (e: Error) => e instanceof PickleError && named.test(e.message) && /refusing global/.test(e.message), f);
    // through the CLI as a user would meet it: exit code 3 (input that cannot be read), no stack trace, nothing created
    const errs: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => errs.push(a.join(" "));
    try {
      assert.equal(await main(["import", "--from", join(dir, f), "--out", join(dir, "out-" + f)]), 3);
    } finally {
      console.error = orig;
    }
    assert.match(errs.join("\n"), /refusing global/);
    assert.doesNotMatch(errs.join("\n"), /\n\s+at /);
    assert.equal(existsSync(join(dir, "out-" + f)), false);
  }
  assert.equal(existsSync(marker), false, "a payload ran");
});

test("hand-made pickles: GLOBAL os system, oversized lengths, truncation, unknown opcodes", () => {
  const opts = { source: "test.pkl", resolveGlobal: (m: string, n: string) => ptGlobal(m, n, "test.pkl") };
  const b = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
  // protocol 2: GLOBAL 'os system', a string argument, TUPLE1, REDUCE, STOP
  assert.throws(() => unpickle(b("\x80\x02cos\nsystem\nX\x04\x00\x00\x00echoq\x00\x85R."), opts), /refusing global 'os\.system'/);
  assert.throws(() => unpickle(b("\x80\x02cbuiltins\n__import__\n."), opts), /refusing global 'builtins\.__import__'/);
  // BINUNICODE claiming 4 GiB
  assert.throws(() => unpickle(b("\x80\x02X\xf0\xff\xff\xffabc."), opts), /BINUNICODE of 4294967280 bytes exceeds the 4 bytes left/);
  assert.throws(() => unpickle(b("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\x0f\x00abc."), opts), /exceeds|too large/);
  assert.throws(() => unpickle(b("\x80\x02}q\x00(X\x01\x00\x00\x00a"), opts), /truncated|exceeds/);
  assert.throws(() => unpickle(b("\x80\x02S'x'\n."), opts), /unsupported pickle opcode 0x53/);
  assert.throws(() => unpickle(b("\x80\x02h\x05."), opts), /unknown memo 5/);
  // a good one: {'a': [1, 2.5, True, None]}
  const v = unpickle(b("\x80\x02}q\x00X\x01\x00\x00\x00a]q\x01(K\x01G@\x04\x00\x00\x00\x00\x00\x00\x88Nes."), opts) as Map<string, unknown>;
  assert.deepEqual(v.get("a"), [1, 2.5, true, null]);
});

test("truncated or corrupt ZIP archives are refused with a message", { skip }, () => {
  const { dir } = written();
  const good = readFileSync(join(dir, "views.pt"));
  const cut = join(dir, "cut.pt");
  writeFileSync(cut, good.subarray(0, Math.floor(good.length / 2)));
  assert.throws(() => new TorchCheckpoint(cut), /end-of-central-directory|truncated/);
  // keep the directory but cut a storage short: the directory then points past the end of the file
  const eocd = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const cdOffset = good.readUInt32LE(eocd + 16);
  const shifted = Buffer.concat([good.subarray(0, 100), good.subarray(cdOffset)]);
  shifted.writeUInt32LE(100, shifted.length - (good.length - eocd) + 16); // the directory now starts at byte 100
  writeFileSync(cut, shifted);
  assert.throws(() => new TorchCheckpoint(cut), /outside the file|corrupt|truncated/);
});

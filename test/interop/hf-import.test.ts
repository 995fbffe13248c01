// Import of a Hugging Face ESM-2-style directory saved as pytorch_model.bin (torch.save by python3-torch),
// and the export/import commands' user errors as the CLI reports them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { importModel } from "../../src/interop/import.js";
import { loadModel } from "../../src/eval/load.js";
import { encode, MASK } from "../../src/data/tokenizer.js";
import { main } from "../../src/cli/main.js";
import { SMALL, logitsOf, maxAbsDiff, pythonWithTorch, randomModel, runPython, tmp, writeRun } from "./helpers.js";

const skip = pythonWithTorch() ? false : "python3 with torch (Debian python3-torch) is not installed";

test("HF EsmForMaskedLM directory with pytorch_model.bin: imported logits equal the reference's", { skip }, (t) => {
  const dir = tmp("plmscale-hfimport-");
  const seqs = [[...encode("MKTAYIAKQRQISFVKSH")], [...encode("GSHMLEDPVDAFQQRR")]];
  seqs[0]![3] = MASK;
  seqs[1]![2] = seqs[1]![7] = MASK;
  writeFileSync(join(dir, "req.json"), JSON.stringify({ sequences: seqs }));
  runPython("write_hf_esm.py", [join(dir, "hf"), join(dir, "req.json"), join(dir, "ref.bin")]);
  const r = importModel(join(dir, "hf"), join(dir, "run"), { version: "test" });
  assert.equal(r.format, "hf-esm");
  assert.deepEqual([r.model.layers, r.model.dModel, r.model.heads, r.model.ffn, r.model.context, r.model.tokenDropout], [2, 40, 5, 80, 1026, true]);
  assert.deepEqual(r.dropped.map((d) => d.name).filter((n) => n.includes("contact_head")).sort(), ["esm.contact_head.regression.bias", "esm.contact_head.regression.weight"]);
  const raw = readFileSync(join(dir, "ref.bin"));
  const ref = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const { model } = loadModel(join(dir, "run"));
  let at = 0, worst = 0;
  for (const ids of seqs) {
    worst = Math.max(worst, maxAbsDiff(logitsOf(model, ids), ref.subarray(at, at + ids.length * 33)));
    at += ids.length * 33;
  }
  t.diagnostic(`max |Δlogit| = ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-4, `max |Δlogit| ${worst}`);
  model.dispose();
});

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  const errs: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => errs.push(a.join(" "));
  try {
    return { code: await main(argv), err: errs.join("\n") };
  } finally {
    console.error = orig;
  }
}

test("CLI: export of a default-head CLM and import of a missing or foreign file fail with a message, no stack", async () => {
  const dir = tmp("plmscale-hfimport-");
  const clm = randomModel("clm", SMALL, 31);
  writeRun(join(dir, "clm"), "clm", clm);
  clm.dispose();
  const ex = await cli(["export", "--run", join(dir, "clm"), "--format", "hf", "--out", join(dir, "out")]);
  assert.equal(ex.code, 1);
  assert.match(ex.err, /plmscale export: cannot export .*--head linear/);
  assert.equal(existsSync(join(dir, "out", "config.json")), false);
  const fmt = await cli(["export", "--run", join(dir, "clm"), "--format", "onnx", "--out", join(dir, "out")]);
  assert.equal(fmt.code, 2);
  const missing = await cli(["import", "--from", join(dir, "nope.pt"), "--out", join(dir, "x")]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.pt not found; fair-esm checkpoints download from https:\/\/dl\.fbaipublicfiles\.com\/fair-esm\/models\/NAME\.pt/);
  // a fair-esm model name: its own URL, its contact regression's and the Hub directory
  const esm = await cli(["import", "--from", join(dir, "esm2_t6_8M_UR50D.pt"), "--out", join(dir, "x")]);
  assert.equal(esm.code, 2);
  assert.match(esm.err, /here https:\/\/dl\.fbaipublicfiles\.com\/fair-esm\/models\/esm2_t6_8M_UR50D\.pt, its contact regression https:\/\/dl\.fbaipublicfiles\.com\/fair-esm\/regression\/esm2_t6_8M_UR50D-contact-regression\.pt/);
  assert.match(esm.err, /git clone https:\/\/huggingface\.co\/facebook\/esm2_t6_8M_UR50D/);
  writeFileSync(join(dir, "notes.pt"), "just text, not a checkpoint");
  const foreign = await cli(["import", "--from", join(dir, "notes.pt"), "--out", join(dir, "y")]);
  assert.equal(foreign.code, 3); // damaged or malformed input (docs/RELIABILITY.md §4)
  assert.match(foreign.err, /not a PyTorch ZIP checkpoint/);
  // a truncated model.safetensors in an otherwise good export
  const mlm = randomModel("mlm", SMALL, 32);
  writeRun(join(dir, "mlm"), "mlm", mlm);
  mlm.dispose();
  assert.equal(await main(["export", "--run", join(dir, "mlm"), "--out", join(dir, "hf")]), 0);
  const st = readFileSync(join(dir, "hf", "model.safetensors"));
  writeFileSync(join(dir, "hf", "model.safetensors"), st.subarray(0, st.length - 100));
  const cut = await cli(["import", "--from", join(dir, "hf"), "--out", join(dir, "z")]);
  assert.equal(cut.code, 3);
  assert.match(cut.err, /model\.safetensors: tensor \S+ has invalid data_offsets/);
  for (const r of [ex, fmt, missing, foreign, cut]) assert.doesNotMatch(r.err, /\n\s+at /);
});

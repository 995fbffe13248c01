// Export → import round trips (bit-exact), refusals, and an imported run used by score and transfer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../../src/torch/index.js";
import { exportHf } from "../../src/interop/export.js";
import { importModel } from "../../src/interop/import.js";
import { loadModel } from "../../src/eval/load.js";
import { UserError } from "../../src/core/errors.js";
import { encode, MASK } from "../../src/data/tokenizer.js";
import { readFastaRecords } from "../../src/data/fasta.js";
import { main } from "../../src/cli/main.js";
import { SWISSPROT_SAMPLE } from "../data/helpers.js";
import { SMALL, logitsOf, randomModel, tmp, writeRun } from "./helpers.js";

function weights(dir: string): Map<string, { dtype: string; shape: number[]; bytes: Buffer }> {
  const { tensors } = torch.loadSafetensors(join(dir, "model.safetensors"));
  const out = new Map<string, { dtype: string; shape: number[]; bytes: Buffer }>();
  for (const [k, t] of tensors) out.set(k, { dtype: t.dtype, shape: t.shape, bytes: Buffer.from(t.bytes()) });
  torch.dispose([...tensors.values()]);
  return out;
}

function checkpointWeights(run: string) {
  return weights(loadModel(run).checkpoint);
}

for (const objective of ["mlm", "clm"] as const) {
  const cfg = objective === "mlm" ? { ...SMALL, tokenDropout: true } : { ...SMALL, head: "linear" as const };
  test(`${objective}: export → import is bit-exact in fp32 and the imported logits equal the original`, () => {
    const dir = tmp("plmscale-roundtrip-");
    const model = randomModel(objective, cfg, 21);
    writeRun(join(dir, "run"), objective, model);
    const ex = exportHf(join(dir, "run"), join(dir, "hf"), { version: "test" });
    assert.equal(ex.architecture, objective === "mlm" ? "EsmForMaskedLM" : "GPTNeoXForCausalLM");
    const hfConfig = JSON.parse(readFileSync(join(dir, "hf", "config.json"), "utf8"));
    assert.equal(hfConfig.model_type, objective === "mlm" ? "esm" : "gpt_neox");
    assert.equal(hfConfig.num_attention_heads, 4);
    if (objective === "mlm") assert.equal(hfConfig.token_dropout, true);
    assert.deepEqual(readFileSync(join(dir, "hf", "vocab.txt"), "utf8").trim().split("\n").length, 33);
    const imp = importModel(join(dir, "hf"), join(dir, "back"), { version: "test" });
    assert.equal(imp.objective, objective);
    assert.deepEqual({ ...imp.model }, { ...cfg, tokenDropout: objective === "mlm", head: objective === "mlm" ? "esm" : "linear" });
    const a = checkpointWeights(join(dir, "run")), b = checkpointWeights(join(dir, "back"));
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [k, v] of a) assert.ok(v.bytes.equals(b.get(k)!.bytes), `${k} differs after the round trip`);
    const back = loadModel(join(dir, "back")).model;
    const ids = [...encode("MKTAYIAKQRQISFVKSHFSRQ")];
    ids[4] = MASK;
    assert.deepEqual(logitsOf(back, ids), logitsOf(model, ids));
    back.dispose();
    model.dispose();
  });

  test(`${objective}: bf16 export → import → bf16 export writes the same tensors`, () => {
    const dir = tmp("plmscale-roundtrip-");
    const model = randomModel(objective, cfg, 22);
    writeRun(join(dir, "run"), objective, model);
    exportHf(join(dir, "run"), join(dir, "hf1"), { version: "test", dtype: "bfloat16" });
    importModel(join(dir, "hf1"), join(dir, "back"), { version: "test" });
    exportHf(join(dir, "back"), join(dir, "hf2"), { version: "test", dtype: "bfloat16" });
    const a = weights(join(dir, "hf1")), b = weights(join(dir, "hf2"));
    assert.ok(a.size > 10);
    let bf16 = 0;
    for (const [k, v] of a) {
      assert.ok(v.bytes.equals(b.get(k)!.bytes), `${k} differs`);
      if (v.dtype === "bfloat16") bf16++;
    }
    assert.ok(bf16 >= a.size - SMALL.layers, "all but the rotary buffers are bf16");
    model.dispose();
  });
}

test("export refuses what transformers cannot load without custom code, naming the fix", () => {
  const dir = tmp("plmscale-roundtrip-");
  const clm = randomModel("clm", SMALL, 23);
  writeRun(join(dir, "clm-esm-head"), "clm", clm);
  assert.throws(() => exportHf(join(dir, "clm-esm-head"), join(dir, "x"), { version: "t" }), (e: Error) => e instanceof UserError && /--head linear/.test(e.message));
  const sw = randomModel("mlm", { ...SMALL, activation: "swiglu" }, 24);
  writeRun(join(dir, "swiglu"), "mlm", sw);
  assert.throws(() => exportHf(join(dir, "swiglu"), join(dir, "y"), { version: "t" }), /SwiGLU/);
  assert.equal(existsSync(join(dir, "x")), false);
  clm.dispose();
  sw.dispose();
});

test("an imported run is scored by `plmscale score` and continued by `plmscale transfer` on a real FASTA", async () => {
  const dir = tmp("plmscale-roundtrip-");
  const model = randomModel("mlm", { ...SMALL, tokenDropout: true, context: 128 }, 25);
  writeRun(join(dir, "run"), "mlm", model);
  exportHf(join(dir, "run"), join(dir, "hf"), { version: "test" });
  const code = await main(["import", "--from", join(dir, "hf"), "--out", join(dir, "imported"), "--json"]);
  assert.equal(code, 0);
  const recs = (await readFastaRecords(SWISSPROT_SAMPLE)).filter((r) => r.seq.length < 60).slice(0, 2);
  assert.equal(recs.length, 2);
  const fasta = join(dir, "two.fasta");
  writeFileSync(fasta, recs.map((r) => `>${r.id}\n${r.seq}\n`).join(""));
  const outs: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  (process.stdout as { write: unknown }).write = (s: string) => (outs.push(String(s)), true);
  let scoreCode: number;
  try {
    scoreCode = await main(["score", "--run", join(dir, "imported"), "--fasta", fasta, "--json"]);
  } finally {
    (process.stdout as { write: unknown }).write = write;
  }
  assert.equal(scoreCode, 0);
  const res = JSON.parse(outs.join("")) as { rows: { logLikelihood: number }[] };
  // the same pseudo-log-likelihood as the original run gives
  const { pseudoLogLikelihood } = await import("../../src/eval/index.js");
  for (const [i, r] of recs.entries()) assert.ok(Math.abs(res.rows[i]!.logLikelihood - pseudoLogLikelihood(model, r.seq).logLikelihood) < 1e-6);
  const t = await main(["transfer", "--from", join(dir, "imported"), "--objective", "mlm", "--data", SWISSPROT_SAMPLE, "--tokens", "1024",
    "--batch-tokens", "512", "--eval-tokens", "256", "--out", join(dir, "continued"), "--quiet", "--json", "--threads", "1"]);
  assert.equal(t, 0);
  const result = JSON.parse(readFileSync(join(dir, "continued", "result.json"), "utf8"));
  assert.equal(result.init.from, join(dir, "imported"));
  assert.equal(JSON.parse(readFileSync(join(dir, "continued", "config.json"), "utf8")).model.tokenDropout, true);
  model.dispose();
});

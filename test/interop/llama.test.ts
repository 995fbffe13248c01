// A llama-family CLM as transformers' LlamaForCausalLM: the export's files and names, logits of an independent
// reimplementation of LlamaForCausalLM (test/interop/py/reference.py on python3-torch) within 1e-4 in fp32 with
// greedy decoding identical, a bit-exact import back, and refusals where no exact equivalent exists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { exportHf, exportBlocker } from "../../src/interop/export.js";
import { importModel } from "../../src/interop/import.js";
import { loadModel } from "../../src/eval/load.js";
import { decodeSafetensors } from "../../src/torch/index.js";
import { encode, EOS } from "../../src/data/tokenizer.js";
import type { ModelConfig } from "../../src/model/config.js";
import type { ProteinLM } from "../../src/model/index.js";
import { SMALL, logitsOf, maxAbsDiff, pythonWithTorch, randomModel, referenceLogits, tmp, writeRun } from "./helpers.js";

const skip = pythonWithTorch() ? false : "python3 with torch (Debian python3-torch) is not installed";
const TOL = 1e-4;
const LLAMA: ModelConfig = { ...SMALL, family: "llama", activation: "swiglu", bias: false, head: "linear", ffn: 96, context: 96 };
const SEQS = [[...encode("MKTAYIAKQRQISFVKSHFSRQ")], [...encode("GSHMLEDPVDAFQ")],
  [...encode("MDLSALRVEEVQNVINAMQKILECPICLELIKEPVSTKCDHIFCKFCMLKLLNQKKGPSQCPLCKNDITKRSLQESTRF")]];

function greedy(model: ProteinLM, prompt: number[], maxNew: number): number[] {
  const ids = [...prompt];
  for (let i = 0; i < maxNew; i++) {
    const l = logitsOf(model, ids);
    const last = l.subarray(l.length - 33);
    let best = 0;
    for (let v = 1; v < 33; v++) if (last[v]! > last[best]!) best = v;
    ids.push(best);
    if (best === EOS) break;
  }
  return ids;
}

for (const [name, cfg] of [
  ["2×32, 4 heads, no biases", LLAMA],
  ["3×48, 3 heads, with biases", { ...LLAMA, layers: 3, dModel: 48, heads: 3, ffn: 128, bias: true }],
] as const) {
  test(`llama CLM export ${name}: LlamaForCausalLM reference logits within ${TOL}, greedy decoding identical`, { skip }, (t) => {
    const dir = tmp("plmscale-llama-");
    const model = randomModel("clm", cfg, 21);
    writeRun(join(dir, "run"), "clm", model);
    const r = exportHf(join(dir, "run"), join(dir, "hf"), { version: "test" });
    assert.equal(r.architecture, "LlamaForCausalLM");
    const prompt = [...encode("MKT")].slice(0, -1);
    const ref = referenceLogits(join(dir, "hf"), dir, SEQS, { prompt, maxNew: 20 });
    let worst = 0;
    SEQS.forEach((ids, i) => (worst = Math.max(worst, maxAbsDiff(logitsOf(model, ids), ref.logits[i]!))));
    t.diagnostic(`max |Δlogit| = ${worst.toExponential(2)}`);
    assert.ok(worst < TOL, `max |Δlogit| ${worst}`);
    const ours = greedy(model, prompt, 20);
    assert.ok(ours.length > prompt.length + 3);
    assert.deepEqual(ref.greedy, ours);
    model.dispose();
  });
}

test("llama export: config.json and tensor names of LlamaForCausalLM; import back is bit-exact", () => {
  const dir = tmp("plmscale-llama-");
  const cfg: ModelConfig = { ...LLAMA, bias: true };
  const model = randomModel("clm", cfg, 22);
  writeRun(join(dir, "run"), "clm", model);
  exportHf(join(dir, "run"), join(dir, "hf"), { version: "test" });
  const hf = JSON.parse(readFileSync(join(dir, "hf", "config.json"), "utf8"));
  assert.deepEqual(
    [hf.architectures, hf.model_type, hf.hidden_size, hf.intermediate_size, hf.num_hidden_layers, hf.num_attention_heads, hf.num_key_value_heads, hf.head_dim],
    [["LlamaForCausalLM"], "llama", 32, 96, 2, 4, 4, 8],
  );
  assert.deepEqual([hf.hidden_act, hf.rms_norm_eps, hf.rope_theta, hf.tie_word_embeddings, hf.attention_bias, hf.mlp_bias], ["silu", 1e-6, 10000, true, true, true]);
  const st = decodeSafetensors(readFileSync(join(dir, "hf", "model.safetensors"))).tensors;
  const names = [...st.keys()].sort();
  const perLayer = ["input_layernorm.weight", "mlp.down_proj.bias", "mlp.down_proj.weight", "mlp.gate_proj.bias", "mlp.gate_proj.weight", "mlp.up_proj.bias", "mlp.up_proj.weight",
    "post_attention_layernorm.weight", "self_attn.k_proj.bias", "self_attn.k_proj.weight", "self_attn.o_proj.bias", "self_attn.o_proj.weight",
    "self_attn.q_proj.bias", "self_attn.q_proj.weight", "self_attn.v_proj.bias", "self_attn.v_proj.weight"];
  assert.deepEqual(names, ["lm_head.weight", "model.embed_tokens.weight", ...[0, 1].flatMap((i) => perLayer.map((n) => `model.layers.${i}.${n}`)), "model.norm.weight"].sort());
  assert.deepEqual(st.get("model.layers.1.mlp.gate_proj.weight")!.shape, [96, 32]);
  assert.deepEqual(st.get("model.layers.1.mlp.down_proj.weight")!.shape, [32, 96]);
  // gate_proj is fc1's first half, up_proj its second (the SwiGLU gate is the first chunk)
  const fc1 = model.stateDict().get("layers.1.ffn.fc1.weight")!;
  assert.deepEqual([...st.get("model.layers.1.mlp.up_proj.weight")!.data()], [...fc1.narrow(0, 96, 96).contiguous().data()]);
  for (const t of st.values()) t.dispose();

  const back = importModel(join(dir, "hf"), join(dir, "back"), { version: "test" });
  assert.equal(back.format, "hf-llama");
  assert.equal(back.N, model.nonEmbeddingParams());
  assert.deepEqual({ ...back.model, context: LLAMA.context }, { ...cfg, dropout: 0 });
  const loaded = loadModel(join(dir, "back")).model;
  const a = model.stateDict(), b = loaded.stateDict();
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [k, t] of a) assert.ok(Buffer.from(t.contiguous().bytes()).equals(Buffer.from(b.get(k)!.contiguous().bytes())), `${k} differs after export → import`);
  loaded.dispose();
  model.dispose();
});

test("llama: no exact transformers equivalent → refused; a config plmscale's block differs from → import refused", () => {
  assert.match(exportBlocker("mlm", { ...LLAMA, head: "esm" })!, /llama-family MLM/);
  assert.match(exportBlocker("clm", { ...LLAMA, activation: "gelu" })!, /gated \(SwiGLU\)/);
  assert.match(exportBlocker("clm", { ...LLAMA, head: "esm" })!, /--head linear/);
  assert.equal(exportBlocker("clm", LLAMA), null);
  const dir = tmp("plmscale-llama-");
  const model = randomModel("clm", LLAMA, 23);
  writeRun(join(dir, "run"), "clm", model);
  model.dispose();
  exportHf(join(dir, "run"), join(dir, "hf"), { version: "test" });
  const path = join(dir, "hf", "config.json");
  const hf = JSON.parse(readFileSync(path, "utf8"));
  for (const [key, value, message] of [["rms_norm_eps", 1e-5, /rms_norm_eps is 0.00001/], ["num_key_value_heads", 2, /grouped-query/], ["rope_theta", 500000, /rope_theta/]] as const) {
    writeFileSync(path, JSON.stringify({ ...hf, [key]: value }));
    assert.throws(() => importModel(join(dir, "hf"), join(dir, `bad-${key}`), { version: "test" }), message);
  }
});

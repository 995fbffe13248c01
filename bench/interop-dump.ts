// Step 1 of bench/device-interop.sh (UNTESTED against transformers here: it has never run on a machine with
// the `transformers` package). Makes runs with random weights (two MLM and two CLM shapes), exports each with
// `plmscale export`, and writes what plmscale computes for a few sequences (logits, greedy continuation)
// next to the export, for bench/device-interop.py to compare with transformers.
// Usage: node dist/bench/interop-dump.js OUT_DIR
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../src/torch/index.js";
import { createModel, type ProteinLM } from "../src/model/index.js";
import { parseTrainConfig } from "../src/train/config.js";
import type { ModelConfig } from "../src/model/config.js";
import type { Objective } from "../src/core/objective.js";
import { createRunDir } from "../src/train/rundir.js";
import { writeCheckpoint } from "../src/train/checkpoint.js";
import { MODEL_FILE, STATE_FILE } from "../src/train/state-io.js";
import { exportHf } from "../src/interop/export.js";
import { encode, EOS, MASK } from "../src/data/tokenizer.js";

const out = process.argv[2] ?? "interop-check";
const BASE: ModelConfig = { layers: 2, dModel: 64, heads: 4, ffn: 256, vocab: 33, context: 256, activation: "gelu", bias: true, dropout: 0 };
const CASES: Array<[string, Objective, ModelConfig]> = [
  ["mlm-2x64", "mlm", { ...BASE, tokenDropout: true }],
  ["mlm-4x96", "mlm", { ...BASE, layers: 4, dModel: 96, heads: 6, ffn: 384 }],
  ["clm-2x64", "clm", { ...BASE, head: "linear" }],
  ["clm-3x128", "clm", { ...BASE, layers: 3, dModel: 128, heads: 4, ffn: 512, head: "linear" }],
  // LlamaForCausalLM (RMSNorm, SwiGLU with the llama FFN rule, no biases / with biases)
  ["llama-2x64", "clm", { ...BASE, family: "llama", activation: "swiglu", bias: false, ffn: 192, head: "linear" }],
  ["llama-3x128-bias", "clm", { ...BASE, layers: 3, dModel: 128, heads: 4, ffn: 384, family: "llama", activation: "swiglu", bias: true, head: "linear" }],
];
const SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "GSHMLEDPVDAFQ", "MDLSALRVEEVQNVINAMQKILECPICLELIKEPVSTKCDHIFCKFCMLKLLNQKKGPSQCPLCKNDITKRSLQESTRF"];

function logits(m: ProteinLM, ids: number[]): number[] {
  return torch.noGrad(() => torch.tidy(() => {
    const T = ids.length;
    const x = { input: torch.tensor(Int32Array.from(ids), [1, T], { dtype: "int64" }), position: torch.arange(0, T).to("int64").reshape(1, T), mask: null };
    return [...new Float32Array(m.forward(x).contiguous().bytes().slice().buffer)];
  }));
}

for (const [name, objective, cfg] of CASES) {
  torch.manualSeed(7);
  const m = createModel(objective, cfg).eval();
  torch.noGrad(() => torch.tidy(() => {
    for (const [n, p] of m.namedParameters()) p.copy_(torch.randn(p.shape).mul(/norm|ln\d/.test(n) && n.endsWith("weight") ? 0.2 : 0.1).add(/norm|ln\d/.test(n) && n.endsWith("weight") ? 1 : 0));
  }));
  const run = join(out, name, "run");
  const config = parseTrainConfig({ objective, model: cfg, batchTokens: cfg.context * 4, data: { corpus: "" } });
  const paths = createRunDir(run, config);
  writeCheckpoint(paths.checkpoints, 0, (d) => {
    writeFileSync(join(d, MODEL_FILE), torch.encodeSafetensors(m.stateDict(), { format: "plmscale-1" }));
    writeFileSync(join(d, STATE_FILE), JSON.stringify({ step: 0, tokens: 0, flops: 0, sampler: null, elapsed: 0, trainLoss: 0, objective, N: m.nonEmbeddingParams() }));
  });
  exportHf(run, join(out, name, "hf"), { version: "device-check" });
  const inputs = SEQS.map((s, i) => {
    const ids = [...encode(s)];
    if (objective === "mlm") ids[2 + i] = ids[5 + 2 * i] = MASK;
    return ids;
  });
  const record: Record<string, unknown> = { objective, sequences: SEQS, ids: inputs, logits: inputs.map((ids) => logits(m, ids)) };
  if (objective === "clm") {
    const ids = [...encode("MKT")].slice(0, -1);
    for (let k = 0; k < 30; k++) {
      const l = logits(m, ids).slice(-33);
      const next = l.indexOf(Math.max(...l));
      ids.push(next);
      if (next === EOS) break;
    }
    record.greedy = ids;
  }
  mkdirSync(join(out, name), { recursive: true });
  writeFileSync(join(out, name, "plmscale.json"), JSON.stringify(record));
  m.dispose();
  console.log(`wrote ${join(out, name)}`);
}

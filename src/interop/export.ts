// plmscale run → Hugging Face model directory. An esm2 MLM becomes EsmForMaskedLM, an esm2 CLM with the
// "linear" head GPTNeoXForCausalLM (sequential residual, full rotary), a llama CLM LlamaForCausalLM
// (src/interop/llama.ts): transformers architectures whose blocks are plmscale's exactly. Configurations
// without an exact equivalent are refused, never approximated.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arange, dispose, encodeSafetensors, keep, tidy, type Tensor } from "../torch/index.js";
import { UserError } from "../core/errors.js";
import { loadModel } from "../eval/load.js";
import type { RunResult } from "../train/rundir.js";
import { readJson, writeDirAtomic } from "../core/files.js";
import type { ModelConfig } from "../model/config.js";
import type { Objective } from "../core/objective.js";
import type { ProteinLM } from "../model/index.js";
import { ESM_HF_LAYER, NEOX_LAYER, qkvToPerHead } from "./names.js";
import { llamaBlocker, llamaConfig, llamaTensors } from "./llama.js";
import { familyOf } from "../scaling/families.js";
import {
  esmConfig, generationConfig, modelCard, neoxConfig, specialTokensMap, tokenizerConfig, vocabTxt, ROTARY_BASE,
  HF_ARCHITECTURE, type HfDtype, type HfFamily,
} from "./hf-files.js";

export interface ExportOptions {
  dtype?: HfDtype;
  version: string;
  /** overwrite a non-empty output directory */
  force?: boolean;
}

export interface ExportResult {
  out: string;
  family: HfFamily;
  architecture: string;
  dtype: HfDtype;
  tensors: number;
  files: string[];
  checkpoint: string;
}

/** Why a model cannot be written as a transformers architecture without custom code (null: it can). */
export function exportBlocker(objective: Objective, m: ModelConfig): string | null {
  if (m.vocab !== 33) return `model.vocab is ${m.vocab}: the export writes ESM-2's 33-token vocabulary`;
  if (m.family === "llama") {
    if (familyOf(m).transformers[objective] === null) return "a llama-family MLM: transformers has no masked LM with RMSNorm/SwiGLU blocks (AMPLIFY's needs its own code); llama CLMs export as LlamaForCausalLM";
    return llamaBlocker(m);
  }
  if (m.activation !== "gelu") return `model.activation is ${m.activation}: neither EsmForMaskedLM nor GPTNeoXForCausalLM has a SwiGLU feed-forward`;
  const head = m.head ?? "esm";
  if (objective === "mlm" && head !== "esm") return `an MLM with head "${head}": EsmForMaskedLM has ESM-2's LM head (dense → GELU → LayerNorm → tied decoder + bias); train MLMs with the default head`;
  if (objective === "clm" && head !== "linear") {
    return 'a CLM with ESM-2\'s LM head (dense → GELU → LayerNorm → decoder + bias) has no equivalent among transformers\' causal-LM architectures; ' +
      'train CLMs meant for export with the GPT-NeoX head: --head linear (model.head "linear" in a --config)';
  }
  if (objective === "clm" && m.tokenDropout) return "a CLM with token dropout: GPT-NeoX has no token dropout";
  return null;
}

/** model.stateDict() (plmscale names) → transformers names and layouts, cast to `dtype`. Tensors are new. */
export function toHfTensors(model: ProteinLM, family: HfFamily, dtype: HfDtype): Map<string, Tensor> {
  return tidy(() => hfTensorsInScope(model, family, dtype)); // views and temporaries die here; `put` keeps the results
}

function hfTensorsInScope(model: ProteinLM, family: HfFamily, dtype: HfDtype): Map<string, Tensor> {
  const m = model.cfg;
  const sd = model.stateDict();
  const out = new Map<string, Tensor>();
  const put = (name: string, t: Tensor) => out.set(name, keep(tidy(() => t.to(dtype).contiguous().clone())));
  const get = (name: string): Tensor => {
    const t = sd.get(name);
    if (!t) throw new Error(`internal: the model has no parameter ${name}`);
    return t;
  };
  // a bias the model does not have is written as zeros: x·Wᵀ + 0 is exactly x·Wᵀ
  const biasOr = (name: string, rows: number) => sd.get(name) ?? get(name.replace(/bias$/, "weight")).narrow(1, 0, 1).reshape(rows).mul(0);
  const D = m.dModel, Dh = D / m.heads;
  if (family === "llama") llamaTensors(sd, m, put);
  else if (family === "esm") {
    put("esm.embeddings.word_embeddings.weight", get("embed.weight"));
    for (let i = 0; i < m.layers; i++) {
      const src = `layers.${i}.`, dst = `esm.encoder.layer.${i}.`;
      const w = get(`${src}attn.qkv.weight`), b = biasOr(`${src}attn.qkv.bias`, 3 * D);
      ["query", "key", "value"].forEach((n, j) => {
        put(`${dst}attention.self.${n}.weight`, w.narrow(0, j * D, D));
        put(`${dst}attention.self.${n}.bias`, b.narrow(0, j * D, D));
      });
      // HF's RotaryEmbedding keeps inv_freq as a persistent buffer: written as ESM-2's checkpoints have it
      const inv = tidy(() => arange(0, Dh, 2).to("float32").div(Dh).mul(-Math.log(ROTARY_BASE)).exp());
      out.set(`${dst}attention.self.rotary_embeddings.inv_freq`, keep(inv)); // stays float32, as the buffer
      for (const [ours, theirs] of Object.entries(ESM_HF_LAYER)) {
        put(`${dst}${theirs}.weight`, get(`${src}${ours}.weight`));
        const rows = get(`${src}${ours}.weight`).shape[0]!;
        put(`${dst}${theirs}.bias`, biasOr(`${src}${ours}.bias`, rows));
      }
    }
    put("esm.encoder.emb_layer_norm_after.weight", get("final_norm.weight"));
    put("esm.encoder.emb_layer_norm_after.bias", get("final_norm.bias"));
    put("lm_head.dense.weight", get("head.dense.weight"));
    put("lm_head.dense.bias", get("head.dense.bias"));
    put("lm_head.layer_norm.weight", get("head.norm.weight"));
    put("lm_head.layer_norm.bias", get("head.norm.bias"));
    // tied: written twice so that a transformers version that does not re-tie still has the right decoder
    put("lm_head.decoder.weight", get("embed.weight"));
    put("lm_head.bias", get("head.bias"));
  } else {
    put("gpt_neox.embed_in.weight", get("embed.weight"));
    for (let i = 0; i < m.layers; i++) {
      const src = `layers.${i}.`, dst = `gpt_neox.layers.${i}.`;
      const w = qkvToPerHead(get(`${src}attn.qkv.weight`), m.heads), b = qkvToPerHead(biasOr(`${src}attn.qkv.bias`, 3 * D), m.heads);
      put(`${dst}attention.query_key_value.weight`, w);
      put(`${dst}attention.query_key_value.bias`, b);
      for (const [ours, theirs] of Object.entries(NEOX_LAYER)) {
        put(`${dst}${theirs}.weight`, get(`${src}${ours}.weight`));
        put(`${dst}${theirs}.bias`, biasOr(`${src}${ours}.bias`, get(`${src}${ours}.weight`).shape[0]!));
      }
    }
    put("gpt_neox.final_layer_norm.weight", get("final_norm.weight"));
    put("gpt_neox.final_layer_norm.bias", get("final_norm.bias"));
    put("embed_out.weight", get("embed.weight"));
  }
  return out;
}

/** Write `run`'s newest good checkpoint as a transformers model directory `out`. */
export function exportHf(run: string, out: string, o: ExportOptions): ExportResult {
  const dtype = o.dtype ?? "float32";
  if (existsSync(out) && readdirSync(out).length > 0 && !o.force) throw new UserError(`--out ${out} exists and is not empty (give --force to overwrite)`, 2);
  const loaded = loadModel(run, { device: "cpu" });
  const { model, config } = loaded;
  try {
    const why = exportBlocker(config.objective, config.model);
    if (why) throw new UserError(`cannot export ${run}: ${why}`);
    const arch = familyOf(config.model).transformers[config.objective]!; // exportBlocker refused a null one
    const family = (Object.keys(HF_ARCHITECTURE) as HfFamily[]).find((f) => HF_ARCHITECTURE[f] === arch)!;
    const tensors = toHfTensors(model, family, dtype);
    const files: Record<string, string | Uint8Array> = {};
    const count = tensors.size;
    try {
      // transformers refuses a safetensors file whose metadata lacks format "pt"
      files["model.safetensors"] = encodeSafetensors(tensors, { format: "pt", producer: `plmscale ${o.version}` });
    } finally {
      dispose([...tensors.values()]);
    }
    const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";
    files["config.json"] = json(family === "esm" ? esmConfig(config.model, dtype) : family === "llama" ? llamaConfig(config.model, dtype) : neoxConfig(config.model, dtype));
    if (family !== "esm") files["generation_config.json"] = json(generationConfig());
    files["vocab.txt"] = vocabTxt();
    files["tokenizer_config.json"] = json(tokenizerConfig(config.model.context));
    files["special_tokens_map.json"] = json(specialTokensMap());
    const runDir = loaded.checkpoint.replace(/\/checkpoints\/[^/]+\/?$/, "");
    const result = existsSync(join(runDir, "result.json")) ? readJson<RunResult>(join(runDir, "result.json"), "result.json") : null;
    files["README.md"] = modelCard({
      objective: config.objective, family, model: config.model, dtype, N: model.nonEmbeddingParams(), Ntotal: model.numParameters(),
      tokens: result?.D, flops: result?.C, valLoss: result?.valLoss, corpus: config.data.corpus || undefined, version: o.version, run,
    });
    // whole or absent: a full disk leaves neither a truncated model.safetensors nor a non-empty --out
    writeDirAtomic(out, (dir) => {
      for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
    });
    return { out, family, architecture: HF_ARCHITECTURE[family], dtype, tensors: count, files: Object.keys(files).sort(), checkpoint: loaded.checkpoint };
  } finally {
    model.dispose();
  }
}

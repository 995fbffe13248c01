// Hugging Face ESM-2 / GPT-NeoX / Llama directories, fair-esm .pt checkpoints and state dicts → a plmscale run
// directory (config.json + checkpoints/step-00000000 + import.json) that score, embed, generate, transfer and
// `train`'s init (continued training) accept. Every tensor is either mapped, or dropped by name with a reason
// (contact head, rotary buffers), or the import is refused: nothing is lost silently.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { writeDirAtomic } from "../core/files.js";
import { cat, dispose, encodeSafetensors, noGrad, tidy, type Tensor } from "../torch/index.js";
import { UserError } from "../core/errors.js";
import { createModel } from "../model/index.js";
import { defaultConfig, parseTrainConfig, type TrainConfig } from "../train/config.js";
import type { ModelConfig } from "../model/config.js";
import type { Objective } from "../core/objective.js";
import { createRunDir } from "../train/rundir.js";
import { writeCheckpoint } from "../train/checkpoint.js";
import { MODEL_FILE, STATE_FILE, type TrainState } from "../train/state-io.js";
import { ESM_FAIR_LAYER, ESM_HF_LAYER, NEOX_LAYER, countLayers, qkvFromPerHead, type SourceTensors } from "./names.js";
import { LAYER_NORM_EPS, ROTARY_BASE } from "./hf-files.js";
import { openSource } from "./sources.js";
import { llamaModelConfig, llamaStateDict } from "./llama.js";

export type SourceFormat = "hf-esm" | "hf-gpt-neox" | "hf-llama" | "fair-esm" | "esm-state-dict";

export interface ImportOptions {
  heads?: number;
  context?: number;
  version: string;
}

export interface ImportResult {
  out: string;
  format: SourceFormat;
  objective: Objective;
  model: ModelConfig;
  N: number;
  dropped: Array<{ name: string; why: string }>;
  checkpoint: string;
}

/** ESM-2's published shapes (layers × width → heads), for checkpoints that do not record their heads. */
const ESM2_HEADS: Record<string, number> = { "6x320": 20, "12x480": 20, "30x640": 20, "33x1280": 20, "36x2560": 40, "48x5120": 40 };
const ESM2_CONTEXT = 1026;

interface Plan {
  format: SourceFormat;
  objective: Objective;
  layers: number;
  prefix: string;
  layerPrefix: string;
  layerMap: Record<string, string>;
  /** layer-local names of q, k, v (separate) or of the fused per-head projection */
  qkv: { sep: [string, string, string] } | { fused: string };
  embed: string;
  tiedCopy: string | null;
  finalNorm: string;
  head: { dense: string; norm: string; bias: string } | null;
  ignorable: RegExp;
}

function planFor(names: string[], hf: Record<string, unknown> | null): Plan {
  const has = (n: string) => names.includes(n);
  if (hf?.model_type === "gpt_neox" || has("gpt_neox.embed_in.weight")) {
    return {
      format: "hf-gpt-neox", objective: "clm", prefix: "gpt_neox.", layerPrefix: "gpt_neox.layers.", layers: countLayers(names, "gpt_neox.layers."),
      layerMap: NEOX_LAYER, qkv: { fused: "attention.query_key_value" }, embed: "gpt_neox.embed_in.weight", tiedCopy: "embed_out.weight",
      finalNorm: "gpt_neox.final_layer_norm", head: null, ignorable: /\.attention\.(bias|masked_bias|rotary_emb\.inv_freq)$/,
    };
  }
  const hfPrefix = has("esm.embeddings.word_embeddings.weight") ? "esm." : has("embeddings.word_embeddings.weight") ? "" : null;
  if (hfPrefix !== null) {
    return {
      format: hf ? "hf-esm" : "esm-state-dict", objective: "mlm", prefix: hfPrefix, layerPrefix: `${hfPrefix}encoder.layer.`, layers: countLayers(names, `${hfPrefix}encoder.layer.`),
      layerMap: ESM_HF_LAYER, qkv: { sep: ["attention.self.query", "attention.self.key", "attention.self.value"] }, embed: `${hfPrefix}embeddings.word_embeddings.weight`,
      tiedCopy: "lm_head.decoder.weight", finalNorm: `${hfPrefix}encoder.emb_layer_norm_after`, head: { dense: "lm_head.dense", norm: "lm_head.layer_norm", bias: "lm_head.bias" },
      ignorable: /(^|\.)contact_head\.|(^|\.)pooler\.|rotary_embeddings\.inv_freq$|embeddings\.position_ids$/,
    };
  }
  if (has("embed_tokens.weight")) {
    if (names.some((n) => n.includes("embed_positions"))) throw new UserError("this fair-esm checkpoint has learned absolute position embeddings (ESM-1b/ESM-1v); only ESM-2 (rotary) imports");
    return {
      format: "fair-esm", objective: "mlm", prefix: "", layerPrefix: "layers.", layers: countLayers(names, "layers."),
      layerMap: ESM_FAIR_LAYER, qkv: { sep: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"] }, embed: "embed_tokens.weight",
      tiedCopy: "lm_head.weight", finalNorm: "emb_layer_norm_after",
      head: { dense: "lm_head.dense", norm: "lm_head.layer_norm", bias: "lm_head.bias" },
      ignorable: /(^|\.)contact_head\.|rot_emb\.inv_freq$/,
    };
  }
  throw new UserError(`unrecognised parameter names (first: ${names.slice(0, 3).join(", ")}): expected Hugging Face ESM-2 (esm.*), GPT-NeoX (gpt_neox.*) or fair-esm ESM-2 (encoder.sentence_encoder.*)`);
}

function requireEq(what: string, got: unknown, want: unknown): void {
  const same = typeof want === "number" && typeof got === "number" ? Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)) : got === want;
  if (!same) throw new UserError(`config.json ${what} is ${JSON.stringify(got)}; plmscale's blocks need ${JSON.stringify(want)}, so this model cannot be imported exactly`);
}

/** fair-esm's names carry fairseq's module path ("encoder.sentence_encoder.layers.0…", "encoder.lm_head…");
 *  strip it as fair-esm's own upgrade_state_dict does, so one table serves both. */
function stripFairseqPrefix(src: SourceTensors): SourceTensors {
  const original = new Map<string, string>();
  for (const n of src.names()) original.set(n.replace(/^(encoder\.sentence_encoder\.|encoder\.)/, ""), n);
  if (!original.has("embed_tokens.weight") || original.size !== src.names().length) return src;
  return { names: () => [...original.keys()], get: (n) => src.get(original.get(n) ?? n) };
}

/** Check the parts of a config.json plmscale's model fixes, and read the token dropout flag. */
function checkHfConfig(hf: Record<string, unknown>, format: SourceFormat): { tokenDropout: boolean; context?: number; heads?: number } {
  requireEq("hidden_act", hf.hidden_act ?? "gelu", "gelu");
  requireEq("layer_norm_eps", hf.layer_norm_eps ?? LAYER_NORM_EPS, LAYER_NORM_EPS);
  requireEq("vocab_size", hf.vocab_size, 33);
  if (format === "hf-esm") {
    requireEq("position_embedding_type", hf.position_embedding_type, "rotary");
    requireEq("emb_layer_norm_before", hf.emb_layer_norm_before ?? false, false);
    requireEq("is_folding_model", hf.is_folding_model ?? false, false);
  } else {
    requireEq("use_parallel_residual", hf.use_parallel_residual, false);
    requireEq("rotary_pct", hf.rotary_pct ?? hf.partial_rotary_factor ?? 1, 1);
    requireEq("rotary base", hf.rope_theta ?? hf.rotary_emb_base ?? ROTARY_BASE, ROTARY_BASE);
    if (hf.rope_scaling != null) throw new UserError("config.json rope_scaling is set; plmscale's rotary embeddings are unscaled");
  }
  return { tokenDropout: hf.token_dropout === true, context: num(hf.max_position_embeddings), heads: num(hf.num_attention_heads) };
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** Source tensors → plmscale state dict (new tensors, float32) following `plan`; records what was dropped. */
function mapTensors(src: SourceTensors, plan: Plan, heads: number, dropped: ImportResult["dropped"]): Map<string, Tensor> {
  const names = src.names();
  const used = new Set<string>();
  const out = new Map<string, Tensor>();
  const take = (n: string): Tensor => {
    if (!names.includes(n)) throw new UserError(`the checkpoint has no ${n}`);
    used.add(n);
    return src.get(n);
  };
  const put = (ours: string, t: Tensor) => out.set(ours, tidy(() => t.to("float32").contiguous()));
  const pair = (ours: string, theirs: string) => {
    for (const s of ["weight", "bias"]) {
      const t = take(`${theirs}.${s}`);
      put(`${ours}.${s}`, t);
      t.dispose();
    }
  };
  const embed = take(plan.embed);
  put("embed.weight", embed);
  if (plan.tiedCopy && names.includes(plan.tiedCopy)) {
    const dec = take(plan.tiedCopy);
    const same = tidy(() => dec.shape.join() === embed.shape.join() && dec.to("float32").eq(embed.to("float32")).all().item() === 1);
    dec.dispose();
    if (!same) throw new UserError(`${plan.tiedCopy} differs from ${plan.embed}: plmscale ties the output layer to the embedding, so an untied model cannot be imported exactly`);
  }
  embed.dispose();
  for (let i = 0; i < plan.layers; i++) {
    const lp = `${plan.layerPrefix}${i}.`;
    for (const s of ["weight", "bias"]) {
      if ("sep" in plan.qkv) {
        const parts = plan.qkv.sep.map((n) => take(`${lp}${n}.${s}`));
        put(`layers.${i}.attn.qkv.${s}`, tidy(() => cat(parts, 0)));
        dispose(parts);
      } else {
        const t = take(`${lp}${plan.qkv.fused}.${s}`);
        put(`layers.${i}.attn.qkv.${s}`, tidy(() => qkvFromPerHead(t, heads)));
        t.dispose();
      }
    }
    for (const [ours, theirs] of Object.entries(plan.layerMap)) pair(`layers.${i}.${ours}`, `${lp}${theirs}`);
  }
  pair("final_norm", plan.finalNorm);
  if (plan.head) {
    pair("head.dense", plan.head.dense);
    pair("head.norm", plan.head.norm);
    const bias = take(plan.head.bias);
    put("head.bias", bias);
    bias.dispose();
  }
  const unknown: string[] = [];
  for (const n of names) {
    if (used.has(n)) continue;
    if (plan.ignorable.test(n)) dropped.push({ name: n, why: /contact_head/.test(n) ? "contact-prediction head (plmscale's model has none)" : /pooler/.test(n) ? "EsmModel's pooler (unused by the LM)" : "rotary/position buffer (plmscale computes it)" });
    else unknown.push(n);
  }
  if (unknown.length) {
    dispose([...out.values()]);
    throw new UserError(`the checkpoint holds tensors plmscale has no place for: ${unknown.slice(0, 8).join(", ")}${unknown.length > 8 ? ` and ${unknown.length - 8} more` : ""}`);
  }
  return out;
}

/** Import `from` into a new run directory `out`. */
export function importModel(from: string, out: string, o: ImportOptions): ImportResult {
  const source = openSource(from);
  try {
    const tensors = source.hfConfig ? source.tensors : stripFairseqPrefix(source.tensors);
    const names = tensors.names();
    if (source.hfConfig?.model_type === "llama" || names.includes("model.embed_tokens.weight")) {
      if (!source.hfConfig) throw new UserError(`${source.weightsFile}: a Llama state dict without its config.json; import the model directory`);
      const model = llamaModelConfig(source.hfConfig, names, o.context);
      return writeImport(from, out, o, "hf-llama", "clm", model, llamaStateDict(tensors, model), [], source.weightsFile);
    }
    const plan = planFor(names, source.hfConfig);
    if (plan.layers === 0) throw new UserError(`${source.weightsFile}: no transformer layers found`);
    const fromCfg = source.hfConfig ? checkHfConfig(source.hfConfig, plan.format) : null;
    const fair = source.fairArgs;
    const embedShape = tensors.get(plan.embed);
    const [vocab, dModel] = embedShape.shape as [number, number];
    embedShape.dispose();
    if (vocab !== 33) throw new UserError(`the embedding has ${vocab} rows; plmscale uses ESM-2's 33-token vocabulary`);
    const heads = o.heads ?? fromCfg?.heads ?? num(fair?.encoder_attention_heads) ?? ESM2_HEADS[`${plan.layers}x${dModel}`];
    if (!heads) throw new UserError(`the checkpoint does not record its number of attention heads (${plan.layers} layers × ${dModel}); give --heads H`, 2);
    if (dModel % heads !== 0 || (dModel / heads) % 2 !== 0) throw new UserError(`--heads ${heads} does not divide d = ${dModel} into even head sizes`, 2);
    const tokenDropout = fromCfg ? fromCfg.tokenDropout : plan.format === "fair-esm" ? fair?.token_dropout !== false : false; // every ESM-2 was trained with it
    const dropped: ImportResult["dropped"] = [];
    const sd = mapTensors(tensors, plan, heads, dropped);
    const ffn = sd.get("layers.0.ffn.fc1.weight")!.shape[0]!;
    const context = o.context ?? fromCfg?.context ?? ESM2_CONTEXT;
    const model: ModelConfig = {
      layers: plan.layers, dModel, heads, ffn, vocab, context, activation: "gelu", bias: true, dropout: 0,
      tokenDropout, head: plan.head ? "esm" : "linear",
    };
    return writeImport(from, out, o, plan.format, plan.objective, model, sd, dropped, source.weightsFile);
  } finally {
    source.close();
  }
}

/** A run directory holding the mapped state dict `sd` (consumed) as its step-0 checkpoint. */
function writeImport(
  from: string, out: string, o: ImportOptions, format: SourceFormat, objective: Objective, model: ModelConfig,
  sd: Map<string, Tensor>, dropped: ImportResult["dropped"], weightsFile: string,
): ImportResult {
  const context = model.context;
  const base = defaultConfig();
  const config: TrainConfig = parseTrainConfig({
    objective,
    model,
    batchTokens: context * Math.max(1, Math.round(base.batchTokens / context)),
    data: { corpus: "" },
  });
  const m = createModel(objective, config.model, "cpu");
  try {
    try {
      noGrad(() => m.loadStateDict(sd, true));
    } catch (e) {
      throw new UserError(`the checkpoint does not fit a ${model.layers}×${model.dModel} model with ${model.heads} heads: ${(e as Error).message}`);
    } finally {
      dispose([...sd.values()]);
    }
    // refused before any work, as createRunDir would; the run is then built in a temp sibling and renamed
    if (existsSync(out) && readdirSync(out).length > 0) {
      const held = existsSync(join(out, "config.json")) ? " already holds a run (choose another --out)" : " exists and is not empty";
      throw new UserError(`--out: ${out}${held}`, 2);
    }
    const N = m.nonEmbeddingParams();
    const state: TrainState = { step: 0, tokens: 0, flops: 0, sampler: null, elapsed: 0, trainLoss: Number.NaN, objective, N };
    const result = writeDirAtomic(out, (tmp): ImportResult => {
      const paths = createRunDir(tmp, config);
      const ck = writeCheckpoint(paths.checkpoints, 0, (dir) => {
        writeFileSync(join(dir, MODEL_FILE), encodeSafetensors(m.stateDict(), { config: JSON.stringify(config), format: "plmscale-1" }));
        writeFileSync(join(dir, STATE_FILE), JSON.stringify(state, null, 1));
      });
      const r: ImportResult = { out, format, objective, model: config.model, N, dropped, checkpoint: join(out, relative(tmp, ck.dir)) };
      writeFileSync(join(tmp, "import.json"), JSON.stringify({ from, weights: weightsFile, ...r, version: o.version, time: new Date().toISOString() }, null, 2) + "\n");
      return r;
    });
    return result;
  } finally {
    m.dispose();
  }
}

// Declarations of export and import (models in and out, src/interop/); the run code loads on demand.
import { defineCommand, defineOptions } from "../command.js";

export const EXPORT_OPTIONS = defineOptions({
  run: { type: "path", exists: true, value: "RUN", required: true, description: "a run directory or one of its checkpoint directories" },
  format: { type: "enum", choices: ["hf"], value: "hf", default: "hf", description: "the output format (only hf so far)" },
  out: { type: "path", value: "DIR", required: true, description: "the directory to write" },
  dtype: { type: "enum", choices: ["float32", "bfloat16"], value: "float32|bfloat16", default: "float32", description: "weights' dtype" },
  force: { type: "boolean", description: "write into a non-empty DIR" },
});

export const exportCommand = defineCommand({
  name: "export",
  summary: "write a run as a Hugging Face transformers model directory (EsmForMaskedLM / GPTNeoXForCausalLM / LlamaForCausalLM)",
  usage: ["--run RUN --format hf --out DIR [--dtype float32|bfloat16] [--force] [--json]"],
  description: `Writes the run's newest good checkpoint as a directory that transformers loads with no custom code:
config.json, model.safetensors (transformers' parameter names), vocab.txt and tokenizer files, README.md
(model card: shape, tokens, FLOPs, final loss). An MLM becomes EsmForMaskedLM (token_dropout as trained);
a CLM becomes GPTNeoXForCausalLM (sequential residual, full rotary) and needs the linear head
(train it with 'plmscale train --head linear'): ESM-2's LM head has no causal-LM equivalent in transformers.
A llama-family CLM ('plmscale train --family llama --objective clm') becomes LlamaForCausalLM. esm2 models
with SwiGLU and llama-family MLMs are refused.`,
  options: EXPORT_OPTIONS,
  examples: ["plmscale export --run runs/mlm-8M --format hf --out hf/mlm-8M"],
  engine: true,
  load: () => import("../commands/export.js"),
});

export const importCommand = defineCommand({
  name: "import",
  summary: "import an ESM-2 (Hugging Face or fair-esm) or exported model as a run directory",
  usage: ["--from DIR|FILE --out RUN [--heads H] [--context T] [--json]"],
  description: `Reads, without executing anything:
  DIR    a Hugging Face model directory: EsmForMaskedLM (ESM-2, e.g. facebook/esm2_t6_8M_UR50D) or a
         plmscale export (EsmForMaskedLM / GPTNeoXForCausalLM / LlamaForCausalLM without grouped-query
         attention or rope scaling, rms_norm_eps 1e-6), weights in model.safetensors or pytorch_model.bin
  FILE   a PyTorch checkpoint (.pt/.bin, torch.save's ZIP format): fair-esm ESM-2 (esm2_t6_8M_UR50D.pt, from
         https://dl.fbaipublicfiles.com/fair-esm/models/esm2_t6_8M_UR50D.pt) or a
         state dict with Hugging Face ESM names. Globals outside a short allow-list (tensor rebuild functions,
         storage types, OrderedDict, argparse.Namespace) are refused by name; legacy non-ZIP files are refused
         with the command that converts them.
RUN gets config.json, checkpoints/step-00000000 and import.json (source, dropped tensors such as the contact
head). ESM-2's token dropout is kept as the model option tokenDropout. score, embed, generate and eval take
RUN ('plmscale score --run RUN'); continue training it with
'plmscale transfer --from RUN --objective mlm --data CORPUS --tokens D --out RUN2'.`,
  options: {
    // existence is checked by the command, whose message says where fair-esm and HF checkpoints come from
    from: { type: "path", value: "DIR|FILE", required: true, description: "the model directory or checkpoint file" },
    out: { type: "path", value: "RUN", required: true, description: "the run directory to create" },
    heads: { type: "integer", min: 1, value: "H", description: "attention heads, when the checkpoint records none and its shape is not a published ESM-2" },
    context: { type: "integer", min: 3, max: 16384, value: "T", description: "tokens per row (default: the config's max_position_embeddings, ESM-2's 1026)" },
  },
  examples: ["plmscale import --from esm2_t6_8M_UR50D.pt --out runs/esm2-8M"],
  engine: true,
  load: () => import("../commands/import.js"),
});

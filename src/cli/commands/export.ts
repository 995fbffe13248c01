// plmscale export: a run as a Hugging Face transformers model directory (src/interop/export.ts).
import { existsSync } from "node:fs";
import { CliError, defineCommand, flag, optStr, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { packageVersion } from "./version.js";

export const exportCommand = defineCommand({
  name: "export",
  summary: "write a run as a Hugging Face transformers model directory (EsmForMaskedLM / GPTNeoXForCausalLM)",
  help: `Usage: plmscale export --run RUN --format hf --out DIR [--dtype float32|bfloat16] [--force] [--json]

Writes the run's newest good checkpoint as a directory that transformers loads with no custom code:
config.json, model.safetensors (transformers' parameter names), vocab.txt and tokenizer files, README.md
(model card: shape, tokens, FLOPs, final loss). An MLM becomes EsmForMaskedLM (token_dropout as trained);
a CLM becomes GPTNeoXForCausalLM (sequential residual, full rotary) and needs the linear head
(train --head linear): ESM-2's LM head has no causal-LM equivalent in transformers. SwiGLU models are refused.
  --run RUN        a run directory or one of its checkpoint directories
  --format hf      the only format so far
  --dtype          weights as float32 (default) or bfloat16
  --force          write into a non-empty DIR

Example:
  plmscale export --run runs/mlm-8M --format hf --out hf/mlm-8M`,
  options: { run: { type: "string" }, format: { type: "string" }, out: { type: "string" }, dtype: { type: "string" }, force: { type: "boolean" } },
  async run(args) {
    const run = str(args, "run"), out = str(args, "out");
    const format = optStr(args, "format") ?? "hf";
    if (format !== "hf") throw new CliError(`--format: expected hf, got '${format}'`, 2);
    const dtype = optStr(args, "dtype") ?? "float32";
    if (dtype !== "float32" && dtype !== "bfloat16") throw new CliError(`--dtype: expected float32 or bfloat16, got '${dtype}'`, 2);
    if (!existsSync(run)) throw new CliError(`--run: ${run} not found`, 2);
    const { exportHf } = await import("../../interop/export.js");
    try {
      return exportHf(run, out, { dtype, force: flag(args, "force"), version: packageVersion() });
    } catch (e) {
      if (e instanceof UserError) throw new CliError(e.message, e.exitCode);
      if (e instanceof Error && e.name === "TrainError") throw new CliError(e.message, 1);
      throw e;
    }
  },
  human(r, io) {
    io.out(`wrote ${r.architecture} (${r.dtype}, ${r.tensors} tensors) to ${r.out}: ${r.files.join(", ")}`);
  },
});

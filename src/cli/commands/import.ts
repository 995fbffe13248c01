// plmscale import: a Hugging Face ESM-2 / GPT-NeoX directory or a PyTorch checkpoint as a run directory.
import { CliError, defineCommand, optNum, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { packageVersion } from "./version.js";

export const importCommand = defineCommand({
  name: "import",
  summary: "import an ESM-2 (Hugging Face or fair-esm) or exported model as a run directory",
  help: `Usage: plmscale import --from DIR|FILE --out RUN [--heads H] [--context T] [--json]

Reads, without executing anything:
  DIR    a Hugging Face model directory: EsmForMaskedLM (ESM-2, e.g. facebook/esm2_t6_8M_UR50D) or a
         plmscale export (EsmForMaskedLM / GPTNeoXForCausalLM), weights in model.safetensors or pytorch_model.bin
  FILE   a PyTorch checkpoint (.pt/.bin, torch.save's ZIP format): fair-esm ESM-2 (esm2_t6_8M_UR50D.pt) or a
         state dict with Hugging Face ESM names. Globals outside a short allow-list (tensor rebuild functions,
         storage types, OrderedDict, argparse.Namespace) are refused by name; legacy non-ZIP files are refused
         with the command that converts them.
RUN gets config.json, checkpoints/step-00000000 and import.json (source, dropped tensors such as the contact
head). ESM-2's token dropout is kept as the model option tokenDropout. score, embed, generate and eval take
RUN as --run; continue training it with: plmscale transfer --from RUN --objective mlm --data CORPUS --tokens D --out RUN2
  --heads H      attention heads, when the checkpoint records none and its shape is not a published ESM-2
  --context T    tokens per row (default: the config's max_position_embeddings, ESM-2's 1026)

Example:
  plmscale import --from esm2_t6_8M_UR50D.pt --out runs/esm2-8M`,
  options: { from: { type: "string" }, out: { type: "string" }, heads: { type: "string" }, context: { type: "string" } },
  async run(args) {
    const from = str(args, "from"), out = str(args, "out");
    const { importModel } = await import("../../interop/import.js");
    try {
      return importModel(from, out, { heads: optNum(args, "heads"), context: optNum(args, "context"), version: packageVersion() });
    } catch (e) {
      if (e instanceof UserError) throw new CliError(e.message, e.exitCode);
      throw e;
    }
  },
  human(r, io) {
    const m = r.model;
    io.out(`imported ${r.format} as a ${r.objective} run: ${m.layers}×${m.dModel}, ${m.heads} heads, N=${r.N}${m.tokenDropout ? ", token dropout" : ""} → ${r.out}`);
    const byWhy = new Map<string, string[]>();
    for (const d of r.dropped) byWhy.set(d.why, [...(byWhy.get(d.why) ?? []), d.name]);
    for (const [why, names] of byWhy) io.out(`  dropped ${names.length === 1 ? names[0] : `${names.length} tensors (${names[0]}, …)`}: ${why}`);
  },
});

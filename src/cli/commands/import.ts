// plmscale import: a Hugging Face ESM-2 / GPT-NeoX directory or a PyTorch checkpoint as a run directory.
import { defineRun, optNum, str } from "../command.js";
import { packageVersion } from "../../core/version.js";

export default defineRun({
  async run(args) {
    const from = str(args, "from"), out = str(args, "out");
    const { importModel } = await import("../../interop/import.js");
    return importModel(from, out, { heads: optNum(args, "heads"), context: optNum(args, "context"), version: packageVersion() });
  },
  human(r, io) {
    const m = r.model;
    io.out(`imported ${r.format} as a ${r.objective} run: ${m.layers}×${m.dModel}, ${m.heads} heads, N=${r.N}${m.tokenDropout ? ", token dropout" : ""} → ${r.out}`);
    const byWhy = new Map<string, string[]>();
    for (const d of r.dropped) byWhy.set(d.why, [...(byWhy.get(d.why) ?? []), d.name]);
    for (const [why, names] of byWhy) io.out(`  dropped ${names.length === 1 ? names[0] : `${names.length} tensors (${names[0]}, …)`}: ${why}`);
  },
});

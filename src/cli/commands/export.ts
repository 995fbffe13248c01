// plmscale export: a run as a Hugging Face transformers model directory (src/interop/export.ts).
import { defineRun, optionValues } from "../command.js";
import { EXPORT_OPTIONS } from "../specs/interop.js";
import { packageVersion } from "../../core/version.js";

export default defineRun({
  async run(args) {
    // --format has one value (hf) so far; the declaration refuses any other
    const { out, dtype, run, force } = optionValues(args, EXPORT_OPTIONS);
    const { exportHf } = await import("../../interop/export.js");
    return exportHf(run, out, { dtype, force, version: packageVersion() });
  },
  human(r, io) {
    io.out(`wrote ${r.architecture} (${r.dtype}, ${r.tensors} tensors) to ${r.out}: ${r.files.join(", ")}`);
  },
});

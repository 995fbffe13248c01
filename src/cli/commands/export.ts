// plmscale export: a run as a Hugging Face transformers model directory (src/interop/export.ts).
import { defineRun, existingPath, flag, optStr, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { packageVersion } from "../../core/version.js";

export default defineRun({
  async run(args) {
    const out = str(args, "out");
    const format = optStr(args, "format") ?? "hf";
    if (format !== "hf") throw new UserError(`--format: expected hf, got '${format}'`, 2);
    const dtype = optStr(args, "dtype") ?? "float32";
    if (dtype !== "float32" && dtype !== "bfloat16") throw new UserError(`--dtype: expected float32 or bfloat16, got '${dtype}'`, 2);
    const run = existingPath(args, "run");
    const { exportHf } = await import("../../interop/export.js");
    return exportHf(run, out, { dtype, force: flag(args, "force"), version: packageVersion() });
  },
  human(r, io) {
    io.out(`wrote ${r.architecture} (${r.dtype}, ${r.tensors} tensors) to ${r.out}: ${r.files.join(", ")}`);
  },
});

// plmscale generate: sample protein sequences from a CLM run.
import { defineRun, existingPath, num, optStr } from "../command.js";
import { UserError } from "../../core/errors.js";
import { loadModel, generate } from "../../eval/index.js";

export default defineRun({
  async run(args, io) {
    const run = existingPath(args, "run");
    const o = {
      n: num(args, "n", 4), temperature: num(args, "temperature", 1), topP: num(args, "top-p", 1), maxLength: num(args, "max-length", 256),
      seed: num(args, "seed", 0), prompt: optStr(args, "prompt"),
    };
    const loaded = loadModel(run, { device: optStr(args, "device"), warn: io.err });
    try {
      const sequences = generate(loaded.model, o);
      return { run, checkpoint: loaded.checkpoint, ...o, sequences };
    } catch (e) {
      throw new UserError((e as Error).message, 1);
    } finally {
      loaded.model.dispose();
    }
  },
  human(r, io) {
    r.sequences.forEach((s, i) => io.out(`>sample${i + 1} T=${r.temperature} top_p=${r.topP}\n${s}`));
  },
});

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
    // a sample holds <cls> residues <eos>: at most context − 2 residues, whatever --max-length asks
    const limit = loaded.model.cfg.context - 2;
    const maxLengthAsked = o.maxLength;
    if (o.maxLength > limit) {
      io.err(`warning: --max-length ${o.maxLength} capped at ${limit} residues: the model's context is ${limit + 2} tokens (<cls> residues <eos>)`);
      o.maxLength = limit;
    }
    try {
      const sequences = generate(loaded.model, o);
      // a sample as long as the cap was stopped by it (an <eos> drawn at the last step leaves one residue fewer)
      const stoppedAtCap = sequences.filter((x) => x.length >= o.maxLength).length;
      if (stoppedAtCap) io.err(`note: ${stoppedAtCap} of ${sequences.length} sample(s) reached ${o.maxLength} residues without <eos> (cut at the length cap)`);
      return { run, checkpoint: loaded.checkpoint, ...o, maxLengthAsked, context: limit + 2, stoppedAtCap, sequences };
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

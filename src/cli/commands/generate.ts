// plmscale generate: sample protein sequences from a CLM run.
import { existsSync } from "node:fs";
import { defineCommand, num, optStr, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { loadModel, generate } from "../../eval/index.js";

export const generateCommand = defineCommand({
  name: "generate",
  summary: "sample sequences from a CLM run (temperature, top-p)",
  help: `Usage: plmscale generate --run RUN [-n N] [--temperature T] [--top-p P] [--max-length L] [--prompt RESIDUES] [--seed S] [--json]

Samples N sequences (FASTA on stdout) starting from <cls> (+ the prompt) until <eos> or --max-length residues.
  -n N              number of samples (default 4)
  --temperature T   softmax temperature (default 1)
  --top-p P         nucleus sampling mass (default 1 = off)
  --max-length L    residues at most (default 256, capped by the context)
  --device cpu|cuda

Example:
  plmscale generate --run runs/clm-8M -n 10 --temperature 0.8 --top-p 0.95`,
  options: {
    run: { type: "string" }, n: { type: "string", short: "n" }, temperature: { type: "string" }, "top-p": { type: "string" },
    "max-length": { type: "string" }, prompt: { type: "string" }, seed: { type: "string" }, device: { type: "string" },
  },
  async run(args, io) {
    const run = str(args, "run");
    if (!existsSync(run)) throw new UserError(`--run: ${run} not found`, 2);
    const o = {
      n: num(args, "n", 4), temperature: num(args, "temperature", 1), topP: num(args, "top-p", 1), maxLength: num(args, "max-length", 256),
      seed: num(args, "seed", 0), prompt: optStr(args, "prompt"),
    };
    if (!(o.topP > 0 && o.topP <= 1)) throw new UserError("--top-p must be in (0, 1]", 2);
    let loaded;
    try {
      loaded = loadModel(run, { device: optStr(args, "device"), warn: io.err });
    } catch (e) {
      throw new UserError((e as Error).message, 1);
    }
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

// plmscale generate: sample protein sequences from a CLM run.
import { existsSync } from "node:fs";
import { defineCommand, num, optStr, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { loadModel, generate } from "../../eval/index.js";

export const generateCommand = defineCommand({
  name: "generate",
  summary: "sample sequences from a CLM run (temperature, top-p)",
  usage: ["--run RUN [-n N] [--temperature T] [--top-p P] [--max-length L] [--prompt RESIDUES] [--seed S] [--json]"],
  description: "Samples N sequences (FASTA on stdout) starting from <cls> (+ the prompt) until <eos> or --max-length residues.",
  options: {
    run: { type: "string", value: "RUN", required: true, description: "a run directory or a checkpoint directory" },
    n: { type: "string", value: "N", short: "n", default: 4, description: "number of samples" },
    temperature: { type: "string", value: "T", default: 1, description: "softmax temperature" },
    "top-p": { type: "string", value: "P", default: 1, description: "nucleus sampling mass (1 = off)" },
    "max-length": { type: "string", value: "L", default: 256, description: "residues at most (capped by the context)" },
    prompt: { type: "string", value: "RESIDUES", description: "residues every sample starts with" },
    seed: { type: "string", value: "S", default: 0, description: "sampling seed" },
    device: { type: "string", value: "cpu|cuda", description: "default: the run's device when available, else cpu" },
  },
  examples: ["plmscale generate --run runs/clm-8M -n 10 --temperature 0.8 --top-p 0.95"],
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

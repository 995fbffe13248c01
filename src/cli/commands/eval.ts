// plmscale eval: judge a trained run on downstream tasks (perplexity by identity bin, zero-shot DMS fitness,
// generation), with progress, Ctrl-C and resume per item.
import { defineRun, flag, optNum, optStr, str, type ParsedArgs } from "../command.js";
import { Progress } from "../progress.js";
import type { EvalOptions } from "../../eval/tasks.js";
import { evaluateRun, type EvaluationResult } from "../../eval/run.js";
import { formatEvaluation } from "../../eval/summary.js";

export function evalOptionsFrom(args: ParsedArgs): { tasks: string[]; options: EvalOptions } {
  const list = (optStr(args, "tasks") ?? "perplexity,dms").split(",").map((s) => s.trim()).filter(Boolean);
  const bins = optStr(args, "identity-bins");
  const options: EvalOptions = {
    dms: optStr(args, "dms"), fasta: optStr(args, "fasta"), reference: optStr(args, "reference"),
    identityBins: bins ? bins.split(",").map((x) => Number(x)) : undefined,
    maxSequences: optNum(args, "max-seqs"), pseudoPerplexity: flag(args, "pppl"), dmsScoring: optStr(args, "dms-scoring"),
    maxVariants: optNum(args, "max-variants"), samples: optNum(args, "samples"), maxLength: optNum(args, "max-length"),
    topP: optNum(args, "top-p"), temperature: optNum(args, "temperature"), judge: optStr(args, "judge"), structures: optStr(args, "structures"), seed: optNum(args, "seed"),
  };
  return { tasks: list, options };
}

export default defineRun<EvaluationResult>({
  async run(args, io) {
    const run = str(args, "run");
    const { tasks, options } = evalOptionsFrom(args);
    const progress = new Progress(io.err, flag(args, "quiet"));
    try {
      return await evaluateRun(run, tasks, options, {
        out: optStr(args, "out"), device: optStr(args, "device"), signal: io.signal, log: io.err,
        progress: (label, done, total) => progress.update({ label, done, total, unit: "items" }),
      });
    } finally {
      progress.stop();
    }
  },
  human(r, io) {
    for (const line of formatEvaluation(r)) io.out(line);
  },
});

// plmscale eval: judge a trained run on downstream tasks (perplexity by identity bin, zero-shot DMS fitness,
// generation), with progress, Ctrl-C and resume per item.
import { CliError, defineCommand, flag, optNum, optStr, str, type ParsedArgs } from "../command.js";
import { Progress } from "../progress.js";
import { UserError } from "../../core/errors.js";
import { TASKS, type EvalOptions } from "../../eval/tasks.js";
import { evaluateRun, type EvaluationResult } from "../../eval/run.js";
import { formatEvaluation } from "../../eval/summary.js";

/** The task options shared by `eval` and `sweep eval`. */
export const EVAL_OPTIONS = {
  tasks: { type: "string" },
  dms: { type: "string" },
  fasta: { type: "string" },
  reference: { type: "string" },
  "identity-bins": { type: "string" },
  "max-seqs": { type: "string" },
  pppl: { type: "boolean" },
  "dms-scoring": { type: "string" },
  "max-variants": { type: "string" },
  samples: { type: "string" },
  "max-length": { type: "string" },
  "top-p": { type: "string" },
  temperature: { type: "string" },
  judge: { type: "string" },
  seed: { type: "string" },
  device: { type: "string" },
} as const;

export const EVAL_OPTIONS_HELP = `  --tasks LIST          comma-separated: ${TASKS.map((t) => t.name).join(", ")} (default perplexity,dms)
  --fasta FILE          perplexity/generation reference set (default: the run's corpus test split)
  --identity-bins LIST  perplexity bin edges of identity to the training set (default 0.5,0.9)
  --max-seqs N          perplexity: at most N sequences, evenly spread (default 1000)
  --pppl                MLM: also pseudo-perplexity (one pass per residue; slow)
  --dms CSV|DIR         ProteinGym-format assays: one CSV, a folder of CSVs, or folders of CSV + wild-type FASTA
                        (default: the 3 assays bundled in test/fixtures/dms)
  --reference FILE      ProteinGym reference table (wild types, cutoffs; default: one in --dms, else bundled)
  --dms-scoring M       MLM: masked-marginals (default), wt-marginals, pll; CLM: llr
  --max-variants N      dms: the first N variants of each assay only
  --samples N           generation: samples (default 100); --max-length (256), --top-p (1), --temperature (1)
  --judge RUN           generation: naturalness = mean per-token log-likelihood under this run
  --seed N              mask / sampling seed (default 0)
  --device cpu|cuda`;

export function evalOptionsFrom(args: ParsedArgs): { tasks: string[]; options: EvalOptions } {
  const list = (optStr(args, "tasks") ?? "perplexity,dms").split(",").map((s) => s.trim()).filter(Boolean);
  const bins = optStr(args, "identity-bins");
  const options: EvalOptions = {
    dms: optStr(args, "dms"), fasta: optStr(args, "fasta"), reference: optStr(args, "reference"),
    identityBins: bins ? bins.split(",").map((x) => Number(x)) : undefined,
    maxSequences: optNum(args, "max-seqs"), pseudoPerplexity: flag(args, "pppl"), dmsScoring: optStr(args, "dms-scoring"),
    maxVariants: optNum(args, "max-variants"), samples: optNum(args, "samples"), maxLength: optNum(args, "max-length"),
    topP: optNum(args, "top-p"), temperature: optNum(args, "temperature"), judge: optStr(args, "judge"), seed: optNum(args, "seed"),
  };
  return { tasks: list, options };
}

/** UserError (any layer) → CliError, so main.ts prints it without a stack trace. */
export async function asCliErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UserError) throw new CliError(e.message, e.exitCode);
    throw e;
  }
}

export const evalCommand = defineCommand<EvaluationResult>({
  name: "eval",
  summary: "evaluate a run: perplexity by identity to training, zero-shot DMS fitness, generation",
  help: `Usage: plmscale eval --run RUN [--tasks perplexity,dms,generation] [--out DIR] [options] [--json]

Runs each task on the run's newest good checkpoint and writes per-item results under --out (default RUN/eval):
an interrupted evaluation (Ctrl-C) resumes where it stopped when run again. Summary in --out/results.json
(read by 'plmscale report').
  --run RUN             a run directory (or a checkpoint directory)
  --out DIR             per-item results and results.json (default RUN/eval)
${EVAL_OPTIONS_HELP}

Example:
  plmscale eval --run runs/mlm-small --tasks perplexity,dms --json`,
  options: { run: { type: "string" }, out: { type: "string" }, quiet: { type: "boolean" }, ...EVAL_OPTIONS },
  async run(args, io) {
    const run = str(args, "run");
    const { tasks, options } = evalOptionsFrom(args);
    const progress = new Progress(io.err, flag(args, "quiet"));
    try {
      return await asCliErrors(() =>
        evaluateRun(run, tasks, options, {
          out: optStr(args, "out"), device: optStr(args, "device"), signal: io.signal, log: io.err,
          progress: (label, done, total) => progress.update({ label, done, total, unit: "items" }),
        }),
      );
    } finally {
      progress.stop();
    }
  },
  human(r, io) {
    for (const line of formatEvaluation(r)) io.out(line);
  },
});

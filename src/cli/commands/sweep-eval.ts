// plmscale sweep eval: evaluate every finished run of a sweep; the report plots downstream metrics vs compute.
import { resolve } from "node:path";
import { CliError, defineCommand, flag, optStr } from "../command.js";
import { Progress } from "../progress.js";
import { evaluateSweep, type SweepEvaluation } from "../../sweep/eval.js";
import { EVAL_OPTIONS, EVAL_OPTIONS_HELP, asCliErrors, evalOptionsFrom } from "./eval.js";

const f = (x: number | null, d = 3) => (x === null ? "—" : x.toFixed(d));

export const sweepEvalCommand = defineCommand<SweepEvaluation>({
  name: "sweep eval",
  summary: "evaluate every finished run of a sweep (results beside each run; report plots metrics vs compute)",
  help: `Usage: plmscale sweep eval SWEEP [--tasks perplexity,dms] [options] [--json]

Runs 'plmscale eval' on each finished run (SWEEP/runs/<id>/eval/, resumable per item) and writes one row per run
(compute, perplexity overall and by identity bin, DMS Spearman/AUC/NDCG, generation diversity and MaxID) to
SWEEP/eval.json, which 'plmscale report SWEEP' shows as downstream-vs-compute curves.
${EVAL_OPTIONS_HELP}

Example:
  plmscale sweep eval sweeps/demo --tasks perplexity,dms --max-seqs 200`,
  options: { quiet: { type: "boolean" }, ...EVAL_OPTIONS },
  positionals: true,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new CliError("expected one sweep directory: plmscale sweep eval SWEEP", 2);
    const { tasks, options } = evalOptionsFrom(args);
    const progress = new Progress(io.err, flag(args, "quiet"));
    try {
      return await asCliErrors(() =>
        evaluateSweep(resolve(args.positionals[0]!), tasks, options, {
          device: optStr(args, "device"), signal: io.signal, log: io.err,
          progress: (label, done, total) => progress.update({ label, done, total, unit: "items" }),
        }),
      );
    } finally {
      progress.stop();
    }
  },
  human(r, io) {
    io.out(`${r.sweep}: ${r.runs.length} runs evaluated (${r.tasks.join(", ")})${r.interrupted ? " — INTERRUPTED: run again to resume" : ""}${r.skipped.length ? `, ${r.skipped.length} not finished` : ""}`);
    io.out(`  ${"run".padEnd(28)} ${"C".padStart(9)}  ${"loss".padStart(6)}  ${"ppl".padStart(7)}  DMS ρ`);
    for (const x of r.runs) io.out(`  ${x.id.padEnd(28)} ${x.C.toExponential(2).padStart(9)}  ${f(x.loss).padStart(6)}  ${f(x.perplexity, 2).padStart(7)}  ${f(x.dmsSpearman)}`);
  },
});

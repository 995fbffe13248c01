// plmscale sweep eval: evaluate every finished run of a sweep; the report plots downstream metrics vs compute.
import { resolve } from "node:path";
import { defineRun, flag, optStr } from "../command.js";
import { UserError } from "../../core/errors.js";
import { Progress } from "../progress.js";
import { evaluateSweep, type SweepEvaluation } from "../../sweep/eval.js";
import { evalOptionsFrom } from "./eval.js";

const f = (x: number | null, d = 3) => (x === null ? "—" : x.toFixed(d));

export default defineRun<SweepEvaluation>({
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UserError("expected one sweep directory: plmscale sweep eval SWEEP", 2);
    const { tasks, options } = evalOptionsFrom(args);
    const progress = new Progress(io.err, flag(args, "quiet"));
    try {
      return await evaluateSweep(resolve(args.positionals[0]!), tasks, options, {
        device: optStr(args, "device"), signal: io.signal, log: io.err,
        progress: (label, done, total) => progress.update({ label, done, total, unit: "items" }),
      });
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

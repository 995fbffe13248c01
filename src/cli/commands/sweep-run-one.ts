import { resolve } from "node:path";
import { CliError, defineCommand } from "../command.js";
import { runLocal } from "./sweep-run.js";
import { readDesign, sweepStatus } from "../../sweep/layout.js";
import type { ExecSummary } from "../../sweep/executor.js";

export const sweepRunOneCommand = defineCommand<{ sweep: string; index: number; id: string; summary: ExecSummary; state: string }>({
  name: "sweep run-one",
  summary: "run one point of a sweep (what each Slurm array task calls)",
  help: `Usage: plmscale sweep run-one SWEEP INDEX [--threads T] [--device cpu|cuda]

Trains point INDEX (0-based, as in sweep.json and the Slurm array) with the same rules as 'sweep run':
skipped when finished, resumed from a checkpoint, retried once, failure recorded. Exits non-zero when the
run failed, so the array task shows as failed.

Example:
  plmscale sweep run-one /shared/sweeps/demo 3 --threads 8 --device cuda`,
  options: { threads: { type: "string" }, device: { type: "string" } },
  positionals: true,
  async run(args, io) {
    if (args.positionals.length !== 2) throw new CliError("expected: plmscale sweep run-one SWEEP INDEX", 2);
    const dir = resolve(args.positionals[0]!);
    const index = Number(args.positionals[1]);
    let n: number;
    try {
      n = readDesign(dir).points.length;
    } catch (e) {
      throw new CliError((e as Error).message, 2);
    }
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new CliError(`INDEX must be an integer in 0..${n - 1}, got '${args.positionals[1]}'`, 2);
    const summary = await runLocal(dir, { ...args, values: { ...args.values, workers: "1" } }, io, [index]);
    const st = sweepStatus(dir).runs[index]!;
    if (st.state === "failed") throw new CliError(`run ${st.id} failed: ${st.error?.split("\n")[0] ?? ""}`);
    if (st.state === "running" && !io.signal.aborted) {
      throw new CliError(`run ${st.id} is held by another executor or a live trainer; left alone`);
    }
    return { sweep: dir, index, id: st.id, summary, state: st.state };
  },
  human(r, io) {
    io.out(`${r.id}: ${r.state}${r.summary.skipped ? " (already finished)" : ""}`);
  },
});

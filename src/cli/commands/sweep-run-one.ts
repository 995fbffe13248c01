import { resolve } from "node:path";
import { defineRun } from "../command.js";
import { UserError } from "../../core/errors.js";
import { nprocOpt, runLocal } from "./sweep-run.js";
import { readDesign, sweepStatus } from "../../sweep/layout.js";
import type { ExecSummary } from "../../sweep/executor.js";

export default defineRun<{ sweep: string; index: number; id: string; summary: ExecSummary; state: string }>({
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UserError("expected: plmscale sweep run-one SWEEP INDEX", 2);
    nprocOpt(args); // checked before the sweep is read
    const dir = resolve(args.positionals[0]!);
    const index = Number(args.positionals[1]);
    const n = readDesign(dir).points.length;
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new UserError(`INDEX must be an integer in 0..${n - 1}, got '${args.positionals[1]}'`, 2);
    const summary = await runLocal(dir, { ...args, values: { ...args.values, workers: "1" } }, io, [index]);
    const st = sweepStatus(dir).runs[index]!;
    if (st.state === "failed") throw new UserError(`run ${st.id} failed: ${st.error?.split("\n")[0] ?? ""}`);
    if (st.state === "running" && !io.signal.aborted) {
      throw new UserError(`run ${st.id} is held by another executor or a live trainer; left alone`);
    }
    return { sweep: dir, index, id: st.id, summary, state: st.state };
  },
  human(r, io) {
    io.out(`${r.id}: ${r.state}${r.summary.skipped ? " (already finished)" : ""}`);
  },
});

import { resolve } from "node:path";
import { defineRun } from "../command.js";
import { UserError } from "../../core/errors.js";
import { readDesign, sweepStatus } from "../../sweep/layout.js";
import { estimateEta } from "../../sweep/progress.js";
import { formatDuration } from "../../core/duration.js";
import type { SweepStatus } from "../../sweep/types.js";

export default defineRun<SweepStatus & { etaSeconds: number | null }>({
  async run(args) {
    if (args.positionals.length !== 1) throw new UserError("expected one sweep directory: plmscale sweep status SWEEP", 2);
    const dir = resolve(args.positionals[0]!);
    let design;
    try {
      design = readDesign(dir);
    } catch (e) {
      throw new UserError((e as Error).message, 2);
    }
    const st = sweepStatus(dir, design);
    const finished = st.runs.filter((r) => r.state === "done" && r.wallSeconds).map((r) => ({ C: design.points[r.index]!.C, wallSeconds: r.wallSeconds! }));
    const eta = estimateEta({ remainingC: st.runs.filter((r) => r.state !== "done" && r.state !== "failed").map((r) => design.points[r.index]!.C), finished, workers: 1 });
    return { ...st, etaSeconds: eta ?? null };
  },
  human(s, io) {
    const c = s.counts;
    io.out(`${s.sweep}: ${c.done}/${s.total} done, ${c.running} running, ${c.interrupted} interrupted, ${c.failed} failed, ${c.pending} pending; ETA ${formatDuration(s.etaSeconds ?? undefined)}`);
    for (const r of s.runs) {
      const extra = r.state === "done" ? `loss ${r.loss?.toFixed(4)}${r.wallSeconds ? `, ${formatDuration(r.wallSeconds)}` : ""}` : r.state === "failed" ? (r.error ?? "").split("\n")[0] : "";
      io.out(`  [${r.index}] ${r.id.padEnd(24)} ${r.state.padEnd(11)} ${extra}`);
    }
  },
});

import { resolve } from "node:path";
import { defineRun } from "../command.js";
import { UserError } from "../../core/errors.js";
import { readDesign, sweepStatus } from "../../sweep/layout.js";
import { estimateEta } from "../../sweep/progress.js";
import { formatDuration } from "../../core/duration.js";
import type { AdaptiveEvent, SweepStatus } from "../../sweep/types.js";

type StatusResult = SweepStatus & { etaSeconds: number | null; adaptive: { round: number; events: AdaptiveEvent[]; budgetsLeft: Record<string, number[]> } | null };

export default defineRun<StatusResult>({
  async run(args) {
    if (args.positionals.length !== 1) throw new UserError("expected one sweep directory: plmscale sweep status SWEEP", 2);
    const dir = resolve(args.positionals[0]!);
    const design = readDesign(dir);
    const st = sweepStatus(dir, design);
    const finished = st.runs.filter((r) => r.state === "done" && r.wallSeconds).map((r) => ({ C: design.points[r.index]!.C, wallSeconds: r.wallSeconds! }));
    const eta = estimateEta({ remainingC: st.runs.filter((r) => r.state !== "done" && r.state !== "failed").map((r) => design.points[r.index]!.C), finished, workers: 1 });
    const ad = design.adaptive;
    const adaptive = ad ? {
      round: ad.round, events: ad.events,
      // budgets no point has reached yet: the design grows into them as runs finish
      budgetsLeft: Object.fromEntries(design.objectives.map((o) => [o, design.budgets.filter((C) => !design.points.some((p) => p.objective === o && p.C === C))])),
    } : null;
    return { ...st, etaSeconds: eta ?? null, adaptive };
  },
  human(s, io) {
    const c = s.counts;
    io.out(`${s.sweep}: ${c.done}/${s.total} done, ${c.running} running, ${c.interrupted} interrupted, ${c.failed} failed, ${c.pending} pending; ETA ${formatDuration(s.etaSeconds ?? undefined)}`);
    for (const r of s.runs) {
      const extra = r.state === "done" ? `loss ${r.loss?.toFixed(4)}${r.wallSeconds ? `, ${formatDuration(r.wallSeconds)}` : ""}` : r.state === "failed" ? (r.error ?? "").split("\n")[0] : "";
      io.out(`  [${r.index}] ${r.id.padEnd(24)} ${r.state.padEnd(11)} ${extra}`);
    }
    if (s.adaptive) {
      io.out(`adaptive design, round ${s.adaptive.round}${s.adaptive.events.length ? ":" : " (no decision yet)"}`);
      for (const e of s.adaptive.events) io.out(`  round ${e.round} ${e.objective} C=${e.C.toExponential(1)} ${e.kind}${e.edge ? ` (${e.edge} edge)` : ""}: ${e.detail}`);
      for (const [o, left] of Object.entries(s.adaptive.budgetsLeft)) if (left.length) io.out(`  ${o}: budgets still to design ${left.map((c) => c.toExponential(1)).join(", ")} (the ETA counts only designed runs)`);
    }
  },
});

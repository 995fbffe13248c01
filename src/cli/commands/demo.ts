import { resolve } from "node:path";
import { defineRun, flag, optInt, optNum, optStr, str } from "../command.js";
import { asFailure, UserError } from "../../core/errors.js";
import { runDemo, type DemoResult } from "../../app/demo.js";
import { parseList } from "./sweep-design.js";
import { exponentLines } from "./sweep-fit.js";
import { formatDuration } from "../../core/duration.js";

export default defineRun<DemoResult>({
  async run(args, io) {
    const budgets = optStr(args, "budgets");
    // checked before anything runs: a bad number is a usage error, not a failure an hour into the demo
    const minutes = optNum(args, "minutes");
    const workers = optInt(args, "workers", 1), threads = optInt(args, "threads", 1), maxRecords = optInt(args, "max-records", 1);
    const budgetList = budgets ? parseList(budgets, "budgets") : undefined;
    try {
      return await runDemo({
        out: resolve(str(args, "out", "demo-out")), quick: flag(args, "quick"), minutes,
        workers, threads, maxRecords,
        data: optStr(args, "data") && resolve(optStr(args, "data")!), budgets: budgetList, fixed: flag(args, "fixed"),
        signal: io.signal, log: io.err,
      });
    } catch (e) {
      throw asFailure(e);
    }
  },
  human(r, io) {
    io.out("");
    io.out(`demo finished in ${formatDuration(r.totalSeconds)} (corpus ${formatDuration(r.seconds.corpus)}, design ${formatDuration(r.seconds.design)}, training ${formatDuration(r.seconds.train)}, noise check ${formatDuration(r.seconds.noise)}, fit ${formatDuration(r.seconds.fit)}, report ${formatDuration(r.seconds.report)})`);
    io.out(`${r.runs} runs: ${r.summary.done} trained now, ${r.summary.skipped} already done, ${r.summary.failed} failed; budgets ${r.budgets.map((c) => c.toExponential(1)).join(", ")} FLOPs`);
    for (const l of r.adaptive) io.out(`  adaptive ${l}`);
    for (const o of r.fit.objectives) {
      const bracketed = o.profiles.filter((m) => m.used).length;
      io.out(`${o.objective.toUpperCase()}: ${bracketed} of ${o.profiles.length} budgets with an interior (bracketed) minimum`);
    }
    for (const n of r.noise) io.out(`validation noise ${n.objective}: |ΔL| ${n.noise.toFixed(4)} between seeds (${n.run}) vs median ${n.sizeGap.toFixed(4)} between neighbouring sizes`);
    io.out("fitted exponents (95% bootstrap intervals) beside the paper's:");
    for (const l of exponentLines(r.fit)) io.out(`  ${l}`);
    if (r.fit.warnings.length) io.out(`${r.fit.warnings.length} warning(s); see the report`);
    io.out(`report: ${r.report}`);
  },
});

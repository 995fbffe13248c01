import { resolve } from "node:path";
import { defineCommand, flag, optNum, optStr, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { runDemo, type DemoResult } from "../../sweep/demo.js";
import { parseList } from "./sweep-design.js";
import { exponentLines } from "./sweep-fit.js";
import { formatDuration } from "../../sweep/progress.js";

export const demoCommand = defineCommand<DemoResult>({
  name: "demo",
  summary: "reproduce the paper's method on Swiss-Prot: CLM + MLM IsoFLOP sweeps, fit, report (≈30 min on 2 cores)",
  usage: ["[--quick] [--out DIR] [--minutes M] [--workers K] [--threads T]"],
  description: `1. builds a Swiss-Prot corpus (Debian's metastudent-data; --max-records of it),
2. measures this machine's training speed with four short runs and sizes a CLM and an MLM IsoFLOP sweep
   (3 budgets × 4 sizes each) to fit in about --minutes,
3. trains the runs (local pool; Ctrl-C stops cleanly, and running the demo again continues where it stopped),
4. fits IsoFLOP and parametric laws with bootstrap intervals, writes DIR/report.html, and prints the fitted
   exponents beside the paper's (CLM a=0.578, b=0.422; MLM a=0.776, b=0.230).
On two CPU cores the budgets are ~1e11–1e12 FLOPs, six orders of magnitude below the paper's; the report says
how well (or badly) such small sweeps constrain the laws.`,
  options: {
    quick: { type: "boolean", description: "a small grid (3 budgets × 3 sizes per objective, tiny models) that runs in a few minutes" },
    out: { type: "string", value: "DIR", default: "demo-out", description: "where everything goes" },
    minutes: { type: "string", value: "M", description: "target wall time of the whole demo (default 30)" },
    workers: { type: "string", value: "K", description: "runs at once (default: cores / threads)" },
    threads: { type: "string", value: "T", description: "threads per run (default 1)" },
    "max-records": { type: "string", value: "N", description: "Swiss-Prot records for the corpus (default 100000; --quick 5000)" },
    data: { type: "string", value: "PATH", description: "use this corpus directory or FASTA file instead of building Swiss-Prot" },
    budgets: { type: "string", value: "LIST", description: "explicit budgets in FLOPs (skips the speed measurement)" },
  },
  examples: ["npm run demo            # = plmscale demo --out demo-out", "plmscale demo --quick --out /tmp/demo"],
  async run(args, io) {
    const budgets = optStr(args, "budgets");
    try {
      return await runDemo({
        out: resolve(str(args, "out", "demo-out")), quick: flag(args, "quick"), minutes: optNum(args, "minutes"),
        workers: optNum(args, "workers"), threads: optNum(args, "threads"), maxRecords: optNum(args, "max-records"),
        data: optStr(args, "data") && resolve(optStr(args, "data")!), budgets: budgets ? parseList(budgets, "budgets") : undefined,
        signal: io.signal, log: io.err,
      });
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  },
  human(r, io) {
    io.out("");
    io.out(`demo finished in ${formatDuration(r.totalSeconds)} (corpus ${formatDuration(r.seconds.corpus)}, design ${formatDuration(r.seconds.design)}, training ${formatDuration(r.seconds.train)}, fit ${formatDuration(r.seconds.fit)}, report ${formatDuration(r.seconds.report)})`);
    io.out(`${r.runs} runs: ${r.summary.done} trained now, ${r.summary.skipped} already done, ${r.summary.failed} failed; budgets ${r.budgets.map((c) => c.toExponential(1)).join(", ")} FLOPs`);
    io.out("fitted exponents (95% bootstrap intervals) beside the paper's:");
    for (const l of exponentLines(r.fit)) io.out(`  ${l}`);
    if (r.fit.warnings.length) io.out(`${r.fit.warnings.length} warning(s); see the report`);
    io.out(`report: ${r.report}`);
  },
});

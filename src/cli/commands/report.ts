import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand, optNum, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { buildReport } from "../../report/build.js";

export const reportCommand = defineCommand<{ file: string; bytes: number; charts: number }>({
  name: "report",
  summary: "write a self-contained HTML report of a sweep (IsoFLOP curves, laws, exponents, loss curves, plan)",
  usage: ["SWEEP [--out report.html] [--budget C]"],
  description: `One HTML page with inline SVG charts (rendered from Vega-Lite specs in Node; nothing is fetched when it is
opened): IsoFLOP curves per budget with fitted parabolas and minima; N_opt, D_opt, L_opt vs C with the fitted
laws and intervals; CLM vs MLM exponents beside the paper's; loss curves per run; data epochs per run; and a
plan for a budget. Uses SWEEP/fit.json ('plmscale sweep fit'), or fits on the spot when it is missing.`,
  options: {
    out: { type: "string", value: "FILE", description: "the HTML file to write (default SWEEP/report.html)" },
    budget: { type: "string", value: "C", description: "FLOPs for the plan section (default 100× the sweep's largest budget)" },
  },
  examples: ["plmscale report sweeps/demo --out report.html"],
  positionals: true,
  async run(args) {
    if (args.positionals.length !== 1) throw new UserError("expected one sweep directory: plmscale report SWEEP --out FILE", 2);
    const dir = resolve(args.positionals[0]!);
    const file = resolve(str(args, "out", `${dir}/report.html`));
    let r;
    try {
      r = await buildReport(dir, { planBudget: optNum(args, "budget") });
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    writeFileSync(file, r.html);
    return { file, bytes: Buffer.byteLength(r.html), charts: r.charts };
  },
  human(r, io) {
    io.out(`wrote ${r.file} (${(r.bytes / 1024).toFixed(0)} KiB, ${r.charts} charts)`);
  },
});

import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineRun, optNum, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { buildReport } from "../../report/build.js";

export default defineRun<{ file: string; bytes: number; charts: number }>({
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

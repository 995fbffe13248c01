import { join, resolve } from "node:path";
import { defineRun, num, optStr } from "../command.js";
import { asFailure, UserError } from "../../core/errors.js";
import { fitSweep, type ObjectiveFit, type SweepFit } from "../../sweep/fit.js";
import { writeJsonAtomic } from "../../core/files.js";

/** 3 decimals; "?" for a value JSON turned from NaN into null. */
export function f3(x: number | null | undefined): string {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(3) : "?";
}

function ci(fit: ObjectiveFit, key: "a" | "b"): string {
  const iso = fit.isoflop;
  if (!iso) return "—";
  const i = iso.ci?.[key];
  return `${f3(iso[key])}${i ? ` [${f3(i.lo)}, ${f3(i.hi)}]` : ""}`;
}

/** One line per objective: fitted exponents beside the paper's. */
export function exponentLines(f: SweepFit): string[] {
  return f.objectives.map((o) => {
    const p = f.paper[o.objective];
    const par = o.parametric ? `; parametric a=${f3(o.parametric.a)} b=${f3(o.parametric.b)}` : "";
    const flat = o.unreliable ? `  (not meaningful: ${o.unreliable})` : "";
    return `${o.objective.toUpperCase()}: IsoFLOP a=${ci(o, "a")} b=${ci(o, "b")}${par}  | paper a=${p.a} b=${p.b}  (${o.runs} runs)${flat}`;
  });
}

export default defineRun<SweepFit & { file: string }>({
  async run(args) {
    if (args.positionals.length !== 1) throw new UserError("expected one sweep directory: plmscale sweep fit SWEEP", 2);
    const dir = resolve(args.positionals[0]!);
    let fit: SweepFit;
    const bootstrap = num(args, "bootstrap", 200);
    try {
      fit = fitSweep(dir, { bootstrap });
    } catch (e) {
      throw asFailure(e);
    }
    if (fit.objectives.every((o) => o.runs === 0)) throw new UserError(`no finished runs in ${dir}; run 'plmscale sweep run ${dir}' first`);
    const file = resolve(optStr(args, "out") ?? join(dir, "fit.json"));
    writeJsonAtomic(file, fit);
    return { ...fit, file };
  },
  human(f, io) {
    io.out(`budgets ${f.budgetRange[0].toExponential(1)}..${f.budgetRange[1].toExponential(1)} FLOPs; intervals are bootstrap 95%`);
    for (const l of exponentLines(f)) io.out(l);
    for (const w of f.warnings) io.err(`warning: ${w}`);
    io.out(`wrote ${f.file}; next: plmscale report ${f.sweep} --out report.html`);
  },
});

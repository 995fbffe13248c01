import { join, resolve } from "node:path";
import { defineRun, num, optStr, parseNumber } from "../command.js";
import { asFailure, UserError } from "../../core/errors.js";
import { fitSweep, type ObjectiveFit, type SweepFit } from "../../sweep/fit.js";
import { isDegenerate } from "../../scaling/parametric.js";
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
    const par = !o.parametric ? "" : isDegenerate(o.parametric)
      ? `; parametric fit degenerate (${o.parametric.degenerate.map((r) => /^[αβE]=\S+/.exec(r)?.[0] ?? (/the (N|D)-term is negligible/.exec(r) ? `${RegExp.$1}-term` : r)).join(", ")} collapsed: no exponent)`
      : `; parametric a=${f3(o.parametric.a)} b=${f3(o.parametric.b)}`;
    const flat = o.unreliable ? `  (not meaningful: ${o.unreliable})` : "";
    return `${o.objective.toUpperCase()}: IsoFLOP a=${ci(o, "a")} b=${ci(o, "b")}${par}  | paper a=${p.a} b=${p.b}  (${o.runs} runs)${flat}`;
  });
}

/** --holdout largest | none | a budget in FLOPs (1e13, 3e13 …) */
export function holdoutOption(v: string | undefined): "auto" | "none" | "largest" | number {
  if (v === undefined) return "auto";
  if (v === "largest" || v === "none") return v;
  const C = parseNumber(v, "holdout");
  if (!(C > 0)) throw new UserError(`--holdout must be 'largest', 'none' or a budget in FLOPs > 0, got '${v}'`, 2);
  return C;
}

export default defineRun<SweepFit & { file: string }>({
  async run(args) {
    if (args.positionals.length !== 1) throw new UserError("expected one sweep directory: plmscale sweep fit SWEEP", 2);
    const dir = resolve(args.positionals[0]!);
    let fit: SweepFit;
    const bootstrap = num(args, "bootstrap", 200);
    try {
      fit = fitSweep(dir, { bootstrap, holdout: holdoutOption(optStr(args, "holdout")) });
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
    for (const o of f.objectives) if (o.holdout) io.out(`${o.objective.toUpperCase()} does the law extrapolate? ${o.holdout.verdict}`);
    for (const w of f.warnings) io.err(`warning: ${w}`);
    io.out(`wrote ${f.file}; next: plmscale report ${f.sweep} --out report.html`);
  },
});

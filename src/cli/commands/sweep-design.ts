import { resolve } from "node:path";
import { defineRun, flag, num, optNum, optStr, parseNumber, str } from "../command.js";
import { asFailure, asUserError, UserError } from "../../core/errors.js";
import { designSweep, formatBudget, pointRun } from "../../sweep/design.js";
import { trainConfigFor } from "../../train/config-for.js";
import { centreFromFit, centreFromPreset, corpusTrainTokens } from "../../sweep/centre.js";
import { writeSweep } from "../../sweep/layout.js";
import type { Objective } from "../../core/objective.js";
import type { SweepDesign } from "../../sweep/types.js";

export function parseObjectives(s: string): Objective[] {
  if (s === "both") return ["clm", "mlm"];
  if (s === "clm" || s === "mlm") return [s];
  throw new UserError(`--objective must be clm, mlm or both, got '${s}'`, 2);
}

export function parseList(s: string, flagName: string): number[] {
  const list = s.split(",").filter((x) => x.trim()).map((x) => parseNumber(x, flagName));
  if (list.length === 0) throw new UserError(`--${flagName}: give at least one number`, 2);
  const bad = list.find((x) => !(x > 0));
  if (bad !== undefined) throw new UserError(`--${flagName}: every value must be positive, got ${bad}`, 2);
  return list;
}

export default defineRun({
  async run(args) {
    const objectives = parseObjectives(str(args, "objective", "both"));
    const budgets = parseList(str(args, "budgets"), "budgets");
    const sizesArg = str(args, "sizes", "auto");
    const sizes = sizesArg === "auto" ? undefined : parseList(sizesArg, "sizes");
    const corpus = resolve(str(args, "corpus"));
    const out = resolve(str(args, "out"));
    const device = str(args, "device", "cpu");
    if (device !== "cpu" && device !== "cuda") throw new UserError(`--device must be cpu or cuda`, 2);
    const centres = Object.fromEntries(objectives.map((o) => {
      try {
        const fitPath = optStr(args, "from-fit");
        return [o, fitPath ? centreFromFit(o, fitPath) : centreFromPreset(o, optStr(args, "preset"))];
      } catch (e) {
        throw new UserError((e as Error).message, 2);
      }
    }));
    const auto = (name: string) => { const v = str(args, name, "auto"); return v === "auto" ? 0 : parseNumber(v, name); };
    const context = auto("context");
    const fixed = flag(args, "fixed");
    let design: SweepDesign;
    try {
      design = designSweep({
        objectives, budgets, sizes,
        centre: (o, C) => centres[o]!.nOpt(C),
        centreSource: Object.fromEntries(objectives.map((o) => [o, sizes ? "explicit --sizes" : centres[o]!.source])),
        sizesPerBudget: optNum(args, "per-budget"), spanDecades: optNum(args, "span"),
        corpus, uniqueTrainTokens: corpusTrainTokens(corpus), maxEpochs: optNum(args, "max-epochs"),
        train: {
          context, batchTokens: auto("batch-tokens"), evalTokens: num(args, "eval-tokens", 32768),
          device, dtype: device === "cuda" ? "bfloat16" : "float32", threads: num(args, "threads", 2),
        },
        minSteps: optNum(args, "min-steps"),
        adaptive: fixed || sizes ? undefined : {
          fallback: Object.fromEntries(objectives.map((o) => [o, { ...centres[o]!.law, source: centres[o]!.source }])),
          limits: { ...(optNum(args, "max-sizes") !== undefined ? { maxSizesPerBudget: optNum(args, "max-sizes")! } : {}) },
        },
      });
      writeSweep(out, design, (p) => trainConfigFor(pointRun(design, p)));
    } catch (e) {
      // a system error (read-only --out, full disk) in words; anything else as a failure
      throw asFailure(asUserError(e, `writing the sweep to ${out}`));
    }
    return { sweep: out, design };
  },
  human(r, io) {
    const d = r.design;
    io.out(`sweep ${r.sweep}: ${d.points.length} runs (${d.objectives.join(", ")}; budgets ${d.budgets.map(formatBudget).join(", ")} FLOPs)${d.adaptive ? " — adaptive: the smallest budget now, the rest as its runs finish" : ""}`);
    for (const o of d.objectives) io.out(`  ${o} centre: ${d.centreSource[o]}`);
    for (const p of d.points) {
      const ep = p.epochs === null ? "" : `, ${p.epochs.toFixed(2)} epochs`;
      io.out(`  [${p.index}] ${p.id.padEnd(22)} ${p.shape.layers}L d=${p.shape.dModel}  D=${p.D.toExponential(2)} tokens  batch ${p.batchTokens}×ctx ${p.context}  lr ${p.lr.toExponential(1)}${ep}`);
    }
    for (const w of d.warnings) io.err(`warning: ${w}`);
    io.out(`next: plmscale sweep run ${r.sweep} --workers 1 --threads ${d.train.threads}`);
  },
});

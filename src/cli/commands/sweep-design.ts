import { resolve } from "node:path";
import { defineCommand, num, optNum, optStr, parseNumber, str } from "../command.js";
import { UserError } from "../../core/errors.js";
import { designSweep, formatBudget, trainConfigFor } from "../../sweep/design.js";
import { centreFromFit, centreFromPreset, corpusTrainTokens } from "../../sweep/centre.js";
import { writeSweep } from "../../sweep/layout.js";
import type { Objective, SweepDesign } from "../../sweep/types.js";

export function parseObjectives(s: string): Objective[] {
  if (s === "both") return ["clm", "mlm"];
  if (s === "clm" || s === "mlm") return [s];
  throw new UserError(`--objective must be clm, mlm or both, got '${s}'`, 2);
}

export function parseList(s: string, flagName: string): number[] {
  return s.split(",").filter((x) => x.trim()).map((x) => parseNumber(x, flagName));
}

export const sweepDesignCommand = defineCommand({
  name: "sweep design",
  summary: "design an IsoFLOP sweep: budgets × model sizes around the predicted optimum",
  usage: ["--objective clm|mlm|both --budgets C1,C2,... --corpus DIR --out SWEEP [options]"],
  description: `Per budget C (FLOPs), picks model sizes spread evenly in log N around the predicted compute-optimal size
(±0.75 decades), trains each on D = C/(6N) tokens with its LR schedule set to its own budget and the peak LR
falling with size, and writes SWEEP/sweep.json plus one train config per run (SWEEP/configs/ID.json).`,
  options: {
    objective: { type: "string", value: "clm|mlm|both", default: "both", description: "objectives to sweep" },
    budgets: { type: "string", value: "LIST", required: true, description: "compute budgets in FLOPs, e.g. 1e13,3e13,1e14" },
    sizes: { type: "string", value: "auto|LIST", default: "auto", description: "non-embedding sizes for every budget (e.g. 100k,300k,1M) instead of auto" },
    "per-budget": { type: "string", value: "K", description: "sizes per budget with --sizes auto (default 4)" },
    span: { type: "string", value: "DEC", description: "half-width of the size range in decades (default 0.75)" },
    preset: { type: "string", value: "NAME|FILE", description: "centre from a preset (released, paper, or a preset JSON; default released)" },
    "from-fit": { type: "string", value: "SWEEP|FILE", description: "centre from a previous sweep's fit.json instead" },
    corpus: { type: "string", value: "DIR", required: true, description: "corpus directory (plmscale data prepare --out)" },
    "max-epochs": { type: "string", value: "E", description: "warn when a run would repeat the training tokens more than E times (default 4)" },
    context: { type: "string", value: "T", default: 256, description: "context length" },
    "batch-tokens": { type: "string", value: "B", default: 8192, description: "tokens per optimizer step" },
    "eval-tokens": { type: "string", value: "E", default: 32768, description: "validation tokens per evaluation" },
    device: { type: "string", value: "cpu|cuda", default: "cpu", description: "cuda also sets bfloat16" },
    threads: { type: "string", value: "T", default: 2, description: "threads per run" },
    out: { type: "string", value: "SWEEP", required: true, description: "directory to create" },
  },
  examples: ["plmscale sweep design --objective both --budgets 1e13,3e13,1e14 --corpus corpus/ --out sweeps/demo"],
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
    const context = num(args, "context", 256);
    let design: SweepDesign;
    try {
      design = designSweep({
        objectives, budgets, sizes,
        centre: (o, C) => centres[o]!.nOpt(C),
        centreSource: Object.fromEntries(objectives.map((o) => [o, sizes ? "explicit --sizes" : centres[o]!.source])),
        sizesPerBudget: optNum(args, "per-budget"), spanDecades: optNum(args, "span"),
        corpus, uniqueTrainTokens: corpusTrainTokens(corpus), maxEpochs: optNum(args, "max-epochs"),
        train: {
          context, batchTokens: num(args, "batch-tokens", 8192), evalTokens: num(args, "eval-tokens", 32768),
          device, dtype: device === "cuda" ? "bfloat16" : "float32", threads: num(args, "threads", 2),
        },
      });
      writeSweep(out, design, (p) => trainConfigFor(design, p));
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    return { sweep: out, design };
  },
  human(r, io) {
    const d = r.design;
    io.out(`sweep ${r.sweep}: ${d.points.length} runs (${d.objectives.join(", ")}; budgets ${d.budgets.map(formatBudget).join(", ")} FLOPs)`);
    for (const o of d.objectives) io.out(`  ${o} centre: ${d.centreSource[o]}`);
    for (const p of d.points) {
      const ep = p.epochs === null ? "" : `, ${p.epochs.toFixed(2)} epochs`;
      io.out(`  [${p.index}] ${p.id.padEnd(22)} ${p.shape.layers}L d=${p.shape.dModel}  D=${p.D.toExponential(2)} tokens  lr ${p.lr.toExponential(1)}${ep}`);
    }
    for (const w of d.warnings) io.err(`warning: ${w}`);
    io.out(`next: plmscale sweep run ${r.sweep} --workers 1 --threads ${d.train.threads}`);
  },
});

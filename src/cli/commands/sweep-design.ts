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
  help: `Usage: plmscale sweep design --objective clm|mlm|both --budgets C1,C2,... --corpus DIR --out SWEEP [options]

Per budget C (FLOPs), picks model sizes spread evenly in log N around the predicted compute-optimal size
(±0.75 decades), trains each on D = C/(6N) tokens with its LR schedule set to its own budget and the peak LR
falling with size, and writes SWEEP/sweep.json plus one train config per run (SWEEP/configs/ID.json).

Options:
  --objective clm|mlm|both   objectives to sweep (default both)
  --budgets LIST             compute budgets in FLOPs, e.g. 1e13,3e13,1e14 (required)
  --sizes auto|LIST          non-embedding sizes for every budget (e.g. 100k,300k,1M) instead of auto
  --per-budget K             sizes per budget with --sizes auto (default 4)
  --span DEC                 half-width of the size range in decades (default 0.75)
  --preset NAME|FILE         centre from a preset (released, paper, or a preset JSON; default released)
  --from-fit SWEEP|FILE      centre from a previous sweep's fit.json instead
  --corpus DIR               corpus directory (plmscale data prepare --out)
  --max-epochs E             warn when a run would repeat the training tokens more than E times (default 4)
  --context T                context length (default 256)
  --batch-tokens B           tokens per optimizer step (default 8192)
  --eval-tokens E            validation tokens per evaluation (default 32768)
  --device cpu|cuda          (default cpu; cuda also sets bfloat16)
  --threads T                threads per run (default 2)
  --out SWEEP                directory to create

Example:
  plmscale sweep design --objective both --budgets 1e13,3e13,1e14 --corpus corpus/ --out sweeps/demo`,
  options: {
    objective: { type: "string" }, budgets: { type: "string" }, sizes: { type: "string" }, "per-budget": { type: "string" },
    span: { type: "string" }, preset: { type: "string" }, "from-fit": { type: "string" }, corpus: { type: "string" },
    "max-epochs": { type: "string" }, context: { type: "string" }, "batch-tokens": { type: "string" }, "eval-tokens": { type: "string" },
    device: { type: "string" }, threads: { type: "string" }, out: { type: "string" },
  },
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

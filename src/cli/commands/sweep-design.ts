import { resolve } from "node:path";
import { defineRun, flag, num, optNum, optStr, parseNumber, str } from "../command.js";
import { asFailure, asUserError, UserError } from "../../core/errors.js";
import { designSweep, formatBudget, pointRun } from "../../sweep/design.js";
import { trainConfigFor } from "../../train/config-for.js";
import { centreFromFit, centreFromPreset, corpusTrainTokens } from "../../sweep/centre.js";
import { writeSweep } from "../../sweep/layout.js";
import { fitTokenCost, roundSeconds, runSeconds, timedRunsUnder, type TokenCost } from "../../sweep/round-time.js";
import { formatDuration } from "../../core/duration.js";
import { existsSync } from "node:fs";
import type { Objective } from "../../core/objective.js";
import type { SweepDesign } from "../../sweep/types.js";
import { familyOpt } from "./family-opt.js";

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

/** The demo's calibration runs, where `plmscale demo` leaves them by default. */
const DEMO_CALIBRATION = "demo-out/calibration";

export interface WallEstimate { seconds: number | null; longest?: number; workers: number; runs: number; from?: string; cost?: TokenCost; why?: string }

/** Wall time of the design's runs from measured seconds per token (a + b·N, src/sweep/round-time.ts). */
function wallEstimate(design: SweepDesign, speedFrom: string | undefined, workers: number): WallEstimate {
  const from = speedFrom ?? (existsSync(DEMO_CALIBRATION) ? DEMO_CALIBRATION : undefined);
  if (!from) return { seconds: null, workers, runs: 0, why: "run 'plmscale demo --quick' once (it measures this machine's training speed into demo-out/calibration) or give --speed-from DIR (finished runs)" };
  if (!existsSync(from)) throw new UserError(`--speed-from: ${from} not found`, 2);
  const timed = timedRunsUnder(from);
  const cost = fitTokenCost(timed);
  if (!cost) return { seconds: null, workers, runs: 0, from, why: `no finished run with a wall time under ${from}` };
  if (design.train.device === "cuda") return { seconds: null, workers, runs: timed.length, from, why: "the measured runs are not on this design's device (cuda)" };
  return { seconds: roundSeconds(cost, design.points, workers), longest: Math.max(...design.points.map((p) => runSeconds(cost, p))), workers, runs: timed.length, from, cost };
}

export default defineRun({
  async run(args) {
    const objectives = parseObjectives(str(args, "objective", "both"));
    const budgets = parseList(str(args, "budgets"), "budgets");
    const sizesArg = str(args, "sizes", "auto");
    const sizes = sizesArg === "auto" ? undefined : parseList(sizesArg, "sizes");
    const corpus = resolve(str(args, "corpus"));
    const out = resolve(str(args, "out"));
    const device = str(args, "device", "cpu") as "cpu" | "cuda"; // a declared enum
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
    const family = familyOpt(args); // a usage error (exit 2), outside the design's try
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
          ...(family ? { family } : {}),
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
    const workers = optNum(args, "workers") ?? 1;
    return { sweep: out, design, estimate: wallEstimate(design, optStr(args, "speed-from"), workers) };
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
    const e = r.estimate;
    if (e.seconds !== null) io.out(`wall time on this machine: about ${formatDuration(e.seconds)} for these ${d.points.length} runs on ${e.workers} worker(s) (longest run ${formatDuration(e.longest!)}), from ${e.runs} timed run(s) in ${e.from}${d.adaptive ? "; later budgets add rounds" : ""}`);
    else io.out(`wall time on this machine: unknown — ${e.why}`);
    io.out(`next: plmscale sweep run ${r.sweep} --workers 1 --threads ${d.train.threads}`);
  },
});

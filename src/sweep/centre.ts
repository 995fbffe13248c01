// Where a sweep's size range is centred: a preset's N_opt(C) (built-in name or JSON file) or the IsoFLOP law
// of a previous `sweep fit` (fit.json), and the corpus's unique training tokens for epoch warnings.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { trainSplitTokens } from "../data/manifest.js";
import { optimalAllocation } from "../scaling/index.js";
import { readPreset } from "./preset-source.js";
import type { SweepFit } from "./fit.js";
import type { Objective } from "../core/objective.js";

export interface Centre {
  nOpt: (C: number) => number;
  source: string;
  /** N_opt = kN·C^a (what an adaptive design falls back to) */
  law: { kN: number; a: number };
}

export function centreFromPreset(objective: Objective, spec?: string): Centre {
  const p = readPreset(spec, objective);
  if (p.objective !== objective) throw new Error(`preset ${p.name} is for ${p.objective}, not ${objective}`);
  return { nOpt: (C) => optimalAllocation(p.law, C).N, source: `preset ${p.name} (N_opt = ${p.law.kN.toPrecision(4)}·C^${p.law.a})`, law: { kN: p.law.kN, a: p.law.a } };
}

/** N_opt = kN·C^a from a previous sweep's IsoFLOP fit (SWEEP/fit.json or the file itself). */
export function centreFromFit(objective: Objective, path: string): Centre {
  const file = existsSync(join(path, "fit.json")) ? join(path, "fit.json") : path;
  const f = JSON.parse(readFileSync(file, "utf8")) as SweepFit;
  if (f.format !== "plmscale-sweep-fit") throw new Error(`${file} is not a sweep fit (run 'plmscale sweep fit')`);
  const o = f.objectives.find((x) => x.objective === objective);
  if (!o?.isoflop) throw new Error(`${file} has no IsoFLOP law for ${objective}`);
  const { kN, a } = o.isoflop;
  return { nOpt: (C) => kN * C ** a, source: `fit ${file} (N_opt = ${kN.toPrecision(4)}·C^${a.toFixed(3)})`, law: { kN, a } };
}

/**
 * Unique tokens in the corpus's training split (summed over sources), from its manifest.json
 * (src/data/manifest.ts: sources[].splits.train.tokens); null when there is no manifest or no such count.
 */
export function corpusTrainTokens(corpusDir: string): number | null {
  const path = join(corpusDir, "manifest.json");
  if (!existsSync(path)) return null;
  return trainSplitTokens(JSON.parse(readFileSync(path, "utf8")));
}

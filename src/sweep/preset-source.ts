// What `--preset` may name: a built-in preset, a preset JSON (`fit --save-preset`), a sweep's fit.json
// (`sweep fit`) or the sweep directory holding it. A fit file holds one law per objective; the caller's
// objective chooses which. One reader for every command that takes a preset (plan, sweep design).
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { readJson } from "../core/files.js";
import { defaultPreset, isDegenerate, presetByName, presetFromJson, PRESETS, type Preset } from "../scaling/index.js";
import type { Objective } from "../core/objective.js";
import type { ObjectiveFit, SweepFit } from "./fit.js";

/**
 * The allocation law of one objective in a sweep fit: the estimate the fit leads with (approach 2,
 * IsoFLOP, when enough minima are bracketed; else approach 3, parametric), falling back to the other one.
 */
export function presetFromSweepFit(fit: SweepFit, objective: Objective, where: string): Preset {
  const o: ObjectiveFit | undefined = fit.objectives.find((x) => x.objective === objective);
  if (!o) {
    throw new Error(`${where}: the sweep fit has no ${objective} law (it fitted ${fit.objectives.map((x) => x.objective).join(", ") || "nothing"}); pass --objective ${fit.objectives[0]?.objective ?? "clm|mlm"}`);
  }
  const order: ("isoflop" | "parametric")[] = o.allocation?.lead === "parametric" ? ["parametric", "isoflop"] : ["isoflop", "parametric"];
  const sizes = o.profiles.flatMap((m) => [m.minN, m.maxN]).filter((n) => n > 0);
  const fittedN: [number, number] | undefined = sizes.length ? [Math.min(...sizes), Math.max(...sizes)] : undefined;
  const caveat = o.unreliable ? `; unreliable: ${o.unreliable}` : "";
  for (const method of order) {
    if (method === "isoflop" && o.isoflop) {
      const f = o.isoflop;
      return presetFromJson({ name: `${objective} IsoFLOP fit`, objective, law: { kN: f.kN, a: f.a, kD: f.kD, b: f.b, kL: f.kL, gamma: f.gamma, cRef: f.cRef }, source: `IsoFLOP fit (approach 2) of sweep ${fit.sweep}, ${where}${caveat}`, ...(fittedN ? { fittedN } : {}) }, where);
    }
    // a degenerate parametric law's allocation follows from its collapse (scaling/parametric.ts): no law to plan with
    if (method === "parametric" && o.parametric && !isDegenerate(o.parametric)) {
      const f = o.parametric;
      return presetFromJson({ name: `${objective} parametric fit`, objective, law: { kN: f.kN, a: f.a, kD: f.kD, b: f.b }, source: `parametric fit (approach 3) of sweep ${fit.sweep}, ${where}${caveat}`, ...(fittedN ? { fittedN } : {}) }, where);
    }
  }
  throw new Error(`${where}: the sweep fit has no ${objective} allocation law (neither the IsoFLOP nor the parametric fit succeeded: ${o.warnings.slice(-1)[0] ?? "no runs"})`);
}

/**
 * A preset from its name (`released`/`paper` take the objective as suffix), a preset JSON, a sweep's
 * fit.json or a sweep directory (its fit.json). Errors name the file; the caller turns them into UserErrors.
 */
export function readPreset(spec: string | undefined, objective: Objective): Preset {
  if (spec === undefined) return defaultPreset(objective);
  if (PRESETS[spec]) return presetByName(spec);
  if (PRESETS[`${spec}-${objective}`]) return presetByName(`${spec}-${objective}`);
  if (!existsSync(spec)) {
    throw new Error(`unknown preset '${spec}' (known: ${Object.keys(PRESETS).join(", ")}, a preset JSON file, a sweep's fit.json or a sweep directory)`);
  }
  let file = spec;
  if (statSync(spec).isDirectory()) {
    file = join(spec, "fit.json");
    if (!existsSync(file)) throw new Error(`--preset ${spec}: a directory, but no fit.json in it (run 'plmscale sweep fit ${spec}' first)`);
  }
  const value = readJson<Record<string, unknown>>(file, "--preset file");
  if (value && typeof value === "object" && value.format === "plmscale-sweep-fit") return presetFromSweepFit(value as unknown as SweepFit, objective, file);
  return presetFromJson(value, `--preset ${file}`);
}

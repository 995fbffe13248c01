// Allocation-law presets: the paper's exponents and the authors' released fits (FLOPs → N, D, L).
// A user's own fit can be saved as a preset JSON file and loaded with presetFromJson.
import type { Objective } from "../core/objective.js";

/** N = kN·C^a, D = kD·C^b, L = kL·(C/cRef)^gamma (C in FLOPs, N non-embedding parameters, D tokens). */
export interface AllocationLaw {
  kN: number;
  a: number;
  kD: number;
  b: number;
  kL?: number;
  gamma?: number;
  cRef?: number;
}

export interface Preset {
  name: string;
  objective: Objective;
  law: AllocationLaw;
  source: string;
  /** smallest and largest non-embedding N the law was fitted on (plans far outside are refused) */
  fittedN?: [number, number];
}

/** Cheng et al. 2024 fitted their laws on models from 3.5M to 10.7B parameters. */
export const PAPER_FITTED_N: [number, number] = [3.5e6, 10.7e9];

const PAPER = "Cheng et al. 2024, Training Compute-Optimal Protein Language Models (NeurIPS 2024)";
const RELEASED =
  "released fits of Cheng et al. 2024 (authors' repository cxysteven/ScalingProteinLM), C in FLOPs, L in nats/token at cRef = 8.64e19 FLOPs (1 PF-day)";

// Released fits: N = 0.0030879·C^0.55745, D = 130.196·C^0.42615, L = 2.3606·(C/8.64e19)^−0.024929.
const RELEASED_CLM: AllocationLaw = { kN: 0.0030879, a: 0.55745, kD: 130.196, b: 0.42615, kL: 2.3606, gamma: -0.024929, cRef: 8.64e19 };
// Released fits: N = 1.36464e-7·C^0.75980, D = 6.14904e5·C^0.25613, L = 2.12612·(C/8.64e19)^−0.02873.
const RELEASED_MLM: AllocationLaw = { kN: 1.36464e-7, a: 0.7598, kD: 6.14904e5, b: 0.25613, kL: 2.12612, gamma: -0.02873, cRef: 8.64e19 };

/** The anchor compute at which the paper presets agree with the released fits. */
export const PAPER_ANCHOR_FLOPS = 1e21;

export const PRESETS: Record<string, Preset> = {
  "released-clm": { name: "released-clm", objective: "clm", law: RELEASED_CLM, source: RELEASED, fittedN: PAPER_FITTED_N },
  "released-mlm": { name: "released-mlm", objective: "mlm", law: RELEASED_MLM, source: RELEASED, fittedN: PAPER_FITTED_N },
  // The paper's exponents (CLM N ∝ C^0.578, D ∝ C^0.422). The paper states no prefactors in FLOPs, so the
  // prefactors here are anchored to the released fit at C = 1e21 FLOPs (documented approximation): the
  // exponents are the paper's, the absolute scale is the released fit's at that point.
  "paper-clm": anchored("paper-clm", "clm", 0.578, 0.422, "released-clm", RELEASED_CLM),
  // MLM N ∝ C^0.776, D ∝ C^0.230 (the paper).
  "paper-mlm": anchored("paper-mlm", "mlm", 0.776, 0.23, "released-mlm", RELEASED_MLM),
};

function anchored(name: string, objective: Objective, a: number, b: number, ref: string, r: AllocationLaw): Preset {
  const c = PAPER_ANCHOR_FLOPS;
  const nAt = r.kN * c ** r.a;
  const dAt = r.kD * c ** r.b;
  return {
    name,
    objective,
    law: { kN: nAt / c ** a, a, kD: dAt / c ** b, b, kL: r.kL, gamma: r.gamma, cRef: r.cRef },
    source: `${PAPER}: exponents a=${a}, b=${b}; prefactors anchored to ${ref} at C=1e21 FLOPs (the paper gives none)`,
    fittedN: PAPER_FITTED_N,
  };
}

/** The planner's default: the authors' released fits (the paper's exponents alone cannot place N). */
export function defaultPreset(objective: Objective): Preset {
  return PRESETS[objective === "clm" ? "released-clm" : "released-mlm"]!;
}

/** N_opt, D_opt (and L_opt when the law has a loss term) at compute C FLOPs. */
export function optimalAllocation(law: AllocationLaw, C: number): { N: number; D: number; L?: number } {
  if (!(C > 0) || !Number.isFinite(C)) throw new RangeError(`compute must be a positive finite number of FLOPs, got ${C}`);
  const N = law.kN * C ** law.a;
  const D = law.kD * C ** law.b;
  if (law.kL !== undefined && law.gamma !== undefined) {
    return { N, D, L: law.kL * (C / (law.cRef ?? 1)) ** law.gamma };
  }
  return { N, D };
}

/** Growth factors of N and D when compute grows by `factor` (the paper's "×10 compute" view). */
export function growthFactors(law: AllocationLaw, factor = 10): { N: number; D: number } {
  return { N: factor ** law.a, D: factor ** law.b };
}

/** Validate a preset read from JSON (a saved user fit); throws with the offending field. */
export function presetFromJson(value: unknown, where = "preset"): Preset {
  const v = value as Record<string, unknown>;
  if (typeof v !== "object" || v === null) throw new Error(`${where}: not a JSON object`);
  const objective = v.objective;
  if (objective !== "clm" && objective !== "mlm") throw new Error(`${where}: objective must be "clm" or "mlm"`);
  const law = v.law as Record<string, unknown> | undefined;
  if (typeof law !== "object" || law === null) throw new Error(`${where}: missing "law" object`);
  const out: AllocationLaw = { kN: 0, a: 0, kD: 0, b: 0 };
  for (const key of ["kN", "a", "kD", "b"] as const) {
    const x = law[key];
    if (typeof x !== "number" || !Number.isFinite(x)) throw new Error(`${where}: law.${key} must be a finite number`);
    out[key] = x;
  }
  if (!(out.kN > 0 && out.kD > 0)) throw new Error(`${where}: law.kN and law.kD must be positive`);
  for (const key of ["kL", "gamma", "cRef"] as const) {
    const x = law[key];
    if (x === undefined) continue;
    if (typeof x !== "number" || !Number.isFinite(x)) throw new Error(`${where}: law.${key} must be a finite number`);
    out[key] = x;
  }
  const name = typeof v.name === "string" && v.name ? v.name : "user";
  const source = typeof v.source === "string" ? v.source : "user fit";
  const f = v.fittedN;
  if (f !== undefined && !(Array.isArray(f) && f.length === 2 && f.every((x) => typeof x === "number" && x > 0 && Number.isFinite(x)) && f[0] <= f[1])) {
    throw new Error(`${where}: fittedN must be [smallest N, largest N] (positive numbers)`);
  }
  return { name, objective, law: out, source, ...(f ? { fittedN: f as [number, number] } : {}) };
}

/** Look up a built-in preset by name; the error lists the known names. */
export function presetByName(name: string): Preset {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preset '${name}' (known: ${Object.keys(PRESETS).join(", ")}, or a JSON file)`);
  return p;
}

/** Add a user preset (e.g. a saved fit) to PRESETS so that it can be named; refuses to shadow a built-in. */
export function registerPreset(p: Preset): Preset {
  const builtIn = ["released-clm", "released-mlm", "paper-clm", "paper-mlm"];
  if (builtIn.includes(p.name)) throw new Error(`preset name '${p.name}' is built in; choose another`);
  const checked = presetFromJson(p, `preset ${p.name}`);
  PRESETS[checked.name] = checked;
  return checked;
}

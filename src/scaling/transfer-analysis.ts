// The transfer-law pipeline of `fit --method transfer` (Cheng et al. 2024 §4: effectively transferred tokens):
// pair MLM runs initialised from a CLM with from-scratch MLM runs of the same size and tokens, take the
// from-scratch law L(N, D) (given, or fitted to the scratch runs), convert each pair's loss gain into the
// tokens D_t a scratch run would have needed, and fit D_t = k·D_F^α·N^β through the pairs.
import { UserError } from "../core/errors.js";
import { fitParametricParallel } from "./bootstrap-pool.js";
import type { ParametricLaw } from "./parametric.js";
import type { RunRow } from "./runs-table.js";
import { fitTransferLaw, isTransferRun, pairRuns, transferredTokens, type TransferLaw, type TransferPoint } from "./transfer.js";

export interface TransferAnalysis {
  /** the from-scratch MLM law the gains are measured against, and where it came from */
  law: ParametricLaw;
  lawSource: string;
  points: TransferPoint[];
  /** absent when too few pairs carry a finite D_t (then the per-pair figures stand alone) */
  fit?: TransferLaw;
  warnings: string[];
}

/** A parametric law from parsed JSON (`fit --method parametric --json` output, or the bare law); `what` names the source. */
export function lawFromJson(j: unknown, what: string): ParametricLaw {
  const o = (j ?? {}) as { fit?: ParametricLaw } & Partial<ParametricLaw>;
  const l = (o.fit ?? o) as Partial<ParametricLaw>;
  for (const k of ["E", "A", "B", "alpha", "beta"] as const) {
    if (typeof l[k] !== "number" || !Number.isFinite(l[k])) {
      throw new UserError(`${what}: missing number '${k}' (expected the JSON of 'plmscale fit --method parametric --json')`, 1);
    }
  }
  return { E: l.E!, A: l.A!, B: l.B!, alpha: l.alpha!, beta: l.beta! };
}

/** Run the pipeline on a runs table's rows (MLM rows are used; CLM rows are ignored). */
export async function analyseTransfer(rows: readonly RunRow[], given?: { law: ParametricLaw; source: string }): Promise<TransferAnalysis> {
  const mlm = rows.filter((r) => r.objective === "mlm");
  const pairs = pairRuns(mlm);
  if (pairs.length === 0) {
    throw new UserError("no transfer pairs: the table needs MLM runs with init=clm and matching from-scratch MLM runs (same N and D, or a pair column)", 1);
  }
  let law: ParametricLaw, lawSource: string;
  if (given) {
    ({ law, source: lawSource } = given);
  } else {
    const scratch = mlm.filter((r) => !isTransferRun(r));
    if (scratch.length < 5) throw new UserError(`only ${scratch.length} from-scratch MLM runs to fit the scratch law (need ≥ 5): pass --law FILE`, 1);
    const f = await fitParametricParallel(scratch, { bootstrap: 0 });
    law = { E: f.E, A: f.A, B: f.B, alpha: f.alpha, beta: f.beta };
    lawSource = `parametric fit of ${scratch.length} from-scratch MLM runs`;
  }
  const points = pairs.map((p) => transferredTokens(p, law));
  const warnings: string[] = [];
  let fit: TransferLaw | undefined;
  try {
    fit = fitTransferLaw(points);
    warnings.push(...fit.warnings);
  } catch (e) {
    warnings.push(`${(e as Error).message}: D_t reported per pair only`);
  }
  return { law, lawSource, points, ...(fit ? { fit } : {}), warnings };
}

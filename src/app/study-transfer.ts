// `plmscale study transfer` (Cheng et al. 2024 §5): does an MLM initialised from a CLM of the same shape beat
// one trained from scratch, and by how much at each size? Per size N and joint token budget D_J:
//   CLM on f·D_J tokens  →  MLM from that CLM on (1−f)·D_J tokens       (f: the CLM share, the paper ≈ 10–20%)
//   MLM from scratch on (1−f)·D_J tokens   (same MLM tokens: the pair for the transferred-tokens law)
//   MLM from scratch on D_J tokens         (same total compute: the gain that matters)
// Fits: a parametric from-scratch MLM law L(N, D), then D_t per pair and D_t = k·D_F^α·N^β
// (scaling/transfer.ts, the same functions as `fit --method transfer`). Phase 1 (CLMs and scratch MLMs) and
// phase 2 (transferred MLMs) are sweep directories, so an interrupted study resumes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fitParametric, type ParametricLaw, type RunRow } from "../scaling/index.js";
import { fitTransferLaw, transferredTokens, type TransferLaw, type TransferPoint } from "../scaling/transfer.js";
import { formatParams, shapeForAnySize, sweepContext } from "../sweep/design.js";
import { nonEmbeddingParams } from "../scaling/shape.js";
import { writeJsonAtomic } from "../core/files.js";
import { pointPaths } from "../sweep/layout.js";
import { curveOf, resultOf, runPhase, writePhase, type StudyOptions, type StudyRunSpec } from "./study.js";
import { trainingFlops } from "../scaling/compute.js";

export interface TransferStudyOptions extends StudyOptions {
  out: string;
  /** target non-embedding sizes */
  sizes: number[];
  /** joint token budgets D_J (CLM + MLM tokens of the transferred run) */
  jointTokens: number[];
  /** CLM share f of the joint budget */
  clmShare: number;
}

export interface TransferRow {
  N: number;
  jointTokens: number;
  clmTokens: number;
  mlmTokens: number;
  clmLoss: number;
  transfer: number;
  scratchSameMlmTokens: number;
  scratchSameCompute: number;
  /** scratchSameCompute − transfer: > 0 when the CLM start pays off at equal total compute */
  gainSameCompute: number;
  /** scratchSameMlmTokens − transfer */
  gainSameMlmTokens: number;
}

export interface TransferStudy {
  format: "plmscale-study-transfer";
  out: string;
  clmShare: number;
  rows: TransferRow[];
  /** mean gain at equal compute per size, smallest first (the paper: grows with size) */
  gainBySize: { N: number; gain: number }[];
  scratchLaw: ParametricLaw | null;
  points: TransferPoint[];
  law: TransferLaw | null;
  warnings: string[];
}

const tag = (x: number) => x.toExponential(1).replace("+", "");

export async function studyTransfer(o: TransferStudyOptions): Promise<TransferStudy> {
  if (!(o.clmShare > 0 && o.clmShare < 1)) throw new RangeError(`--clm-share must be in (0, 1), got ${o.clmShare}`);
  const shapes = [...new Map(o.sizes.map((t) => { const s = shapeForAnySize(t, "esm", o.family); return [`${s.layers}x${s.dModel}`, s] as const; })).values()];
  // every run (CLM, MLM from scratch, MLM from CLM) at one context: the rule's at the smallest size and budget
  const N0 = Math.min(...shapes.map((s) => nonEmbeddingParams(s)));
  o = { ...o, context: o.context ?? sweepContext(N0, trainingFlops(N0, Math.min(...o.jointTokens) * Math.min(o.clmShare, 1 - o.clmShare)), o.family) };
  const p1: StudyRunSpec[] = [];
  const p2: StudyRunSpec[] = [];
  const phase1 = join(o.out, "phase1"), phase2 = join(o.out, "phase2");
  for (const shape of shapes) {
    const n = formatParams(nonEmbeddingParams(shape));
    for (const DJ of o.jointTokens) {
      const clmD = o.clmShare * DJ, mlmD = (1 - o.clmShare) * DJ;
      p1.push({ id: `clm-N${n}-D${tag(clmD)}`, objective: "clm", shape, D: clmD });
      p1.push({ id: `mlm-N${n}-D${tag(mlmD)}`, objective: "mlm", shape, D: mlmD });
      p1.push({ id: `mlm-N${n}-D${tag(DJ)}`, objective: "mlm", shape, D: DJ });
      p2.push({ id: `mlm-from-clm-N${n}-D${tag(mlmD)}`, objective: "mlm", shape, D: mlmD, initFrom: { run: pointPaths(phase1, { id: `clm-N${n}-D${tag(clmD)}` }).run, objective: "clm" } });
    }
  }
  // a scratch run can be shared by two budgets (same tokens): keep one of each id
  const uniq = (xs: StudyRunSpec[]) => [...new Map(xs.map((x) => [x.id, x])).values()];
  writePhase(phase1, "transfer: CLM pre-training and MLM from scratch", uniq(p1), o);
  o.log(`[study transfer] phase 1: ${uniq(p1).length} runs (CLMs on ${o.clmShare * 100}% of each joint budget, MLMs from scratch)`);
  await runPhase(phase1, o);
  writePhase(phase2, "transfer: MLM from CLM", p2, o);
  o.log(`[study transfer] phase 2: ${p2.length} MLM runs initialised from the CLMs`);
  await runPhase(phase2, o);

  const warnings: string[] = [];
  const rows: TransferRow[] = [];
  for (const shape of shapes) {
    const n = formatParams(nonEmbeddingParams(shape));
    for (const DJ of o.jointTokens) {
      const clmD = o.clmShare * DJ, mlmD = (1 - o.clmShare) * DJ;
      const t = resultOf(phase2, `mlm-from-clm-N${n}-D${tag(mlmD)}`);
      const same = resultOf(phase1, `mlm-N${n}-D${tag(mlmD)}`), full = resultOf(phase1, `mlm-N${n}-D${tag(DJ)}`);
      rows.push({
        N: t.N, jointTokens: DJ, clmTokens: clmD, mlmTokens: mlmD, clmLoss: resultOf(phase1, `clm-N${n}-D${tag(clmD)}`).loss,
        transfer: t.loss, scratchSameMlmTokens: same.loss, scratchSameCompute: full.loss,
        gainSameCompute: full.loss - t.loss, gainSameMlmTokens: same.loss - t.loss,
      });
    }
  }
  const sizes = [...new Set(rows.map((r) => r.N))].sort((a, b) => a - b);
  const gainBySize = sizes.map((N) => { const g = rows.filter((r) => r.N === N).map((r) => r.gainSameCompute); return { N, gain: g.reduce((a, b) => a + b, 0) / g.length }; });
  // the from-scratch MLM law, then the effectively transferred tokens per pair
  const scratchRows: RunRow[] = [];
  for (const shape of shapes) {
    const n = formatParams(nonEmbeddingParams(shape));
    for (const D of [...new Set(o.jointTokens.flatMap((DJ) => [(1 - o.clmShare) * DJ, DJ]))]) {
      const r = resultOf(phase1, `mlm-N${n}-D${tag(D)}`);
      scratchRows.push({ objective: "mlm", N: r.N, D: r.D, C: trainingFlops(r.N, r.D), loss: r.loss, extra: {} });
    }
  }
  let scratchLaw: ParametricLaw | null = null;
  let points: TransferPoint[] = [];
  let law: TransferLaw | null = null;
  try {
    const f = fitParametric(scratchRows, { bootstrap: 0 });
    scratchLaw = { E: f.E, A: f.A, B: f.B, alpha: f.alpha, beta: f.beta };
    points = rows.map((r) => transferredTokens({ N: r.N, DF: r.mlmTokens, lossScratch: r.scratchSameMlmTokens, lossTransfer: r.transfer }, scratchLaw!));
    law = fitTransferLaw(points);
    warnings.push(...law.warnings);
  } catch (e) {
    warnings.push(`transfer law not fitted: ${(e as Error).message}`);
  }
  if (gainBySize.length >= 2 && gainBySize[gainBySize.length - 1]!.gain <= gainBySize[0]!.gain) {
    warnings.push("the gain at equal compute does not grow with size here (the paper finds it does, at 1e18+ FLOPs); at these budgets the CLM phase mostly teaches what MLM learns quickly anyway");
  }
  // a runs table for `plmscale fit DIR/runs.csv --method transfer`
  const csv = ["objective,N,D,C,loss,init,pair"];
  rows.forEach((r, i) => {
    csv.push(`mlm,${r.N},${r.mlmTokens},${trainingFlops(r.N, r.mlmTokens)},${r.scratchSameMlmTokens},scratch,${i}`);
    csv.push(`mlm,${r.N},${r.mlmTokens},${trainingFlops(r.N, r.mlmTokens)},${r.transfer},clm,${i}`);
  });
  for (const s of scratchRows) if (!rows.some((r) => r.N === s.N && r.mlmTokens === s.D)) csv.push(`mlm,${s.N},${s.D},${s.C},${s.loss},scratch,`);
  writeFileSync(join(o.out, "runs.csv"), csv.join("\n") + "\n");
  const result: TransferStudy = { format: "plmscale-study-transfer", out: o.out, clmShare: o.clmShare, rows, gainBySize, scratchLaw, points, law, warnings };
  writeJsonAtomic(join(o.out, "study.json"), result);
  return result;
}

/** Loss curves of one size's runs (for the report): transferred MLM vs scratch MLM at equal MLM tokens. */
export function transferCurves(out: string, r: TransferRow): { run: string; points: { tokens: number; loss: number }[] }[] {
  const n = formatParams(r.N);
  return [
    { run: "from CLM", points: curveOf(join(out, "phase2"), `mlm-from-clm-N${n}-D${tag(r.mlmTokens)}`) },
    { run: "scratch", points: curveOf(join(out, "phase1"), `mlm-N${n}-D${tag(r.mlmTokens)}`) },
  ];
}

// Human-readable lines for an evaluation result (the CLI's default output).
import type { EvaluationResult } from "./run.js";

const f = (x: unknown, d = 3) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(d) : "—");

type Group = { sequences: number; tokens: number; perplexity: number; pseudoPerplexity?: number };
type Assay = { assay: string; n: number; spearman: number; auc: number; mcc: number; ndcg: number; topRecall: number; proteingym: { id: string; published: Record<string, number> } | null };

export function formatEvaluation(r: EvaluationResult): string[] {
  const out = [`# ${r.run} (${r.objective}, N=${r.nonEmbeddingParams.toExponential(2)}, C=${r.computeFlops.toExponential(2)} FLOPs)${r.interrupted ? " — INTERRUPTED: run again to resume" : ""}`];
  const p = r.tasks.perplexity as (Group & { set: string; kind: string; bySource: Record<string, Group>; identity: { bins?: Record<string, Group>; note?: string } }) | undefined;
  if (p && !("skipped" in p)) {
    out.push(`perplexity: ${f(p.perplexity)} (${p.kind}) on ${p.set}${p.pseudoPerplexity !== undefined ? `, pseudo-perplexity ${f(p.pseudoPerplexity)}` : ""}`);
    if (p.identity.bins) for (const [b, g] of Object.entries(p.identity.bins)) out.push(`  identity ${b.padEnd(8)} ${f(g.perplexity).padStart(7)}  (${g.sequences} sequences)`);
    else if (p.identity.note) out.push(`  ${p.identity.note}`);
    if (Object.keys(p.bySource).length > 1) for (const [s, g] of Object.entries(p.bySource)) out.push(`  source ${s.padEnd(12)} ${f(g.perplexity)}`);
  }
  const d = r.tasks.dms as { method: string; assays: Assay[]; average: Record<string, number>; published: { sameAssays: { esm2: Record<string, number>; modelSpearman: number } | null; proteingymAverage: Record<string, number> | null } } | undefined;
  if (d && !("skipped" in d)) {
    out.push(`dms (${d.method}):  assay  n  Spearman  AUC  MCC  NDCG@10%  top-10% recall  | published ESM-2 8M / 35M / 650M Spearman`);
    for (const a of d.assays) {
      const pub = a.proteingym?.published;
      out.push(`  ${a.assay.padEnd(46)} ${String(a.n).padStart(5)}  ${f(a.spearman)}  ${f(a.auc)}  ${f(a.mcc)}  ${f(a.ndcg)}  ${f(a.topRecall)}  | ${pub ? `${f(pub["ESM2 (8M)"])} / ${f(pub["ESM2 (35M)"])} / ${f(pub["ESM2 (650M)"])} (${a.proteingym!.id})` : "no ProteinGym counterpart"}`);
    }
    out.push(`  average Spearman ${f(d.average.spearman)}, AUC ${f(d.average.auc)}, MCC ${f(d.average.mcc)}, NDCG ${f(d.average.ndcg)}, top-recall ${f(d.average.topRecall)}`);
    if (d.published.proteingymAverage) out.push(`  ProteinGym average (217 assays): ESM-2 8M ${f(d.published.proteingymAverage["ESM2 (8M)"])}, 35M ${f(d.published.proteingymAverage["ESM2 (35M)"])}, 650M ${f(d.published.proteingymAverage["ESM2 (650M)"])}`);
  }
  const g = r.tasks.generation as Record<string, any> | undefined;
  if (g && !("skipped" in g)) {
    out.push(`generation: ${g.samples} samples, length ${f(g.length.meanSamples, 1)} vs ${f(g.length.meanReference, 1)} (KS ${f(g.length.ks)}), composition JS ${f(g.compositionJsBits, 4)} bits, low-complexity ${f(g.lowComplexity.samples)} vs ${f(g.lowComplexity.reference)}`);
    if (g.maxIdentity?.bins) out.push(`  MaxID to training: mean ${f(g.maxIdentity.mean)}; ${Object.entries(g.maxIdentity.bins as Record<string, number>).map(([k, v]) => `${k}: ${f(v, 2)}`).join(", ")}`);
    if (g.diversity) out.push(`  diversity: ${f(g.diversity.per1000, 0)} clusters at 50% identity per 1,000 samples`);
    if (g.naturalness) out.push(`  naturalness: ${f(g.naturalness.meanTokenLogLikelihood)} nats/token under ${g.naturalness.judge}`);
    out.push(`  ${g.notAvailable}`);
  }
  const c = r.tasks.contacts as { mean: Record<string, Record<string, number>>; items: { split: string }[]; published: Record<string, number>; regression: { nonZero: number }; channels: number } | undefined;
  if (c && !("skipped" in c)) {
    const test = c.items.filter((i) => i.split === "test").length;
    out.push(`contacts (precision in %, mean of ${test} test structure(s); regression: ${c.regression.nonZero} of ${c.channels} layer×head channels):`);
    for (const [range, p] of Object.entries(c.mean)) out.push(`  ${range.padEnd(7)} ${Object.entries(p).map(([k, v]) => `${k} ${f(v, 1)}`).join("  ")}`);
    out.push(`  published long-range P@L: ${Object.entries(c.published).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  }
  const ss = r.tasks.ss as { q3: number; q8: number; majority: { q3: number; q8: number }; split: { testChains: number; trainChains: number } } | undefined;
  if (ss && !("skipped" in ss)) {
    out.push(`ss: Q3 ${f(ss.q3)}, Q8 ${f(ss.q8)} on ${ss.split.testChains} held-out chain(s) (probe on ${ss.split.trainChains}); most-frequent class: Q3 ${f(ss.majority.q3)}, Q8 ${f(ss.majority.q8)}`);
  }
  for (const [name, t] of Object.entries(r.tasks)) if ("skipped" in t) out.push(`${name}: skipped — ${t.skipped}`);
  return out;
}

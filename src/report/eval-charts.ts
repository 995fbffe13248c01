// The report's evaluation section (from SWEEP/eval.json, written by `plmscale sweep eval`): a per-run table of
// downstream metrics, per-assay Spearman bars beside the published ESM-2 sizes, and downstream metrics vs
// training compute per objective. Pure spec builders plus one function returning report blocks.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SweepEvaluation, SweepEvalRow } from "../sweep/eval.js";
import { SWEEP_EVAL_FILE } from "../sweep/layout.js";
import { readJson } from "../core/files.js";
import { html, type Block, type Html } from "./html.js";
import type { VlSpec } from "./render.js";

const W = 300, H = 220;
const f = (x: number | null | undefined, d = 3) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(d) : "—");

/** A downstream metric vs training compute, one line per objective (log x). */
export function metricVsComputeSpec(rows: SweepEvalRow[], field: keyof SweepEvalRow, title: string, logY = false): VlSpec {
  const values = rows.filter((r) => typeof r[field] === "number").map((r) => ({ C: r.C, value: r[field] as number, objective: r.objective.toUpperCase(), id: r.id }));
  return {
    title: `${title} vs compute`, width: W, height: H,
    data: { values },
    mark: { type: "line", point: { filled: true, size: 60 } },
    encoding: {
      x: { field: "C", type: "quantitative", title: "training compute C (FLOPs)", scale: { type: "log" }, axis: { format: ".0e" } },
      y: { field: "value", type: "quantitative", title, scale: { zero: false, ...(logY ? { type: "log" } : {}) } },
      color: { field: "objective", type: "nominal", title: "objective" },
      tooltip: [{ field: "id" }, { field: "value" }],
    },
  };
}

/** Per-assay Spearman: the given runs beside the published ESM-2 models on the same assays. */
export function assayBarsSpec(bars: { assay: string; model: string; spearman: number }[]): VlSpec {
  return {
    title: "DMS Spearman per assay: this sweep beside published ESM-2", width: { step: 9 }, height: H,
    data: { values: bars },
    mark: "bar",
    encoding: {
      column: { field: "assay", type: "nominal", title: null, header: { labelAngle: 0, labelFontSize: 9 } },
      x: { field: "model", type: "nominal", title: null, axis: null, sort: null },
      y: { field: "spearman", type: "quantitative", title: "Spearman ρ" },
      color: { field: "model", type: "nominal", title: "model", sort: null },
      tooltip: [{ field: "model" }, { field: "spearman" }],
    },
  };
}

/** Report blocks for SWEEP/eval.json; none when the sweep has not been evaluated. */
export async function evalSection(sweepDir: string, svg: (spec: VlSpec) => Promise<Html>): Promise<Block[]> {
  const p = join(sweepDir, SWEEP_EVAL_FILE);
  if (!existsSync(p)) return [];
  const ev = readJson<SweepEvaluation>(p);
  const rows = ev.runs;
  const blocks: Block[] = [{ kind: "h2", text: "Downstream evaluation" }];
  blocks.push({ kind: "p", html: html`From <code>plmscale sweep eval</code> (${ev.tasks.join(", ")}) over ${rows.length} finished runs. Perplexity is next-token (CLM) or masked-token at the training mask rate (MLM) on the corpus's test split; DMS is zero-shot Spearman averaged over the assays (ProteinGym metrics).` });
  const bins = [...new Set(rows.flatMap((r) => Object.keys(r.perplexityByIdentity ?? {})))];
  blocks.push({
    kind: "table",
    head: ["run", "objective", "C (FLOPs)", "val loss", "perplexity", ...bins.map((b) => `ppl id ${b}`), "DMS Spearman", "DMS AUC", "DMS NDCG", "gen. clusters/1k", "gen. MaxID"],
    rows: rows.map((r) => [r.id, r.objective.toUpperCase(), r.C.toExponential(2), f(r.loss), f(r.perplexity, 2), ...bins.map((b) => f(r.perplexityByIdentity?.[b], 2)), f(r.dmsSpearman), f(r.dmsAuc), f(r.dmsNdcg), f(r.generationDiversity, 0), f(r.generationMaxIdentity)]),
  });
  const svgs: Html[] = [];
  if (rows.some((r) => r.perplexity !== null)) svgs.push(await svg(metricVsComputeSpec(rows, "perplexity", "test perplexity", true)));
  if (rows.some((r) => r.dmsSpearman !== null)) svgs.push(await svg(metricVsComputeSpec(rows, "dmsSpearman", "DMS Spearman")));
  if (rows.some((r) => r.generationDiversity !== null)) svgs.push(await svg(metricVsComputeSpec(rows, "generationDiversity", "clusters per 1k samples")));
  if (svgs.length) blocks.push({ kind: "charts", svgs });

  // per-assay bars: the largest-compute run of each objective beside the published ESM-2 sizes
  const pub = (ev.published as { sameAssays?: { assays: string[] } } | null)?.sameAssays;
  const withDms = rows.filter((r) => r.dmsPerAssay);
  if (withDms.length) {
    const best = ["mlm", "clm"].map((o) => withDms.filter((r) => r.objective === o).sort((a, b) => b.C - a.C)[0]).filter((r): r is SweepEvalRow => !!r);
    const bars: { assay: string; model: string; spearman: number }[] = [];
    for (const r of best) for (const [assay, s] of Object.entries(r.dmsPerAssay!)) bars.push({ assay, model: `${r.id}`, spearman: s });
    const perAssay = (ev.published as { perAssayEsm2?: Record<string, Record<string, number>> } | null)?.perAssayEsm2;
    if (perAssay) for (const [assay, m] of Object.entries(perAssay)) for (const [model, s] of Object.entries(m)) if (Number.isFinite(s)) bars.push({ assay, model, spearman: s });
    blocks.push({ kind: "charts", svgs: [await svg(assayBarsSpec(bars))] });
    blocks.push({ kind: "p", html: html`Bars: the largest-compute run per objective${perAssay ? " and the published ProteinGym Spearman of ESM-2 on the ProteinGym assay paired with each" : ""}${pub ? ` (paired assays: ${pub.assays.join(", ")})` : ""}.` });
  }
  return blocks;
}

// Task `dms`: zero-shot fitness prediction on deep mutational scans (ProteinGym's protocol). Every variant gets
// a score (mutation-scores.ts), each assay the five ProteinGym metrics (metrics.ts), and the assays' average;
// an assay that pairs with a ProteinGym assay shows the published ESM-2 Spearman of that assay beside the
// model's. Per-variant scores are appended as they finish (resume), and each finished assay is written as a CSV
// with the assay's own columns plus `score` under <out>/dms/.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { csvField } from "../data/csv.js";
import { findReferenceTable, listAssays, readDmsAssay, readReferenceTable, type DmsAssay, type ReferenceRow } from "../data/dms.js";
import { ESM2_MODELS, PROTEINGYM_FILES, matchProteinGymAssay, readPublishedScores } from "../data/proteingym.js";
import { fileURLToPath } from "node:url";
import { ItemStore, writeAtomic } from "./items.js";
import { fitnessMetrics, type FitnessMetrics } from "./metrics.js";
import { CLM_METHODS, MLM_METHODS, clmLogLikelihoodRatios, marginalScore, pseudoLogLikelihoods, siteLogProbs, type ScoringMethod } from "./mutation-scores.js";
import type { EvalContext, EvalTask } from "./tasks.js";

/** The assays committed with the project (3 of ../shared/data/dms; see test/fixtures/README.md). */
export const BUNDLED_DMS = fileURLToPath(new URL("../../../test/fixtures/dms/", import.meta.url));

export interface AssayResult extends FitnessMetrics {
  assay: string;
  wildTypeLength: number;
  binarization: string;
  proteingym: { id: string; how: string; published: Record<string, number> } | null;
}

const METRIC_KEYS = ["spearman", "auc", "mcc", "ndcg", "topRecall"] as const;

function mean(xs: number[]): number {
  const v = xs.filter(Number.isFinite);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/** Score the still-missing variants of one assay, `batch` at a time, appending each to the store. */
function scoreAssay(ctx: EvalContext, a: DmsAssay, method: ScoringMethod, store: ItemStore<number>, keyOf: (line: number) => string): boolean {
  const { model } = ctx;
  const todo = a.variants.filter((v) => !store.has(keyOf(v.line)));
  if (!todo.length) return true;
  const total = a.variants.length;
  if (method === "masked-marginals" || method === "wt-marginals") {
    const sites = [...new Set(todo.flatMap((v) => v.substitutions.map((m) => m.index)))].sort((x, y) => x - y);
    const table = new Map<number, Float32Array>();
    for (let i = 0; i < sites.length; i += 64) {
      if (ctx.signal.aborted) return false;
      for (const [k, v] of siteLogProbs(model, a.wildType, sites.slice(i, i + 64), method === "masked-marginals")) table.set(k, v);
      ctx.progress(`dms ${a.name} (sites)`, Math.min(i + 64, sites.length), sites.length);
    }
    for (const v of todo) store.put(keyOf(v.line), marginalScore(v.substitutions, table));
    return true;
  }
  const batch = method === "pll" ? 4 : 32;
  const wtPll = method === "pll" ? pseudoLogLikelihoods(model, [a.wildType])[0]! : 0;
  for (let i = 0; i < todo.length; i += batch) {
    if (ctx.signal.aborted) return false;
    const part = todo.slice(i, i + batch);
    const scores = method === "pll"
      ? pseudoLogLikelihoods(model, part.map((v) => v.sequence)).map((p) => p - wtPll)
      : clmLogLikelihoodRatios(model, a.wildType, part);
    part.forEach((v, k) => store.put(keyOf(v.line), scores[k]!));
    ctx.progress(`dms ${a.name}`, total - todo.length + Math.min(i + batch, todo.length), total);
  }
  return true;
}

export const dmsTask: EvalTask = {
  name: "dms",
  summary: "zero-shot fitness on ProteinGym-format DMS assays: Spearman, AUC, MCC, NDCG@10%, top-10% recall",
  objectives: ["mlm", "clm"],
  async run(ctx: EvalContext) {
    const { model, options: o } = ctx;
    const allowed = model.causal ? CLM_METHODS : MLM_METHODS;
    const method = (o.dmsScoring ?? allowed[0]) as ScoringMethod;
    if (!allowed.includes(method)) {
      throw new UserError(`--dms-scoring ${method} does not apply to a ${model.causal ? "CLM" : "MLM"}; use one of ${allowed.join(", ")}`, 2);
    }
    const dmsPath = o.dms ?? BUNDLED_DMS;
    const refPath = o.reference ?? findReferenceTable(dmsPath) ?? (existsSync(PROTEINGYM_FILES.reference) ? PROTEINGYM_FILES.reference : undefined);
    const reference: Map<string, ReferenceRow> = refPath ? readReferenceTable(refPath) : new Map();
    const published = readPublishedScores();
    const entries = listAssays(dmsPath);
    const dir = join(ctx.out, "dms");
    const store = new ItemStore<number>(join(dir, "variants.jsonl"), { checkpoint: ctx.checkpoint, method, maxVariants: o.maxVariants ?? null });

    const results: AssayResult[] = [];
    for (const [n, e] of entries.entries()) {
      const assay = readDmsAssay(e.csv, { name: e.name, fasta: e.fasta, reference });
      if (o.maxVariants && assay.variants.length > o.maxVariants) assay.variants = assay.variants.slice(0, o.maxVariants);
      ctx.log(`dms: assay ${n + 1}/${entries.length} ${assay.name} (${assay.variants.length} variants, ${assay.wildType.length} residues)`);
      const keyOf = (line: number) => `${assay.name}#${line}`;
      if (!scoreAssay(ctx, assay, method, store, keyOf)) return { interrupted: true, done: store.size, assaysDone: results.length, assays: entries.length };
      const scores = assay.variants.map((v) => store.get(keyOf(v.line))!);
      const metrics = fitnessMetrics(assay.variants.map((v) => v.score), assay.variants.map((v) => v.bin), scores);
      const match = matchProteinGymAssay(assay.name, reference);
      results.push({
        assay: assay.name, wildTypeLength: assay.wildType.length, binarization: assay.binarization, ...metrics,
        proteingym: match ? { ...match, published: published?.perAssay.get(match.id) ?? {} } : null,
      });
      // the assay's own columns plus `score`, row for row
      const lines = new Map(assay.variants.map((v, k) => [v.line, scores[k]!]));
      const csv = [[...assay.table.header, "score"].map(csvField).join(",")];
      assay.table.rows.forEach((r, k) => {
        const s = lines.get(assay.table.lines[k]!);
        if (s !== undefined) csv.push([...r, s].map(csvField).join(","));
      });
      writeAtomic(join(dir, `${assay.name}.csv`), csv.join("\n") + "\n");
    }
    const average = Object.fromEntries(METRIC_KEYS.map((k) => [k, mean(results.map((r) => r[k]))]));
    const matched = results.filter((r) => r.proteingym && Object.keys(r.proteingym.published).length);
    const publishedSameAssays = Object.fromEntries(ESM2_MODELS.map((m) => [m, mean(matched.map((r) => r.proteingym!.published[m]!))]));
    return {
      method,
      window: `ProteinGym's optimal window of ${model.cfg.context} tokens for longer sequences`,
      assays: results,
      average,
      published: {
        source: "ProteinGym DMS_substitutions_Spearman (test/fixtures/proteingym, MIT)",
        sameAssays: matched.length ? { assays: matched.map((r) => r.assay), modelSpearman: mean(matched.map((r) => r.spearman)), esm2: publishedSameAssays } : null,
        proteingymAverage: published?.average ?? null,
        perAssayEsm2: Object.fromEntries(matched.map((r) => [r.assay, r.proteingym!.published])),
      },
    };
  },
};

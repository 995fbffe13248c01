// ProteinGym's published zero-shot results (benchmarks/DMS_zero_shot/substitutions/Spearman, MIT licence,
// bundled under test/fixtures/proteingym) and the rule that pairs a user's assay with a ProteinGym assay so the
// model's Spearman can stand beside the published ESM-2 sizes' on the same data.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { column, readCsv } from "./csv.js";
import type { ReferenceRow } from "./dms.js";

const root = fileURLToPath(new URL("../../../", import.meta.url)); // dist/src/data → repository root

/** The copies committed with the project (see test/fixtures/README.md). */
export const PROTEINGYM_FILES = {
  reference: `${root}test/fixtures/proteingym/ProteinGym_DMS_substitutions_reference.csv`,
  perAssay: `${root}test/fixtures/proteingym/DMS_substitutions_Spearman_DMS_level.csv`,
  summary: `${root}test/fixtures/proteingym/Summary_performance_DMS_substitutions_Spearman.csv`,
} as const;

/** The published models shown beside a user's model (ProteinGym's column names). */
export const ESM2_MODELS = ["ESM2 (8M)", "ESM2 (35M)", "ESM2 (150M)", "ESM2 (650M)", "ESM2 (3B)", "ESM2 (15B)"] as const;

export interface PublishedScores {
  /** DMS_id → model → Spearman */
  perAssay: Map<string, Record<string, number>>;
  /** model → average Spearman over all ProteinGym assays (the leaderboard figure) */
  average: Record<string, number>;
}

/** Per-assay and average Spearman of `models` (default: the ESM-2 sizes); null when the files are absent. */
export function readPublishedScores(models: readonly string[] = ESM2_MODELS, files = PROTEINGYM_FILES): PublishedScores | null {
  if (!existsSync(files.perAssay) || !existsSync(files.summary)) return null;
  const t = readCsv(files.perAssay);
  const idCol = column(t, "DMS ID");
  const cols = models.map((m) => [m, column(t, m)] as const).filter(([, i]) => i >= 0);
  const perAssay = new Map<string, Record<string, number>>();
  for (const r of t.rows) perAssay.set(r[idCol]!, Object.fromEntries(cols.map(([m, i]) => [m, Number(r[i])])));
  const s = readCsv(files.summary);
  const name = column(s, "Model_name"), avg = column(s, "Average_Spearman");
  const average: Record<string, number> = {};
  for (const r of s.rows) if (models.includes(r[name]!)) average[r[name]!] = Number(r[avg]);
  return { perAssay, average };
}

export interface ProteinGymMatch {
  id: string;
  how: "same assay id" | "same protein and year";
}

/**
 * The ProteinGym assay a user's assay corresponds to: its name is a DMS_id, or it starts with a UniProt id
 * (exact, or the name's first two `_` parts extend it, e.g. MTH3_HAEAESTABILIZED → MTH3_HAEAE) and names the
 * same publication year as exactly one of that protein's assays. Other cases return null: a different study
 * of the same protein measures something else and its published Spearman would not be comparable.
 */
export function matchProteinGymAssay(name: string, reference: Map<string, ReferenceRow>): ProteinGymMatch | null {
  if (reference.has(name)) return { id: name, how: "same assay id" };
  const parts = name.split("_");
  if (parts.length < 2) return null;
  const head = `${parts[0]}_${parts[1]}`;
  const year = /(?:19|20)\d\d/.exec(parts.slice(2).join("_"))?.[0];
  if (!year) return null;
  const same = [...reference.values()].filter(
    (r) => (r.uniprot === head || head.startsWith(r.uniprot)) && r.uniprot.includes("_") && r.year === Number(year),
  );
  return same.length === 1 ? { id: same[0]!.id, how: "same protein and year" } : null;
}

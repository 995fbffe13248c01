// The evaluation task registry: each task is a name, a summary, the objectives it applies to and a `run(ctx)`
// returning a JSON-able result. Tasks keep their per-item results in ItemStores under ctx.out, check
// ctx.signal between items and return { interrupted: true } when stopped, so a rerun resumes. Adding a task =
// one file under src/eval/ and one entry in TASKS.
import type { ProteinLM } from "../model/index.js";
import type { TrainConfig } from "../train/config.js";
import { UserError } from "../core/errors.js";
import { perplexityTask } from "./perplexity.js";
import { dmsTask } from "./dms.js";
import { generationTask } from "./generation.js";
import { contactsTask, ssTask } from "./structure-tasks.js";

export interface EvalOptions {
  /** --dms: one CSV, a folder of CSVs or of assay folders (default: the assays bundled in test/fixtures/dms) */
  dms?: string;
  /** --fasta: sequences for perplexity (default: the run's corpus test split) */
  fasta?: string;
  /** --reference: a ProteinGym reference table (default: one inside --dms, else the bundled copy) */
  reference?: string;
  /** identity bin edges for perplexity, ascending in (0, 1) (default 0.5, 0.9) */
  identityBins?: number[];
  /** sequences evaluated for perplexity at most */
  maxSequences?: number;
  /** MLM: also pseudo-perplexity */
  pseudoPerplexity?: boolean;
  /** dms scoring: masked-marginals | wt-marginals | pll (MLM), llr (CLM) */
  dmsScoring?: string;
  /** variants per assay at most (in file order; for quick looks) */
  maxVariants?: number;
  /** generation: samples, maximum length, nucleus, temperature */
  samples?: number;
  maxLength?: number;
  topP?: number;
  temperature?: number;
  /** generation: a second run whose per-token log-likelihood judges naturalness */
  judge?: string;
  /** contacts / ss: a folder of PDB or mmCIF files, or one file (default: the structures bundled with the project) */
  structures?: string;
  seed?: number;
}

export interface EvalContext {
  runDir: string;
  model: ProteinLM;
  config: TrainConfig;
  /** the checkpoint evaluated, relative to the run directory (recorded with per-item results) */
  checkpoint: string;
  /** folder for per-item results and per-task outputs */
  out: string;
  options: EvalOptions;
  signal: AbortSignal;
  /** progress: `done` of `total` items of `label` */
  progress(label: string, done: number, total: number): void;
  /** a diagnostic line (stderr) */
  log(line: string): void;
}

export interface EvalTask {
  name: string;
  summary: string;
  objectives: readonly ("mlm" | "clm")[];
  run(ctx: EvalContext): Promise<Record<string, unknown>>;
}

export const TASKS: readonly EvalTask[] = [perplexityTask, dmsTask, generationTask, contactsTask, ssTask];

/** Tasks by name, in the order given; unknown names are a UserError listing the known ones. */
export function resolveTasks(names: string[], extra: readonly EvalTask[] = []): EvalTask[] {
  const all = [...TASKS, ...extra];
  const unknown = names.filter((n) => !all.some((t) => t.name === n));
  if (unknown.length) {
    throw new UserError(`unknown task${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `'${u}'`).join(", ")}; known tasks: ${all.map((t) => t.name).join(", ")}`, 2);
  }
  return names.map((n) => all.find((t) => t.name === n)!);
}

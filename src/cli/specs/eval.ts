// Declarations of eval and sweep eval (downstream tasks, src/eval/); the run code loads on demand.
import { defineCommand, defineOptions, type OptionDecls } from "../command.js";

/** The task options shared by `eval` and `sweep eval`. */
const EVAL_OPTIONS = {
  tasks: { type: "list", value: "LIST", group: "Tasks", description: "comma-separated: perplexity, dms, generation, contacts, ss (default perplexity,dms)" },
  fasta: { type: "path", exists: true, value: "FILE", group: "Tasks", description: "perplexity/generation reference set (default: the run's corpus test split)" },
  "identity-bins": { type: "list", of: "number", min: 0, max: 1, minExclusive: true, maxExclusive: true, value: "LIST", group: "Tasks", description: "perplexity bin edges of identity to the training set (default 0.5,0.9)" },
  "max-seqs": { type: "integer", min: 1, value: "N", group: "Tasks", description: "perplexity: at most N sequences, evenly spread (default 1000)" },
  pppl: { type: "boolean", group: "Tasks", description: "MLM: also pseudo-perplexity (one pass per residue; slow)" },
  dms: { type: "path", exists: true, value: "CSV|DIR", group: "Tasks", description: "ProteinGym-format assays: one CSV, a folder of CSVs, or folders of CSV + wild-type FASTA (default: the assays bundled in test/fixtures/dms)" },
  reference: { type: "path", exists: true, value: "FILE", group: "Tasks", description: "ProteinGym reference table (wild types, cutoffs; default: one in --dms, else bundled)" },
  "dms-scoring": { type: "enum", choices: ["masked-marginals", "wt-marginals", "pll", "llr"], value: "M", group: "Tasks", description: "MLM: masked-marginals (default), wt-marginals, pll; CLM: llr" },
  "max-variants": { type: "integer", min: 1, value: "N", group: "Tasks", description: "dms: the first N variants of each assay only" },
  structures: { type: "path", exists: true, value: "DIR", group: "Tasks", description: "contacts/ss: PDB files (default: the structures bundled in test/fixtures/structures)" },
  samples: { type: "integer", min: 1, value: "N", group: "Tasks", description: "generation: samples (default 100)" },
  "max-length": { type: "integer", min: 1, value: "L", group: "Tasks", description: "generation: longest sample (default 256)" },
  "top-p": { type: "number", min: 0, max: 1, minExclusive: true, value: "P", group: "Tasks", description: "generation: nucleus sampling (default 1)" },
  temperature: { type: "number", min: 0, minExclusive: true, value: "T", group: "Tasks", description: "generation: sampling temperature (default 1)" },
  judge: { type: "path", exists: true, value: "RUN", group: "Tasks", description: "generation: naturalness = mean per-token log-likelihood under this run" },
  seed: { type: "integer", min: 0, value: "N", group: "Tasks", description: "mask / sampling seed (default 0)" },
  device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", group: "Tasks", description: "where the model runs (default cpu)" },
  quiet: { type: "boolean", description: "no progress output" },
} satisfies OptionDecls;

export const evalCommand = defineCommand({
  name: "eval",
  summary: "evaluate a run: perplexity by identity to training, zero-shot DMS fitness, generation, contacts, secondary structure",
  usage: ["--run RUN [--tasks perplexity,dms,generation,contacts,ss] [--out DIR] [options] [--json]"],
  description: `Runs each task on the run's newest good checkpoint and writes per-item results under --out (default RUN/eval):
an interrupted evaluation (Ctrl-C) resumes where it stopped when run again. Summary in --out/results.json
(read by 'plmscale report').`,
  options: {
    run: { type: "path", exists: true, value: "RUN", required: true, description: "a run directory (or a checkpoint directory)" },
    out: { type: "path", value: "DIR", description: "per-item results and results.json (default RUN/eval)" },
    ...EVAL_OPTIONS,
  },
  examples: ["plmscale eval --run runs/mlm-small --tasks perplexity,dms --json"],
  engine: true,
  load: () => import("../commands/eval.js"),
});

export const sweepEvalCommand = defineCommand({
  name: "sweep eval",
  summary: "evaluate every finished run of a sweep (results beside each run; report plots metrics vs compute)",
  usage: ["SWEEP [--tasks perplexity,dms] [options] [--json]"],
  description: `Runs 'plmscale eval' on each finished run (SWEEP/runs/<id>/eval/, resumable per item) and writes one row per run
(compute, perplexity overall and by identity bin, DMS Spearman/AUC/NDCG, generation diversity and MaxID) to
SWEEP/eval.json, which 'plmscale report SWEEP' shows as downstream-vs-compute curves.`,
  options: EVAL_OPTIONS,
  examples: ["plmscale sweep eval sweeps/demo --tasks perplexity,dms --max-seqs 200"],
  positionals: true,
  engine: true,
  load: () => import("../commands/sweep-eval.js"),
});

export const FINETUNE_OPTIONS = defineOptions({
  run: { type: "path", exists: true, value: "RUN", required: true, description: "the run to fine-tune (its newest good checkpoint)" },
  data: { type: "path", exists: true, value: "FILE.csv", required: true, description: "a header row; the sequence column is mutated_sequence, sequence or seq (or --sequence-col)" },
  target: { type: "string", value: "COL", required: true, description: "the label column" },
  task: { type: "enum", choices: ["regression", "classification"], value: "regression|classification", required: true, description: "what the head predicts" },
  "lora-rank": { type: "integer", min: 1, value: "R", description: "LoRA rank (default 8)" },
  frozen: { type: "boolean", description: "train only a head on the frozen backbone's hidden states" },
  folds: { type: "integer", min: 3, value: "K", default: "5", description: "cross-validation folds" },
  split: { type: "enum", choices: ["random", "contiguous", "modulo"], value: "random|contiguous|modulo", default: "random", description: "ProteinGym's split scheme" },
  head: { type: "enum", choices: ["pooled", "per-residue"], value: "pooled|per-residue", default: "pooled", description: "what the head reads" },
  "sequence-col": { type: "string", value: "COL", description: "the sequence column, when not mutated_sequence, sequence or seq" },
  epochs: { type: "integer", min: 1, value: "N", description: "most epochs per fold (default 20)" },
  patience: { type: "integer", min: 1, value: "N", description: "epochs without a better validation loss before stopping (default 3)" },
  lr: { type: "number", min: 0, minExclusive: true, value: "X", description: "learning rate" },
  batch: { type: "integer", min: 1, value: "N", description: "sequences per batch (default 16)" },
  seed: { type: "integer", min: 0, value: "N", description: "seed of the folds and the head's initialisation (default 0)" },
  out: { type: "path", value: "DIR", description: "writes predictions.csv (line, fold, target, prediction) and fold-K.safetensors adapters" },
  device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", description: "where the model runs (default cpu)" },
});

export const finetuneCommand = defineCommand({
  name: "finetune",
  summary: "fine-tune a run on labelled sequences (LoRA or frozen + head), cross-validated",
  usage: ["--run RUN --data FILE.csv --target COL --task regression|classification [--lora-rank R | --frozen] [--folds K] [--split random|contiguous|modulo] [options] [--json]"],
  description: `Per fold k of K: fold k tests, fold k+1 validates (early stopping on its loss, the best epoch kept), the other
folds train. LoRA (Hu et al. 2021) adapts the attention (qkv, out) and FFN (fc1, fc2) projections of every
block with rank R (α = 2R) and trains a linear head; --frozen trains the head alone on cached hidden states.
The head reads the mean of the final hidden states over residues (pooled) or every residue (per-residue:
the target column then holds one label character per residue, or ';'-separated numbers).
Splits (ProteinGym): random; contiguous and modulo by the position of single mutants ('mutant' column, e.g.
A23G; other rows are left out). Reports the per-fold mean ± sd and the metric over all out-of-fold predictions.`,
  options: FINETUNE_OPTIONS,
  examples: ["plmscale finetune --run runs/mlm-8M --data BLAT_ECOLX.csv --target DMS_score --task regression --lora-rank 8 --folds 5 --split contiguous --out ft-blat"],
  engine: true,
  load: () => import("../commands/finetune.js"),
});

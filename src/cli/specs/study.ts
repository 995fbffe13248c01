// Declarations of the study commands (src/app/study-*.ts); the run code loads on demand.
import { defineCommand } from "../command.js";

const common = {
  data: { type: "path", exists: true, value: "CORPUS", required: true, description: "corpus directory (plmscale data prepare --out)" },
  out: { type: "path", value: "DIR", required: true, description: "study directory (running again continues it)" },
  quick: { type: "boolean", description: "a CPU size of a few minutes on 2 cores" },
  workers: { type: "integer", min: 1, value: "K", description: "runs at once (default 2)" },
  threads: { type: "integer", min: 1, value: "T", description: "threads per run (default 1)" },
  "eval-tokens": { type: "size", min: 1, value: "E", description: "validation tokens per evaluation (default 16384; --quick 8192)" },
  device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", description: "device of every run (cuda also sets bfloat16; default cpu)" },
  family: { type: "enum", choices: ["esm2", "llama"], value: "esm2|llama", description: "model family of every run (default esm2; llama: RMSNorm, SwiGLU, no biases)" },
} as const;

export const studyTransferCommand = defineCommand({
  name: "study transfer",
  summary: "CLM → MLM transfer: MLMs from a CLM of the same shape vs from scratch, gain per size, transferred-tokens law",
  usage: ["--data CORPUS --out DIR [--quick] [--clm-share F] [--sizes LIST] [--joint-tokens LIST] [--json]"],
  description: `Per size N and joint token budget D_J: a CLM on F·D_J tokens, then an MLM initialised from it on (1−F)·D_J
tokens; against MLMs from scratch on (1−F)·D_J tokens (same MLM tokens) and on D_J (same compute). Reports the
loss gain per size (Cheng et al. 2024: the gain grows with size), fits the from-scratch MLM law and the
effectively-transferred-tokens law D_t = k·D_F^α·N^β (the transfer fit of 'plmscale fit'), writes DIR/study.json,
DIR/runs.csv and DIR/report.html. Runs go through the sweep executor (DIR/phase1, DIR/phase2): Ctrl-C stops
cleanly and the same command continues.`,
  options: {
    ...common,
    "clm-share": { type: "number", min: 0, max: 1, minExclusive: true, maxExclusive: true, value: "F", default: 0.2, description: "CLM share of the joint budget (the paper: 0.1–0.2)" },
    sizes: { type: "list", of: "size", min: 1, value: "LIST", description: "target non-embedding sizes (default 14k,54k,200k; --quick 7k,27k)" },
    "joint-tokens": { type: "list", of: "size", min: 1, value: "LIST", description: "joint token budgets D_J (default 1e6,4e6; --quick 1.5e5,4.5e5)" },
  },
  examples: ["plmscale study transfer --data corpus/ --out studies/transfer --quick"],
  engine: true,
  load: () => import("../commands/study-transfer.js"),
});

export const studyRepetitionCommand = defineCommand({
  name: "study repetition",
  summary: "repeated vs fresh data: one model on U unique tokens for E epochs vs fresh tokens, curves and the effective-data fit",
  usage: ["--data CORPUS --out DIR [--quick] [--objective clm|mlm|both] [--params N] [--tokens D] [--epochs LIST] [--json]"],
  description: `Trains the same model for D tokens on the whole corpus (fresh) and on corpora cut to U = D/E unique training
tokens (DIR/corpora/, sharing the validation split, so all runs are scored on the same sequences), with the
validation loss logged about 12 times per run. Fits R* of Muennighoff et al.'s effective data
D' = U·(1 + R*·(1 − e^(−R/R*))) from where each repeated run's losses fall on the fresh curve (their R* ≈ 15.4).
Writes DIR/study.json and DIR/report.html; running again continues (the runs are a sweep, DIR/runs).`,
  options: {
    ...common,
    objective: { type: "enum", choices: ["clm", "mlm", "both"], value: "clm|mlm|both", description: "objectives (default both; --quick mlm, the one the paper finds overfitting)" },
    params: { type: "size", min: 1, value: "N", description: "target non-embedding size (default 54k; --quick 14k)" },
    tokens: { type: "size", min: 1, value: "D", description: "training tokens of every run (default 4e6; --quick 6e5)" },
    epochs: { type: "list", of: "number", min: 1, value: "LIST", description: "epochs of the limited corpora (default 4,16)" },
  },
  examples: ["plmscale study repetition --data corpus/ --out studies/rep --quick"],
  engine: true,
  load: () => import("../commands/study-repetition.js"),
});

// plmscale finetune: supervised fine-tuning of a run on a CSV (LoRA adapters or a frozen backbone with a
// linear head), cross-validated with ProteinGym's split schemes; Spearman (regression) or accuracy.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, defineCommand, flag, optNum, optStr, str } from "../command.js";
import { loadModel } from "../../eval/load.js";
import { readSupervisedCsv, type SplitScheme, type TaskKind } from "../../eval/finetune-data.js";
import { runFinetuneTask, type FinetuneResult } from "../../eval/finetune.js";
import { UserError } from "../../core/errors.js";

export const finetuneCommand = defineCommand({
  name: "finetune",
  summary: "fine-tune a run on labelled sequences (LoRA or frozen + head), cross-validated",
  help: `Usage: plmscale finetune --run RUN --data FILE.csv --target COL --task regression|classification
         [--lora-rank R | --frozen] [--folds K] [--split random|contiguous|modulo] [--head pooled|per-residue]
         [--sequence-col COL] [--epochs N] [--patience N] [--lr X] [--batch N] [--seed N]
         [--out DIR] [--device cpu|cuda] [--json]

Per fold k of K: fold k tests, fold k+1 validates (early stopping on its loss, the best epoch kept), the other
folds train. LoRA (Hu et al. 2021) adapts the attention (qkv, out) and FFN (fc1, fc2) projections of every
block with rank R (α = 2R) and trains a linear head; --frozen trains the head alone on cached hidden states.
The head reads the mean of the final hidden states over residues (pooled) or every residue (per-residue:
the target column then holds one label character per residue, or ';'-separated numbers).
Splits (ProteinGym): random; contiguous and modulo by the position of single mutants ('mutant' column, e.g.
A23G; other rows are left out). Reports the per-fold mean ± sd and the metric over all out-of-fold predictions.
  --data FILE.csv    a header row; the sequence column is mutated_sequence, sequence or seq (or --sequence-col)
  --out DIR          writes predictions.csv (line, fold, target, prediction) and fold-K.safetensors adapters
  Defaults: --lora-rank 8, --folds 5, --split random, --head pooled, --epochs 20, --patience 3, --batch 16

Example (a DMS assay from ProteinGym):
  plmscale finetune --run runs/mlm-8M --data BLAT_ECOLX.csv --target DMS_score --task regression \\
      --lora-rank 8 --folds 5 --split contiguous --out ft-blat`,
  options: {
    run: { type: "string" }, data: { type: "string" }, target: { type: "string" }, task: { type: "string" },
    "lora-rank": { type: "string" }, frozen: { type: "boolean" }, folds: { type: "string" }, split: { type: "string" },
    head: { type: "string" }, "sequence-col": { type: "string" }, epochs: { type: "string" }, patience: { type: "string" },
    lr: { type: "string" }, batch: { type: "string" }, seed: { type: "string" }, out: { type: "string" }, device: { type: "string" },
  },
  async run(args, io) {
    const run = str(args, "run"), data = str(args, "data"), target = str(args, "target"), task = str(args, "task") as TaskKind;
    if (task !== "regression" && task !== "classification") throw new CliError(`--task must be regression or classification (got ${task})`, 2);
    const scheme = (optStr(args, "split") ?? "random") as SplitScheme;
    if (!["random", "contiguous", "modulo"].includes(scheme)) throw new CliError(`--split must be random, contiguous or modulo (got ${scheme})`, 2);
    const head = optStr(args, "head") ?? "pooled";
    if (head !== "pooled" && head !== "per-residue") throw new CliError(`--head must be pooled or per-residue (got ${head})`, 2);
    const frozen = flag(args, "frozen"), rank = optNum(args, "lora-rank");
    if (frozen && rank !== undefined) throw new CliError("give either --lora-rank or --frozen, not both", 2);
    if (!existsSync(run)) throw new CliError(`--run: ${run} not found`, 2);
    if (!existsSync(data)) throw new CliError(`--data: ${data} not found`, 2);
    const out = optStr(args, "out");
    let loaded;
    try {
      loaded = loadModel(run, { device: optStr(args, "device"), warn: io.err });
    } catch (e) {
      throw new CliError((e as Error).message, 1);
    }
    try {
      const rows = readSupervisedCsv(data, { target, task, sequenceColumn: optStr(args, "sequence-col"), perResidue: head === "per-residue" });
      const r = await runFinetuneTask({
        model: loaded.model, data: rows, task, mode: frozen ? "frozen" : "lora", loraRank: rank ?? 8,
        folds: optNum(args, "folds") ?? 5, scheme, seed: optNum(args, "seed") ?? 0, lr: optNum(args, "lr"),
        batchSize: optNum(args, "batch"), maxEpochs: optNum(args, "epochs"), patience: optNum(args, "patience"),
        ...(out ? { saveDir: out } : {}), progress: io.err, signal: io.signal,
      });
      if (out) {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, "predictions.csv"), "line,fold,target,prediction\n" + r.items.map((x) => `${x.line},${x.fold + 1},${x.target},${x.prediction}`).join("\n") + "\n");
      }
      return { run, checkpoint: loaded.checkpoint, data, target, ...r, items: out ? undefined : r.items } as Omit<FinetuneResult, "items"> & { run: string; checkpoint: string; data: string; target: string; items?: FinetuneResult["items"] };
    } catch (e) {
      if (e instanceof UserError) throw new CliError(e.message, e.exitCode);
      throw e;
    } finally {
      loaded.model.dispose();
    }
  },
  human(r, io) {
    io.out(`${r.data}: ${r.target} (${r.mode === "lora" ? "LoRA" : "frozen backbone"}, ${r.scheme} split, ${r.folds.length} folds)`);
    for (const f of r.folds) io.out(`  fold ${f.fold + 1}: train ${f.train}, valid ${f.valid}, test ${f.test}, best epoch ${f.bestEpoch}/${f.epochs}, ${r.metric} ${f.metric.toFixed(3)}`);
    io.out(`${r.metric}: ${r.mean.toFixed(3)} ± ${r.std.toFixed(3)} over folds; ${r.pooled.toFixed(3)} over all out-of-fold predictions`);
    for (const n of r.notes) io.out(`note: ${n}`);
    if (r.saved.length) io.out(`adapters and predictions in ${r.saved[0]!.replace(/fold-1\.safetensors$/, "")}`);
  },
});

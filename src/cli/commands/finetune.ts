// plmscale finetune: supervised fine-tuning of a run on a CSV (LoRA adapters or a frozen backbone with a
// linear head), cross-validated with ProteinGym's split schemes; Spearman (regression) or accuracy.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineRun, optionValues } from "../command.js";
import { FINETUNE_OPTIONS } from "../specs/eval.js";
import { loadModel } from "../../eval/load.js";
import { readSupervisedCsv, type SplitScheme, type TaskKind } from "../../eval/finetune-data.js";
import { runFinetuneTask, type FinetuneResult } from "../../eval/finetune.js";
import { UserError } from "../../core/errors.js";

export default defineRun({
  async run(args, io) {
    const o = optionValues(args, FINETUNE_OPTIONS);
    const { target, task, head, frozen, run, data, out } = o;
    const scheme: SplitScheme = o.split, rank = o["lora-rank"];
    if (frozen && rank !== undefined) throw new UserError("give either --lora-rank or --frozen, not both", 2);
    const loaded = loadModel(run, { device: o.device, warn: io.err });
    try {
      const rows = readSupervisedCsv(data, { target, task, sequenceColumn: o["sequence-col"], perResidue: head === "per-residue" });
      const r = await runFinetuneTask({
        model: loaded.model, data: rows, task, mode: frozen ? "frozen" : "lora", loraRank: rank ?? 8,
        folds: o.folds, scheme, seed: o.seed ?? 0, lr: o.lr,
        batchSize: o.batch, maxEpochs: o.epochs, patience: o.patience,
        ...(out ? { saveDir: out } : {}), progress: io.err, signal: io.signal,
      });
      if (out) {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, "predictions.csv"), "line,fold,target,prediction\n" + r.items.map((x) => `${x.line},${x.fold + 1},${x.target},${x.prediction}`).join("\n") + "\n");
      }
      return { run, checkpoint: loaded.checkpoint, data, target, ...r, items: out ? undefined : r.items } as Omit<FinetuneResult, "items"> & { run: string; checkpoint: string; data: string; target: string; items?: FinetuneResult["items"] };
    } finally {
      loaded.model.dispose();
    }
  },
  human(r, io) {
    io.out(`${r.data}: ${r.target} (${r.mode === "lora" ? "LoRA" : "frozen backbone"}, ${r.scheme} split, ${r.folds.length} folds)`);
    for (const f of r.folds) io.out(`  fold ${f.fold + 1}: train ${f.train}, valid ${f.valid}, test ${f.test}, best epoch ${f.bestEpoch}/${f.epochs}, ${r.metric} ${f.metric.toFixed(3)}`);
    // ProteinGym's supervised benchmark (Notin et al. 2023, as in ProteinNPT) reports, per assay and scheme, the
    // per-fold metric averaged over the folds; the pooled figure mixes folds whose offsets differ.
    io.out(`${r.metric} per-fold mean ± sd over ${r.folds.length} folds (the figure ProteinGym's supervised benchmark reports): ${r.mean.toFixed(3)} ± ${r.std.toFixed(3)}`);
    io.out(`${r.metric} pooled over all out-of-fold predictions (one ${r.metric} of every row; not the published figure): ${r.pooled.toFixed(3)}`);
    for (const n of r.notes) io.out(`note: ${n}`);
    if (r.saved.length) io.out(`adapters and predictions in ${r.saved[0]!.replace(/fold-1\.safetensors$/, "")}`);
  },
});

// Supervised fine-tuning with K-fold cross-validation (the paper's downstream protocol): per fold k, fold k
// tests, fold k+1 validates (early stopping on its loss, best epoch kept), the rest trains. LoRA adapters on
// the attention and FFN projections plus a linear head, or a frozen backbone with the head alone (hidden
// states computed once and cached). Reports Spearman (regression) or accuracy (classification) per fold and
// over all out-of-fold predictions. The backbone runs in evaluation mode (no dropout) throughout.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { Rng } from "../core/random.js";
import { UserError } from "../core/errors.js";
import { ALL_TARGETS, type LoraTarget } from "./lora.js";
import { FinetuneModel, type HeadConfig } from "./finetune-model.js";
import { assignFolds, type SplitScheme, type SupervisedData, type TaskKind } from "./finetune-data.js";
import { accuracy, spearman } from "./metrics.js";

export interface FinetuneTaskOptions {
  model: ProteinLM;
  data: SupervisedData;
  task: TaskKind;
  mode: "lora" | "frozen";
  loraRank?: number;
  /** LoRA α (default 2 × rank) */
  loraAlpha?: number;
  loraTargets?: LoraTarget[];
  folds?: number;
  scheme?: SplitScheme;
  seed?: number;
  /** AdamW learning rate (default 1e-3 with LoRA, 3e-3 frozen) */
  lr?: number;
  batchSize?: number;
  maxEpochs?: number;
  /** epochs without a better validation loss before stopping (default 3) */
  patience?: number;
  /** write fold-{k}.safetensors (adapter + head) here */
  saveDir?: string;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface FoldResult { fold: number; train: number; valid: number; test: number; epochs: number; bestEpoch: number; bestValidLoss: number; metric: number }

export interface FinetuneResult {
  task: "finetune";
  mode: "lora" | "frozen";
  scheme: SplitScheme;
  metric: "spearman" | "accuracy";
  /** mean and standard deviation of the per-fold metric */
  mean: number;
  std: number;
  /** the metric over all out-of-fold predictions */
  pooled: number;
  folds: FoldResult[];
  /** per CSV row: its fold and out-of-fold prediction (pooled heads; mean over residues otherwise) */
  items: { line: number; fold: number; target: number; prediction: number }[];
  notes: string[];
  saved: string[];
}

export async function runFinetuneTask(o: FinetuneTaskOptions): Promise<FinetuneResult> {
  const { model, data, task } = o;
  const K = o.folds ?? 5, scheme = o.scheme ?? "random", seed = o.seed ?? 0;
  const perResidue = data.perResidue;
  if (task === "classification" && data.classes.length < 2) throw new UserError(`classification needs at least two classes in the target column (found ${data.classes.length})`);
  const { fold, notes: splitNotes } = assignFolds(data.rows, scheme, K, seed);
  const log = o.progress ?? (() => {});
  const rank = o.loraRank ?? 8;
  const baseParams = model.parameters();
  const hadGrad = baseParams.map((p) => p.requiresGrad);
  baseParams.forEach((p) => p.requiresGrad_(false));
  model.eval();
  const cache = o.mode === "frozen" ? await cacheHeadInputs(model, data, perResidue, o.signal) : null;
  const folds: FoldResult[] = [], items: FinetuneResult["items"] = [], saved: string[] = [];
  const oofPred: number[] = [], oofTrue: number[] = [];
  try {
    for (let k = 0; k < K; k++) {
      const rowsOf = (f: number) => data.rows.map((_, i) => i).filter((i) => fold[i] === f);
      const test = rowsOf(k), valid = rowsOf((k + 1) % K), train = data.rows.map((_, i) => i).filter((i) => fold[i] >= 0 && fold[i] !== k && fold[i] !== (k + 1) % K);
      if (!test.length || !valid.length || !train.length) throw new UserError(`fold ${k + 1}: empty train, validation or test set (${data.rows.length} rows in ${K} folds)`);
      const ys = train.flatMap((i) => data.rows[i]!.target);
      const mean = task === "regression" ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
      const std = task === "regression" ? Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length) || 1 : 1;
      const config: HeadConfig = {
        task, perResidue, outputs: task === "regression" ? 1 : data.classes.length, classes: data.classes, targetMean: mean, targetStd: std,
        lora: o.mode === "lora" ? { rank, alpha: o.loraAlpha ?? 2 * rank, targets: o.loraTargets ?? [...ALL_TARGETS] } : null,
      };
      torch.manualSeed(seed * 1000 + k);
      const fm = new FinetuneModel(model, config);
      try {
        const r = await trainFold(fm, data, cache, train, valid, o, new Rng(seed * 1000 + k));
        log(`finetune: fold ${k + 1}/${K}: best epoch ${r.bestEpoch} of ${r.epochs}, validation loss ${r.bestValidLoss.toFixed(4)}`);
        const preds = predictRows(fm, data, cache, test);
        const flatP = preds.flat(), flatT = test.flatMap((i) => data.rows[i]!.target);
        const metric = task === "regression" ? spearman(flatP, flatT) : accuracy(flatP, flatT);
        folds.push({ fold: k, train: train.length, valid: valid.length, test: test.length, ...r, metric });
        oofPred.push(...flatP), oofTrue.push(...flatT);
        test.forEach((i, n) => {
          const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
          items.push({ line: data.rows[i]!.line, fold: k, target: avg(data.rows[i]!.target), prediction: avg(preds[n]!) });
        });
        if (o.saveDir) {
          mkdirSync(o.saveDir, { recursive: true });
          const file = join(o.saveDir, `fold-${k + 1}.safetensors`);
          fm.save(file);
          saved.push(file);
        }
      } finally {
        fm.dispose();
      }
    }
  } finally {
    baseParams.forEach((p, i) => p.requiresGrad_(hadGrad[i]!));
  }
  const ms = folds.map((f) => f.metric);
  const m = ms.reduce((a, b) => a + b, 0) / ms.length;
  items.sort((a, b) => a.line - b.line);
  return {
    task: "finetune", mode: o.mode, scheme, metric: task === "regression" ? "spearman" : "accuracy",
    mean: m, std: Math.sqrt(ms.reduce((a, b) => a + (b - m) ** 2, 0) / ms.length),
    pooled: task === "regression" ? spearman(oofPred, oofTrue) : accuracy(oofPred, oofTrue),
    folds, items, notes: [...data.notes, ...splitNotes], saved,
  };
}

/** Frozen backbone: the head's inputs of every row, computed once ([1 or L, D] per row). */
async function cacheHeadInputs(model: ProteinLM, data: SupervisedData, perResidue: boolean, signal?: AbortSignal): Promise<Float32Array[]> {
  const probe = new FinetuneModel(model, { task: "regression", perResidue, outputs: 1, classes: [], targetMean: 0, targetStd: 1, lora: null });
  const out: Float32Array[] = [];
  const D = model.cfg.dModel;
  try {
    for (let i = 0; i < data.rows.length; i += 16) {
      if (signal?.aborted) throw new UserError("finetune: interrupted");
      const chunk = data.rows.slice(i, i + 16);
      const flat = torch.noGrad(() => torch.tidy(() => probe.headInputs(chunk.map((r) => r.sequence)).data() as Float32Array));
      let at = 0;
      for (const r of chunk) {
        const n = perResidue ? r.sequence.length : 1;
        out.push(flat.slice(at * D, (at + n) * D));
        at += n;
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    probe.dispose();
  }
  return out;
}

/** Head outputs for rows: through the backbone (LoRA) or from the cache (frozen). */
function outputsFor(fm: FinetuneModel, data: SupervisedData, cache: Float32Array[] | null, rows: number[]): torch.Tensor {
  if (!cache) return fm.forward(rows.map((i) => data.rows[i]!.sequence));
  return torch.tidy(() => {
    const D = fm.model.cfg.dModel, n = rows.reduce((s, i) => s + cache[i]!.length / D, 0);
    const x = new Float32Array(n * D);
    let at = 0;
    for (const i of rows) x.set(cache[i]!, at), (at += cache[i]!.length);
    return fm.head.forward(torch.tensor(x, [n, D], { device: fm.model.device }));
  });
}

function lossOf(fm: FinetuneModel, out: torch.Tensor, data: SupervisedData, rows: number[]): torch.Tensor {
  return torch.tidy(() => {
    const y = rows.flatMap((i) => data.rows[i]!.target);
    const device = out.device;
    if (fm.config.task === "classification") return torch.F.crossEntropy(out, torch.tensor(Int32Array.from(y), [y.length], { dtype: "int64", device }));
    const z = Float32Array.from(y, (v) => (v - fm.config.targetMean) / fm.config.targetStd);
    return torch.F.mseLoss(out.squeeze(-1), torch.tensor(z, [z.length], { device }));
  });
}

async function trainFold(fm: FinetuneModel, data: SupervisedData, cache: Float32Array[] | null, train: number[], valid: number[], o: FinetuneTaskOptions, rng: Rng) {
  const opt = new torch.AdamW(fm.parameters(), { lr: o.lr ?? (cache ? 3e-3 : 1e-3), weightDecay: 0.01 });
  const bs = o.batchSize ?? 16, maxEpochs = o.maxEpochs ?? 20, patience = o.patience ?? 3;
  let best = Infinity, bestEpoch = 0, epoch = 0, state: Map<string, torch.Tensor> | null = null;
  try {
    for (epoch = 1; epoch <= maxEpochs; epoch++) {
      const order = [...train];
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (let s = 0; s < order.length; s += bs) {
        if (o.signal?.aborted) throw new UserError("finetune: interrupted");
        const rows = order.slice(s, s + bs);
        torch.tidy(() => {
          for (const p of fm.parameters()) p.zeroGrad();
          lossOf(fm, outputsFor(fm, data, cache, rows), data, rows).backward();
        });
        opt.step();
        if (!cache) await new Promise((r) => setImmediate(r));
      }
      let sum = 0;
      for (let s = 0; s < valid.length; s += bs) {
        const rows = valid.slice(s, s + bs);
        sum += torch.noGrad(() => torch.tidy(() => lossOf(fm, outputsFor(fm, data, cache, rows), data, rows).item())) * rows.length;
      }
      const vl = sum / valid.length;
      if (vl < best) {
        best = vl;
        bestEpoch = epoch;
        if (state) for (const t of state.values()) t.dispose();
        state = fm.snapshot();
      } else if (epoch - bestEpoch >= patience) break;
    }
    if (state) fm.restore(state);
  } finally {
    opt.dispose();
    if (state) for (const t of state.values()) t.dispose();
  }
  return { epochs: Math.min(epoch, maxEpochs), bestEpoch, bestValidLoss: best };
}

/** Predictions per row (target units / class ids): one value pooled, one per residue otherwise. */
function predictRows(fm: FinetuneModel, data: SupervisedData, cache: Float32Array[] | null, rows: number[]): number[][] {
  if (!cache) return fm.predict(rows.map((i) => data.rows[i]!.sequence));
  const out: number[][] = [];
  for (let s = 0; s < rows.length; s += 64) {
    const chunk = rows.slice(s, s + 64);
    const flat = torch.noGrad(() => torch.tidy(() => {
      const y = outputsFor(fm, data, cache, chunk);
      return fm.config.task === "regression" ? y.squeeze(-1).mul(fm.config.targetStd).add(fm.config.targetMean).toArray() : y.argmax(-1).toArray();
    }));
    let at = 0;
    for (const i of chunk) {
      const n = fm.config.perResidue ? data.rows[i]!.sequence.length : 1;
      out.push(flat.slice(at, at + n));
      at += n;
    }
  }
  return out;
}

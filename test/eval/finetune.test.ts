import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../../src/torch/index.js";
import { createModel } from "../../src/model/index.js";
import { assignFolds, readSupervisedCsv, csvFields, type SupervisedRow } from "../../src/eval/finetune-data.js";
import { FinetuneModel, type HeadConfig } from "../../src/eval/finetune-model.js";
import { runFinetuneTask } from "../../src/eval/finetune.js";
import { spearman, rankdata } from "../../src/eval/metrics.js";
import { Rng } from "../../src/core/random.js";
import type { ModelConfig } from "../../src/model/config.js";

const CFG: ModelConfig = { layers: 2, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 48, activation: "gelu", bias: true, dropout: 0 };
const AA = "LAGVSERTIDPKQNFYMHWC";
const tmp = () => mkdtempSync(join(tmpdir(), "plm-ft-"));

/** Random proteins; regression target = fraction of K (plus noise), a signal any encoder's mean state carries. */
function synthetic(n: number, seed: number): { seqs: string[]; y: number[] } {
  const rng = new Rng(seed), seqs: string[] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const L = 20 + rng.int(10), pK = rng.next() * 0.5;
    let s = "";
    for (let t = 0; t < L; t++) s += rng.next() < pK ? "K" : AA[rng.int(20)]!;
    seqs.push(s);
    y.push([...s].filter((c) => c === "K").length / L + 0.02 * (rng.next() - 0.5));
  }
  return { seqs, y };
}

test("Spearman with ties (hand-computed and scipy's value)", () => {
  assert.deepEqual(Array.from(rankdata([5, 6, 7, 8, 7])), [1, 2, 3.5, 5, 3.5]);
  // ranks [1..5] vs [1, 2, 3.5, 5, 3.5]: Σdadb = 8, Σda² = 10, Σdb² = 9.5 → 8/√95
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) - 8 / Math.sqrt(95)) < 1e-12);
  // scipy.stats.spearmanr([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]).statistic = 0.19885368120992467 (computed with Debian python3-scipy 1.17)
  assert.ok(Math.abs(spearman([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]) - 0.19885368120992467) < 1e-12);
});

test("ProteinGym split schemes: contiguous blocks, modulo, random balanced; non-singles left out", () => {
  const positions = [1, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const rows: SupervisedRow[] = positions.map((p, i) => ({ sequence: "A", target: [0], position: p, line: i + 2 }));
  rows.push({ sequence: "A", target: [0], line: 12 }); // a double mutant / WT: no single position
  const c = assignFolds(rows, "contiguous", 3);
  assert.deepEqual(Array.from(c.fold), [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, -1]);
  assert.match(c.notes[0]!, /1 rows that are not single mutants left out of the contiguous split/);
  assert.deepEqual(Array.from(assignFolds(rows, "modulo", 3).fold), [0, 0, 1, 2, 0, 1, 2, 0, 1, 2, -1]);
  const r = assignFolds(rows, "random", 3, 7).fold;
  const counts = [0, 1, 2].map((f) => r.filter((x) => x === f).length).sort();
  assert.deepEqual(counts, [3, 4, 4]);
  assert.notDeepEqual(Array.from(assignFolds(rows, "random", 3, 8).fold), Array.from(r));
  assert.throws(() => assignFolds(rows, "random", 2), /--folds must be an integer ≥ 3/);
  assert.throws(() => assignFolds(rows.slice(0, 3), "modulo", 3), /needs single mutants at ≥ 3 positions/);
});

test("CSV reading: quotes, missing values left out, clear errors with file and line", () => {
  assert.deepEqual(csvFields('a,"b,c","x""y",'), ["a", "b,c", 'x"y', ""]);
  const dir = tmp(), f = join(dir, "d.csv");
  writeFileSync(f, 'mutant,mutated_sequence,DMS_score\nA1G,GKL,0.5\n"K2R",ARL,\nL3M,AKM,1.5\n');
  const d = readSupervisedCsv(f, { target: "DMS_score", task: "regression" });
  assert.deepEqual(d.rows.map((r) => [r.sequence, r.target[0], r.position, r.line]), [["GKL", 0.5, 1, 2], ["AKM", 1.5, 3, 4]]);
  assert.match(d.notes[0]!, /1 rows without a DMS_score value/);
  assert.throws(() => readSupervisedCsv(f, { target: "fitness", task: "regression" }), /d\.csv:1: no column 'fitness' for --target; columns: mutant, mutated_sequence, DMS_score/);
  writeFileSync(f, "sequence,y\nMKV,abc\n");
  assert.throws(() => readSupervisedCsv(f, { target: "y", task: "regression" }), /d\.csv:2: y 'abc' is not a number/);
  writeFileSync(f, "sequence,y\nMKV,HHE\nMK,HH\n");
  const pr = readSupervisedCsv(f, { target: "y", task: "classification", perResidue: true });
  assert.deepEqual(pr.classes, ["H", "E"]);
  assert.deepEqual(pr.rows[0]!.target, [0, 0, 1]);
  writeFileSync(f, "sequence,y\nMKV,HH\n");
  assert.throws(() => readSupervisedCsv(f, { target: "y", task: "classification", perResidue: true }), /d\.csv:2: 2 per-residue targets for 3 residues/);
});

test("LoRA: starts at the base model; merged weights predict like the adapter path; save and reload", () => {
  torch.manualSeed(21);
  const m = createModel("mlm", CFG).eval();
  const cfg: HeadConfig = { task: "regression", perResidue: false, outputs: 1, classes: [], targetMean: 0.3, targetStd: 2, lora: { rank: 4, alpha: 8, targets: ["qkv", "out", "fc1", "fc2"] } };
  const seqs = ["MKTAYIAKQRQISFVKSH", "GLSDGEWQQVLNVWGK", "MALW"];
  const frozen = new FinetuneModel(m, { ...cfg, lora: null });
  const fm = new FinetuneModel(m, cfg);
  fm.head.loadStateDict(frozen.head.stateDict());
  const base = frozen.predict(seqs).flat(), init = fm.predict(seqs).flat();
  init.forEach((v, i) => assert.ok(Math.abs(v - base[i]!) < 1e-5, "B = 0: the adapter changes nothing"));
  torch.noGrad(() => { for (const p of fm.adapter!.parameters()) torch.normal_(p, 0, 0.2); });
  const adapted = fm.predict(seqs).flat();
  assert.ok(adapted.some((v, i) => Math.abs(v - base[i]!) > 1e-3), "a trained adapter changes predictions");
  const file = join(tmp(), "adapter.safetensors");
  fm.save(file);
  assert.throws(() => FinetuneModel.load(m, file), /another LoRA adapter is attached/);
  fm.adapter!.detach();
  const reloaded = FinetuneModel.load(m, file);
  reloaded.predict(seqs).flat().forEach((v, i) => assert.ok(Math.abs(v - adapted[i]!) < 1e-5, `reloaded ${v} vs ${adapted[i]}`));
  reloaded.dispose();
  fm.adapter!.attach();
  fm.mergeAdapter(); // W ← W + (α/r)·B·A, the adapter detached
  frozen.head.loadStateDict(fm.head.stateDict());
  frozen.predict(seqs).flat().forEach((v, i) => assert.ok(Math.abs(v - adapted[i]!) < 1e-4, `merged ${v} vs adapter ${adapted[i]}`));
  fm.dispose(), frozen.dispose(), m.dispose();
});

test("cross-validated fine-tuning learns a sequence property (frozen and LoRA), early stopping, saved folds", async () => {
  const { seqs, y } = synthetic(90, 5);
  const rows = seqs.map((s, i) => ({ sequence: s, target: [y[i]!], line: i + 2 }));
  for (const mode of ["frozen", "lora"] as const) {
    torch.manualSeed(22);
    const m = createModel("mlm", CFG).eval();
    const saveDir = join(tmp(), "adapters");
    const r = await runFinetuneTask({ model: m, data: { rows, classes: [], perResidue: false, notes: [] }, task: "regression", mode, folds: 3, maxEpochs: mode === "lora" ? 4 : 40, loraRank: 4, saveDir });
    assert.equal(r.folds.length, 3);
    assert.equal(r.items.length, 90);
    assert.ok(r.mean > 0.5 && r.pooled > 0.5, `${mode}: CV Spearman ${r.mean} (pooled ${r.pooled})`);
    for (const f of r.folds) assert.ok(f.bestEpoch >= 1 && f.bestEpoch <= f.epochs);
    assert.equal(r.saved.length, 3);
    // the saved fold-1 predictor reproduces its out-of-fold predictions
    const fm = FinetuneModel.load(m, r.saved[0]!);
    const fold0 = r.items.filter((x) => x.fold === 0).slice(0, 5);
    const again = fm.predict(fold0.map((x) => seqs[x.line - 2]!)).flat();
    fold0.forEach((x, i) => assert.ok(Math.abs(again[i]! - x.prediction) < 1e-4, `${mode}: ${again[i]} vs ${x.prediction}`));
    fm.dispose();
    assert.ok(m.parameters().every((p) => p.requiresGrad), "backbone gradients restored");
    m.dispose();
  }
});

test("classification: pooled labels and per-residue labels", async () => {
  const { seqs, y } = synthetic(90, 6);
  torch.manualSeed(23);
  const m = createModel("mlm", CFG).eval();
  const pooled = await runFinetuneTask({
    model: m, task: "classification", mode: "frozen", folds: 3, maxEpochs: 40,
    data: { rows: seqs.map((s, i) => ({ sequence: s, target: [y[i]! > 0.25 ? 1 : 0], line: i + 2 })), classes: ["lo", "hi"], perResidue: false, notes: [] },
  });
  assert.equal(pooled.metric, "accuracy");
  assert.ok(pooled.pooled > 0.75, `pooled accuracy ${pooled.pooled}`);
  const perRes = await runFinetuneTask({
    model: m, task: "classification", mode: "frozen", folds: 3, maxEpochs: 15,
    data: { rows: seqs.map((s, i) => ({ sequence: s, target: [...s].map((c) => (c === "K" ? 1 : 0)), line: i + 2 })), classes: ["other", "K"], perResidue: true, notes: [] },
  });
  assert.ok(perRes.pooled > 0.95, `per-residue accuracy ${perRes.pooled}`);
  m.dispose();
});

// End to end on real data: an MLM trained for ~1.5 CPU-minutes on the Swiss-Prot sample against the same
// architecture at random init, on the corpus's test split (perplexity, by MMseqs2 identity bin) and on the
// bundled DMS assays; an interrupted evaluation resumes without redoing finished items; `sweep eval` collects
// rows for the report.
//
// What a model this small learns is residue frequencies (its validation loss sits just under the unigram
// entropy), and frequencies carry no fitness signal: both models' DMS Spearman is ≈ 0. So the DMS check is that
// the trained model's masked marginals track the residue-frequency score log f(mut) − log f(wt) (computed here
// from the training split) on every assay, while the random-init model's do not — the scoring pipeline reflects
// what the model learned. Beating random init on DMS Spearman needs far more compute (ESM-2 8M: 0.226).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareCorpus } from "../../src/data/prepare.js";
import { openCorpus } from "../../src/data/corpus.js";
import { mmseqsVersion } from "../../src/data/cluster.js";
import { listAssays, readDmsAssay } from "../../src/data/dms.js";
import { train } from "../../src/train/loop.js";
import { configFromFlags } from "../../src/train/cli-config.js";
import { evaluateRun } from "../../src/eval/run.js";
import { BUNDLED_DMS } from "../../src/eval/dms.js";
import { spearman } from "../../src/eval/metrics.js";
import { evaluateSweep } from "../../src/sweep/eval.js";
import { evalSection } from "../../src/report/eval-charts.js";
import { designSweep, pointRun } from "../../src/sweep/design.js";
import { trainConfigFor } from "../../src/train/config-for.js";
import { pointPaths, writeSweep } from "../../src/sweep/layout.js";
import { renderSvg } from "../../src/report/render.js";
import { raw } from "../../src/report/html.js";

const FASTA = fileURLToPath(new URL("../../../test/fixtures/swissprot-sample.fasta.gz", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "plm-eval-e2e-"));

async function trainRun(name: string, tokens: number, lr: number): Promise<string> {
  const out = join(dir, name);
  const config = configFromFlags({
    objective: "mlm", shape: "2,128,4", tokens, context: 128, batchTokens: 2048, microRows: 16, lr, warmup: 0.03,
    threads: 1, data: join(dir, "corpus"), evalEvery: 0, evalTokens: 8192, checkpointEvery: 0,
  });
  await train(config, { out, quiet: true });
  return out;
}

test("trained vs random-init MLM: perplexity, DMS, resume, sweep eval", { timeout: 1_200_000, skip: mmseqsVersion() === null && "mmseqs not installed" }, async () => {
  await prepareCorpus({ out: join(dir, "corpus"), sources: [{ name: "swissprot", weight: 1, inputs: [{ name: FASTA, path: FASTA }] }], validFraction: 0.05, testFraction: 0.05, threads: 1 });
  const trained = await trainRun("trained", 600_000, 5e-3);
  const random = await trainRun("random", 2048, 1e-12); // one step at a negligible LR: the initial weights
  const options = { maxSequences: 120 };
  const tasks = ["perplexity", "dms"];
  const evT = await evaluateRun(trained, tasks, options);
  const evR = await evaluateRun(random, tasks, options);
  const pT = evT.tasks.perplexity as any, pR = evR.tasks.perplexity as any;

  // perplexity: far below random init (≈ 33 over a near-uniform 33-token softmax), overall and in every filled bin
  assert.ok(pT.perplexity < 0.7 * pR.perplexity, `trained ${pT.perplexity} vs random ${pR.perplexity}`);
  assert.ok(pR.perplexity > 25, `random-init perplexity ${pR.perplexity}`);
  const bins = Object.entries(pT.identity.bins as Record<string, { sequences: number; perplexity: number }>);
  assert.equal(bins.reduce((a, [, g]) => a + g.sequences, 0), 120, "every sequence in one identity bin");
  for (const [b, g] of bins) if (g.sequences > 0) assert.ok(g.perplexity < (pR.identity.bins[b].perplexity as number), `bin ${b}`);

  // DMS: the trained model's masked marginals track residue frequencies of the training split; random init's do not
  const corpus = openCorpus(join(dir, "corpus"));
  const counts = new Float64Array(33).fill(1);
  for (const s of corpus.split("train")) for (let i = 0; i < s.sequences; i++) for (const id of corpus.residues(s, i)) counts[id]!++;
  const letters = "LAGVSERTIDPKQNFYMHWC";
  const logf = (aa: string) => Math.log(counts[4 + letters.indexOf(aa)]!);
  let devT = 0, devR = 0;
  const assaysT = (evT.tasks.dms as any).assays as { assay: string; spearman: number; auc: number; ndcg: number }[];
  const assaysR = (evR.tasks.dms as any).assays as { assay: string; spearman: number }[];
  for (const e of listAssays(BUNDLED_DMS)) {
    const a = readDmsAssay(e.csv, { name: e.name, fasta: e.fasta });
    const freq = spearman(a.variants.map((v) => v.score), a.variants.map((v) => v.substitutions.reduce((s, m) => s + logf(m.mut) - logf(m.wt), 0)));
    const t = assaysT.find((x) => x.assay === e.name)!, r = assaysR.find((x) => x.assay === e.name)!;
    assert.ok(Math.abs(t.spearman - freq) < 0.03, `${e.name}: trained ρ ${t.spearman} vs frequency baseline ${freq}`);
    assert.ok(t.auc > 0 && t.auc < 1 && t.ndcg > 0 && t.ndcg <= 1);
    devT += Math.abs(t.spearman - freq);
    devR += Math.abs(r.spearman - freq);
  }
  assert.ok(devR > 3 * devT, `random-init deviates ${devR} from the frequency baseline, trained ${devT}`);
  // per-variant output: the assay's own columns plus score, one row per variant
  const csv = readFileSync(join(trained, "eval", "dms", "DLG4_RAT_Ranganathan2012-CRIPT.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "seq,log_fitness,n_mut,mutant,score");
  assert.equal(csv.length - 1, 1578);

  // interruption: abort after the first chunk; a rerun resumes (only the rest is scored) and matches a clean run
  const out = join(dir, "resume");
  const ac = new AbortController();
  let calls = 0;
  const first = await evaluateRun(random, ["perplexity"], options, { out, signal: ac.signal, progress: () => { if (++calls === 1) ac.abort(); } });
  assert.equal(first.interrupted, true);
  const stored = readFileSync(join(out, "perplexity", "sequences.jsonl"), "utf8").trim().split("\n").length - 1;
  assert.ok(stored > 0 && stored < 120, `${stored} sequences stored before the interruption`);
  const seen: number[] = [];
  const second = await evaluateRun(random, ["perplexity"], options, { out, progress: (_l, done) => seen.push(done) });
  assert.equal(second.interrupted, false);
  assert.ok(seen[0]! > stored, `resumed progress starts at ${seen[0]} (after ${stored} stored)`);
  assert.ok(Math.abs((second.tasks.perplexity as any).perplexity - pR.perplexity) < 1e-9, "resumed result equals the uninterrupted one");

  // sweep eval over a sweep whose finished runs are these two (copied with their eval/ folders: nothing is redone)
  const sweep = join(dir, "sweep");
  const design = designSweep({ objectives: ["mlm"], budgets: [1e10, 1e12], centre: () => 4e5, centreSource: { mlm: "test" }, corpus: join(dir, "corpus"), uniqueTrainTokens: null, sizesPerBudget: 1 });
  writeSweep(sweep, design, (p) => trainConfigFor(pointRun(design, p)));
  design.points.forEach((p, i) => cpSync(i === 0 ? random : trained, pointPaths(sweep, p).run, { recursive: true }));
  const ev = await evaluateSweep(sweep, tasks, options);
  assert.equal(ev.runs.length, 2);
  assert.ok(ev.runs[1]!.perplexity! < ev.runs[0]!.perplexity!);
  assert.ok(existsSync(join(sweep, "eval.json")));
  const blocks = await evalSection(sweep, async (spec) => raw(await renderSvg(spec)));
  assert.equal(blocks[0]!.kind === "h2" && blocks[0]!.text, "Downstream evaluation");
  const svgs = blocks.filter((b) => b.kind === "charts").flatMap((b) => (b as { svgs: unknown[] }).svgs);
  assert.equal(svgs.length, 3, "perplexity vs C, DMS vs C, per-assay bars");
});

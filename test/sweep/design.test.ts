import { test } from "node:test";
import assert from "node:assert/strict";
import { designSweep, formatBudget, formatParams, logSpaced, peakLrBySize, pointRun, sweepContext } from "../../src/sweep/design.js";
import { batchAndContextFor } from "../../src/scaling/lr.js";
import { trainConfigFor } from "../../src/train/config-for.js";
import { defaultConfig, parseTrainConfig } from "../../src/train/config.js";
import { nonEmbeddingParams } from "../../src/scaling/shape.js";

const centre = (o: string, C: number) => (o === "clm" ? 2e-3 : 1e-4) * C ** 0.6;

test("budget and size labels", () => {
  assert.equal(formatBudget(1e13), "1e13");
  assert.equal(formatBudget(3e13), "3e13");
  assert.equal(formatBudget(1.5e14), "1.5e14");
  assert.equal(formatParams(850_000), "850k");
  assert.equal(formatParams(1_234_567), "1.2M");
  assert.equal(formatParams(35e6), "35M");
});

test("log-spaced targets are symmetric in log N around the centre", () => {
  const t = logSpaced(1e6, 0.75, 4);
  assert.equal(t.length, 4);
  assert.ok(Math.abs(Math.log10(t[0]!) - 5.25) < 1e-12 && Math.abs(Math.log10(t[3]!) - 6.75) < 1e-12);
  const gm = Math.sqrt(t[1]! * t[2]!);
  assert.ok(Math.abs(gm / 1e6 - 1) < 1e-9);
});

test("design: per budget, sizes around the centre spanning ±0.75 decades, D = C/(6N), exact N from the shape", () => {
  const budgets = [1e15, 1e16, 1e17];
  const d = designSweep({ objectives: ["clm", "mlm"], budgets, centre, centreSource: { clm: "test", mlm: "test" }, corpus: "/c", uniqueTrainTokens: 1e12 });
  assert.equal(d.points.length, 2 * 3 * 4);
  d.points.forEach((p, i) => assert.equal(p.index, i));
  assert.equal(new Set(d.points.map((p) => p.id)).size, d.points.length);
  for (const o of ["clm", "mlm"] as const) {
    for (const C of budgets) {
      const ps = d.points.filter((p) => p.objective === o && p.C === C);
      assert.equal(ps.length, 4);
      const lo = Math.log10(ps[0]!.N), hi = Math.log10(ps[3]!.N);
      assert.ok(Math.abs(hi - lo - 1.5) < 0.15, `span ${hi - lo}`);
      const mid = (lo + hi) / 2;
      assert.ok(Math.abs(mid - Math.log10(centre(o, C))) < 0.08, `${o} ${C}: centre ${mid}`);
      for (const p of ps) {
        assert.equal(p.N, nonEmbeddingParams(p.shape, o === "clm" ? "linear" : "esm")); // the head each run gets
        assert.ok(Math.abs((6 * p.N * p.D) / C - 1) < 1e-12);
        assert.ok(Math.abs(p.epochs! - p.D / 1e12) < 1e-18);
      }
    }
  }
  const lrs = [...d.points].sort((a, b) => a.N - b.N).map((p) => p.lr);
  for (let i = 1; i < lrs.length; i++) assert.ok(lrs[i]! <= lrs[i - 1]!, "LR falls with size");
  assert.deepEqual(d.warnings, []);
});

test("design warns on too many epochs and too few steps; explicit sizes are used as given", () => {
  const d = designSweep({
    objectives: ["mlm"], budgets: [1e11], centre, centreSource: {}, sizes: [2e4, 1e5, 5e5], corpus: "/c", uniqueTrainTokens: 1e5,
    train: { batchTokens: 4096, context: 256 },
  });
  assert.equal(d.points.length, 3);
  assert.ok(d.warnings.some((w) => /epochs over the corpus/.test(w) && w.includes(d.points[0]!.id)), d.warnings.join("\n"));
  assert.ok(d.warnings.some((w) => /optimizer steps/.test(w) && w.includes(d.points[2]!.id)), d.warnings.join("\n"));
  assert.equal(d.spanDecades, null);
});

test("train config per point follows docs/CONTRACTS.md", () => {
  const d = designSweep({ objectives: ["clm"], budgets: [1e14], centre, centreSource: {}, corpus: "/corpus", uniqueTrainTokens: null, train: { threads: 1 } });
  const p = d.points[1]!;
  const c = trainConfigFor(pointRun(d, p));
  assert.equal(c.objective, "clm");
  const { layers, dModel, heads, ffn } = p.shape;
  // batch and context by the batch rule (~500 steps over D), recorded on the point
  assert.deepEqual(c.model, { ...defaultConfig().model, layers, dModel, heads, ffn, vocab: 33, context: p.context, head: "linear" });
  assert.equal(c.batchTokens, p.batchTokens);
  assert.equal(c.batchTokens % c.model.context, 0);
  const steps = p.D / c.batchTokens;
  assert.ok(steps >= 250 && steps <= 1000, `${steps} steps`);
  assert.deepEqual(parseTrainConfig(c), { ...c, microBatchRows: 0, init: null }); // a valid config the trainer reads back unchanged
  assert.equal(c.tokens, p.D);
  assert.equal(c.lr.peak, peakLrBySize(p.N));
  assert.equal(c.data.corpus, "/corpus");
  assert.equal(c.threads, 1);
  assert.ok(c.eval.everySteps >= 1 && c.checkpoint.everySteps >= 1);
  assert.equal(p.epochs, null);
});

test("one context per sweep: every point of every budget trains at the batch rule's context for the centre of the smallest budget", () => {
  const budgets = [1e12, 1e13, 1e14];
  const d = designSweep({ objectives: ["clm", "mlm"], budgets, centre, centreSource: {}, corpus: "/c", uniqueTrainTokens: null, spanDecades: 1, sizesPerBudget: 5 });
  const ctx = new Set(d.points.map((p) => p.context));
  assert.equal(ctx.size, 1, `contexts ${[...ctx]}`);
  assert.equal(d.train.context, d.points[0]!.context);
  assert.equal(d.train.context, sweepContext(centre("clm", 1e12), 1e12));
  // the rule alone would give the sizes of a budget different contexts (this is what the sweep context avoids)
  const perPoint = new Set(d.points.map((p) => batchAndContextFor(p.N, p.D, p.shape.dModel).context));
  assert.ok(perPoint.size > 1, "the grid should span sizes whose own contexts differ");
  // batches stay whole rows of the context
  for (const p of d.points) assert.equal(p.batchTokens! % p.context!, 0);
  // an explicit context is kept
  const fixed = designSweep({ objectives: ["clm"], budgets, centre, centreSource: {}, corpus: "/c", uniqueTrainTokens: null, train: { context: 512 } });
  assert.deepEqual([...new Set(fixed.points.map((p) => p.context))], [512]);
});

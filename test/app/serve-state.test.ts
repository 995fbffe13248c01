// The growing-file reader, the downsampling rule and the run states derived from disk.
import { strict as assert } from "node:assert";
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { discover, makeRoots } from "../../src/app/serve/discover.js";
import { downsampleLog, MetricsTail } from "../../src/app/serve/metrics-tail.js";
import { ServeState } from "../../src/app/serve/state.js";
import { pointPaths } from "../../src/sweep/layout.js";
import { lawSweep, lossAt, metricsLine } from "./serve-fixtures.js";
import { LiveCharts } from "../../src/app/serve/live-charts.js";
import { collectRuns, fitSweep } from "../../src/sweep/fit.js";
import { writeJsonAtomic } from "../../src/core/files.js";
import { exponentRows, exponentsSpec, isoflopSpec, lawSpecs } from "../../src/report/charts.js";

const line = (step: number, extra: object = {}) => JSON.stringify({ step, tokens: step * 100, trainLoss: 3 - step / 100, ...extra });

describe("MetricsTail", () => {
  test("a half-written last line is held back until its newline arrives; malformed lines are skipped", () => {
    const dir = mkdtempSync(join(tmpdir(), "plmscale-tail-"));
    const f = join(dir, "metrics.jsonl");
    const tail = new MetricsTail(f);
    assert.equal(tail.poll(), 0, "no file yet");
    const third = line(3, { valLoss: 2.5 });
    writeFileSync(f, line(1) + "\n" + line(2) + "\n" + third.slice(0, 17));
    assert.equal(tail.poll(), 2);
    assert.ok(tail.hasPartialLine);
    assert.deepEqual(tail.points.map((p) => p.step), [1, 2]);
    appendFileSync(f, third.slice(17) + "\n{not json}\n[1,2]\n" + JSON.stringify({ step: "x", tokens: 1 }) + "\n" + line(4) + "\n");
    assert.equal(tail.poll(), 2);
    assert.deepEqual(tail.points.map((p) => p.step), [1, 2, 3, 4]);
    assert.equal(tail.points[2]!.valLoss, 2.5);
    assert.equal(tail.skipped, 3);
    assert.ok(!tail.hasPartialLine);
    assert.equal(tail.poll(), 0, "nothing new");
  });

  test("a multi-byte character split across two appends survives", () => {
    const f = join(mkdtempSync(join(tmpdir(), "plmscale-tail-")), "metrics.jsonl");
    const l = JSON.stringify({ step: 1, tokens: 5, note: "λ→∞" }) + "\n";
    const bytes = Buffer.from(l);
    const cut = bytes.indexOf(Buffer.from("→")) + 1; // inside the 3-byte arrow
    writeFileSync(f, bytes.subarray(0, cut));
    const tail = new MetricsTail(f);
    assert.equal(tail.poll(), 0);
    appendFileSync(f, bytes.subarray(cut));
    assert.equal(tail.poll(), 1);
    assert.equal(tail.points[0]!.tokens, 5);
  });

  test("a file rewritten shorter (resume truncates metrics) is read again from the start", () => {
    const f = join(mkdtempSync(join(tmpdir(), "plmscale-tail-")), "metrics.jsonl");
    writeFileSync(f, [1, 2, 3, 4].map((s) => line(s)).join("\n") + "\n");
    const tail = new MetricsTail(f);
    assert.equal(tail.poll(), 4);
    writeFileSync(f + ".tmp", line(1) + "\n");
    renameSync(f + ".tmp", f);
    assert.equal(tail.poll(), -1);
    assert.deepEqual(tail.points.map((p) => p.step), [1]);
  });
});

describe("downsampleLog", () => {
  test("keeps ends, at most max points, one per log bin, in order", () => {
    const pts = Array.from({ length: 10_000 }, (_, i) => ({ x: i + 1 }));
    const d = downsampleLog(pts, 50, (p) => p.x);
    assert.ok(d.length <= 50 && d.length >= 40, `${d.length}`);
    assert.equal(d[0]!.x, 1);
    assert.equal(d[d.length - 1]!.x, 10_000);
    for (let i = 1; i < d.length; i++) assert.ok(d[i]!.x > d[i - 1]!.x);
    // log bins: as many points below x=100 (the first 1% of the points) as between 100 and 10000
    const early = d.filter((p) => p.x < 100).length, late = d.filter((p) => p.x >= 100).length;
    assert.ok(Math.abs(early - late) <= 12, `early ${early}, late ${late}`);
    assert.equal(downsampleLog(pts.slice(0, 30), 50, (p) => p.x).length, 30, "short curves untouched");
  });
});

describe("ServeState", () => {
  test("states, losses and ETA from a sweep on disk; changes appear on the next poll", () => {
    const s = lawSweep({ lines: 8, unfinished: [1, 2, 3] });
    const [p1, p2, p3] = [s.design.points[1]!, s.design.points[2]!, s.design.points[3]!];
    const pp2 = pointPaths(s.dir, p2), pp3 = pointPaths(s.dir, p3);
    mkdirSync(pp2.run, { recursive: true });
    mkdirSync(pp3.state, { recursive: true });
    writeFileSync(pp3.failure, JSON.stringify({ attempts: 2, exitCode: 1, signal: null, error: "CUDA out of memory\nat step 3", at: "" }));
    writeFileSync(pp2.running, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "", attempt: 1 }));
    writeFileSync(pp2.metrics, JSON.stringify({ step: 1, tokens: p2.D / 4, trainLoss: 4, valLoss: 3.9, tokensPerSecond: 1000, mfu: 0.25 }) + "\n");
    const st = new ServeState(makeRoots([s.dir]));
    st.rescan();
    st.poll();
    const by = (id: string) => st.rows().find((r) => r.name === id)!;
    assert.equal(by(s.design.points[0]!.id).state, "done");
    assert.equal(by(p1.id).state, "pending");
    assert.equal(by(p2.id).state, "running");
    assert.equal(by(p2.id).etaSeconds, Math.round((p2.D * 0.75) / 1000));
    assert.equal(by(p2.id).mfu, 0.25);
    assert.equal(by(p3.id).state, "failed");
    assert.match(by(p3.id).error!, /CUDA out of memory/);
    const sw = st.sweepRows()[0]!;
    assert.deepEqual([sw.counts.done, sw.counts.running, sw.counts.failed, sw.counts.pending], [s.design.points.length - 3, 1, 1, 1]);

    appendFileSync(pp2.metrics, JSON.stringify({ step: 2, tokens: p2.D / 2, trainLoss: 3.5, valLoss: 3.2, tokensPerSecond: 1000 }) + "\n");
    appendFileSync(pp2.metrics, JSON.stringify({ step: 3, tokens: (p2.D * 3) / 4, trainLoss: 3.4, valLoss: 3.3, tokensPerSecond: 1000 }) + "\n");
    const changed = st.poll();
    assert.deepEqual(changed.map((r) => r.name), [p2.id]);
    assert.equal(by(p2.id).bestValLoss, 3.2);
    assert.equal(by(p2.id).lastValLoss, 3.3);
    assert.equal(by(p2.id).lines, 3);
    assert.deepEqual(st.poll(), [], "nothing changed");
  });

  test("a planned run's prediction (config.json) and its outcome (result.json), and both MFU counts", () => {
    const top = mkdtempSync(join(tmpdir(), "plmscale-pred-"));
    const run = join(top, "planned");
    mkdirSync(run);
    writeFileSync(join(run, "config.json"), JSON.stringify({ objective: "mlm", tokens: 1000, prediction: { source: "released-mlm", C: 1e21, N: 1, D: 1, loss: 2.25, note: "no interval" } }));
    writeFileSync(join(run, "metrics.jsonl"), JSON.stringify({ step: 1, tokens: 1000, valLoss: 2.31, tokensPerSecond: 10, mfu: 0.177, mfuMegatron: 0.2 }) + "\n");
    const st = new ServeState(makeRoots([top]));
    st.rescan();
    st.poll();
    const before = st.rows()[0]!;
    assert.equal(before.predictedLoss, 2.25);
    assert.equal(before.predictionGapNats, null, "no result yet");
    assert.deepEqual([before.mfu, before.mfuMegatron], [0.177, 0.2]);
    writeFileSync(join(run, "result.json"), JSON.stringify({ objective: "mlm", N: 1, D: 1000, loss: 2.31, prediction: { gapNats: 0.06, inside: false } }));
    st.poll();
    const after = st.rows()[0]!;
    assert.equal(after.predictionGapNats, 0.06);
    assert.equal(after.predictionInside, false);
  });

  test("discovery: a folder of runs and sweeps; links are not followed out of the tree", () => {
    const top = mkdtempSync(join(tmpdir(), "plmscale-study-"));
    const s = lawSweep({ lines: 2 });
    symlinkSync(s.dir, join(top, "linked-sweep")); // outside top: must not be entered
    mkdirSync(join(top, "study", "clm-pre"), { recursive: true });
    writeFileSync(join(top, "study", "clm-pre", "metrics.jsonl"), line(1) + "\n");
    mkdirSync(join(top, "empty", "deeper"), { recursive: true });
    const d = discover(makeRoots([top]));
    assert.deepEqual(d.runs.map((r) => r.name), ["study/clm-pre"]);
    assert.equal(d.sweeps.length, 0);
    const both = discover(makeRoots([top, s.dir]));
    assert.equal(both.sweeps.length, 1);
    assert.equal(both.runs.length, 1 + s.design.points.length);
  });
});

describe("LiveCharts: the report's specifications, refitted as runs finish", () => {
  test("with SWEEP/fit.json the IsoFLOP, law and exponent charts are exactly the report's", () => {
    const s = lawSweep({ lines: 8 });
    const fit = fitSweep(s.dir, { bootstrap: 10 });
    writeJsonAtomic(join(s.dir, "fit.json"), fit);
    const st = new ServeState(makeRoots([s.dir]));
    st.rescan();
    st.poll();
    const live = new LiveCharts(st);
    const { charts } = live.overview([], "tokens");
    const spec = (suffix: string) => charts.find((c) => c.id.endsWith(suffix))?.spec;
    const clm = fit.objectives[0]!;
    assert.deepEqual(spec("#clm-isoflop"), isoflopSpec(clm, collectRuns(s.dir)));
    assert.deepEqual(spec("#exponents"), exponentsSpec(exponentRows(fit)));
    const laws = lawSpecs(clm, fit.paper.clm);
    assert.equal(laws.length, 3);
    laws.forEach((x, i) => assert.deepEqual(spec(`#clm-law${i}`), x));
    assert.equal(live.fitsComputed, 0, "fit.json was used, nothing refitted");
  });

  test("without fit.json: fits in a worker, tells the server, and refits when another run finishes", async () => {
    const s = lawSweep({ lines: 8, unfinished: [0] });
    const st = new ServeState(makeRoots([s.dir]));
    st.rescan();
    st.poll();
    let ready = 0;
    let wake: () => void = () => {};
    const live = new LiveCharts(st, () => { ready++; wake(); });
    const fitted = () => new Promise<void>((r) => (wake = r));
    try {
      let w = fitted();
      assert.match(live.overview([], "tokens").notes.join(" "), /fitting 11 finished runs/);
      await w;
      const first = live.overview([], "tokens");
      assert.ok(first.charts.some((c) => c.id.endsWith("#clm-isoflop")));
      assert.equal(live.fitsComputed, 1);
      live.overview([], "tokens");
      assert.equal(live.fitsComputed, 1, "unchanged runs: no new fit");
      // the missing run finishes: a new fit with 12 runs
      const p = s.design.points[0]!;
      const pp = pointPaths(s.dir, p);
      mkdirSync(pp.run, { recursive: true });
      writeFileSync(pp.metrics, metricsLine(p, 0, 1) + "\n");
      writeFileSync(pp.result, JSON.stringify({ objective: "clm", N: p.N, D: p.D, C: p.C, loss: lossAt(p, p.D), wallSeconds: 1 }));
      st.poll();
      w = fitted();
      assert.match(live.overview([], "tokens").notes.join(" "), /fitting 12 finished runs/);
      await w;
      assert.equal(live.fitsComputed, 2);
      assert.equal(ready, 2);
      const iso = live.overview([], "tokens").charts.find((c) => c.id.endsWith("#clm-isoflop"))!.spec as { layer: { data: { values: unknown[] } }[] };
      assert.equal(iso.layer[1]!.data.values.length, 12, "the new run is a point of the IsoFLOP chart");
    } finally {
      await live.close();
    }
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCurves, parseRunsTable, readCurves, readRunsTable, RunsTableError, splitCsvLine } from "../../src/scaling/runs-table.js";

test("CSV: any two of N, D, C give the third (C = 6ND); extra columns kept as numbers or text", () => {
  const t = parseRunsTable("objective,N,D,C,loss,lr,tag\nmlm,1e6,2e7,,2.5,3e-4,a\nclm,,1e8,6e15,2.4,,b\nMLM,2e6,,1.2e14,2.6,,\n", "runs.csv");
  assert.equal(t.rows.length, 3);
  assert.equal(t.rows[0]!.C, 6 * 1e6 * 2e7);
  assert.equal(t.rows[1]!.N, 6e15 / (6 * 1e8));
  assert.equal(t.rows[2]!.D, 1.2e14 / (6 * 2e6));
  assert.equal(t.rows[2]!.objective, "mlm");
  assert.deepEqual(t.rows[0]!.extra, { lr: 3e-4, tag: "a" });
});

test("JSONL rows and quoted CSV cells", () => {
  const t = parseRunsTable('{"objective":"clm","N":1e6,"D":1e7,"loss":3.1,"run":"x"}\n\n{"objective":"mlm","C":6e13,"D":1e7,"loss":2.9}\n', "runs.jsonl");
  assert.equal(t.rows.length, 2);
  assert.equal(t.rows[1]!.N, 1e6);
  assert.equal(t.rows[0]!.extra.run, "x");
  assert.deepEqual(splitCsvLine('a,"b,c","d ""e"""'), ["a", "b,c", 'd "e"']);
});

const bad: [string, string, number, string][] = [
  ["missing loss", "objective,N,D,loss\nmlm,1e6,1e7,\n", 2, "loss"],
  ["non-positive N", "objective,N,D,loss\nmlm,0,1e7,2\n", 2, "N"],
  ["negative D", "objective,N,D,loss\nmlm,1e6,-5,2\n", 2, "D"],
  ["non-finite C", "objective,N,C,loss\nmlm,1e6,1e999,2\n", 2, "C"],
  ["text in a number", "objective,N,D,loss\nmlm,1e6,lots,2\n", 2, "D"],
  ["NaN", "objective,N,D,loss\nmlm,1e6,1e7,NaN\n", 2, "loss"],
  ["unknown objective", "objective,N,D,loss\nmlm,1e6,1e7,2\nt5,1e6,1e7,2\n", 3, "objective"],
  ["only one of N, D, C", "objective,N,D,C,loss\nmlm,1e6,,,2\n", 2, "D"],
  ["wrong cell count", "objective,N,D,loss\nmlm,1e6,1e7\n", 2, "(row)"],
];
for (const [what, text, line, column] of bad) {
  test(`bad row (${what}) names file, line and column`, () => {
    assert.throws(() => parseRunsTable(text, "t.csv"), (e: unknown) => {
      assert.ok(e instanceof RunsTableError);
      assert.equal(e.line, line);
      assert.equal(e.column, column);
      assert.ok(e.message.startsWith(`t.csv:${line}: column '${column}'`), e.message);
      return true;
    });
  });
}

test("bad JSONL lines, missing objective, empty table", () => {
  assert.throws(() => parseRunsTable('{"objective":"mlm",\n', "r.jsonl"), /r\.jsonl:1: column '\(row\)': not valid JSON/);
  assert.throws(() => parseRunsTable("[1,2]\n", "r.jsonl"), /must be an object/);
  assert.throws(() => parseRunsTable("N,D,loss\n1e6,1e7,2\n", "r.csv"), /column 'objective': missing/);
  assert.equal(parseRunsTable("N,D,loss\n1e6,1e7,2\n", "r.csv", { defaultObjective: "clm" }).rows[0]!.objective, "clm");
  assert.throws(() => parseRunsTable("", "r.csv"), /empty table/);
});

test("skipBad continues and counts what it skipped", () => {
  const t = parseRunsTable("objective,N,D,loss\nmlm,1e6,1e7,2\nmlm,x,1e7,2\nfoo,1e6,1e7,2\nmlm,2e6,1e7,1.9\n", "t.csv", { skipBad: true });
  assert.equal(t.rows.length, 2);
  assert.deepEqual(t.skipped.map((s) => [s.line, s.column]), [[3, "N"], [4, "objective"]]);
});

test("a sweep directory: result.json per run is a runs table; metrics.jsonl are loss curves", () => {
  const root = mkdtempSync(join(tmpdir(), "plmscale-sweep-"));
  for (const [i, N] of [1e6, 2e6].entries()) {
    const dir = join(root, `b0`, `run${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "result.json"), JSON.stringify({ objective: "mlm", N, D: 1e7, C: 6 * N * 1e7, loss: 2.5 - i * 0.1, steps: 10 }, null, 2));
    writeFileSync(join(dir, "metrics.jsonl"), [1, 2, 3].map((s) => JSON.stringify({ step: s, flops: s * 1e12, trainLoss: 3 - s * 0.1, ...(s === 3 ? { valLoss: 2.8 } : {}) })).join("\n") + "\n");
  }
  const t = readRunsTable(root);
  assert.equal(t.rows.length, 2);
  assert.equal(t.rows[1]!.N, 2e6);
  assert.equal(t.rows[0]!.extra.steps, 10);
  const curves = readCurves(root);
  assert.equal(curves.length, 2);
  assert.equal(curves[0]!.N, 1e6);
  assert.equal(curves[0]!.points.length, 3);
  // a run that logged ≥ 2 validation points contributes those, not its training losses
  writeFileSync(join(root, "b0", "run1", "metrics.jsonl"), [1, 2, 3].map((s) => JSON.stringify({ step: s, flops: s * 1e12, trainLoss: 3, valLoss: 2 + s / 10 })).join("\n"));
  assert.deepEqual(readCurves(root)[1]!.points.map((p) => p.loss), [2.1, 2.2, 2.3]);
  assert.throws(() => readRunsTable(mkdtempSync(join(tmpdir(), "plmscale-empty-"))), /no finished runs/);
});

test("curves from a table group points by run and sort them by FLOPs", () => {
  const c = parseCurves("run,flops,loss,N\na,2e12,2.9,1e6\na,1e12,3.0,1e6\nb,1e12,3.1,\n", "c.csv");
  assert.equal(c.length, 2);
  assert.deepEqual(c[0]!.points.map((p) => p.flops), [1e12, 2e12]);
  assert.equal(c[0]!.N, 1e6);
  assert.throws(() => parseCurves("run,flops,loss\na,,3\n", "c.csv"), /c\.csv:2: column 'flops'/);
});

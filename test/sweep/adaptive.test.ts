import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { designSweep, pointRun } from "../../src/sweep/design.js";
import { writeSweep, readDesign, sweepStatus } from "../../src/sweep/layout.js";
import { runSweep } from "../../src/sweep/adaptive-run.js";
import { trainConfigFor } from "../../src/train/config-for.js";
import type { ChildFactory } from "../../src/sweep/executor.js";
import type { SweepDesign } from "../../src/sweep/types.js";
import { invokeCommand, type CommandIO } from "../../src/cli/command.js";
import { sweepRunCommand, sweepStatusCommand } from "../../src/cli/specs/sweep.js";
import { readFileSync } from "node:fs";

async function cli(cmd: typeof sweepRunCommand | typeof sweepStatusCommand, argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const io: CommandIO = { out: (l) => out.push(l), err: (l) => err.push(l), json: false, signal: new AbortController().signal };
  const { result, code } = await invokeCommand(cmd as never, argv, io);
  (code as { human?: (r: unknown, io: CommandIO) => void }).human?.(result, io);
  return { result: result as Record<string, unknown>, out, err };
}

// Synthetic loss surface L(N, D) = E + A/N^α + B/D^β (Chinchilla form). With α = β, on an IsoFLOP line
// D = C/(6N) its minimum is N_opt = (A/B)^(1/(2α))·sqrt(C/6).
const E = 1.8, A = 124, B = 600, ALPHA = 0.34; // N_opt(1e12) ≈ 40k
const nOpt = (C: number) => (A / B) ** (1 / (2 * ALPHA)) * Math.sqrt(C / 6);
const loss = (N: number, D: number) => E + A / N ** ALPHA + B / D ** ALPHA;

/** A real child process standing in for `plmscale train`: writes result.json from the analytic loss. */
const CHILD = String.raw`
import { mkdirSync, writeFileSync, existsSync, renameSync } from "node:fs";
import { join } from "node:path";
const [out, N, D, id] = process.argv.slice(2);
if (process.env.FAIL_ID === id && !existsSync(process.env.FAIL_MARK)) { writeFileSync(process.env.FAIL_MARK, "1"); console.error("simulated crash"); process.exit(1); }
const n = Number(N), d = Number(D);
const L = ${E} + ${A} / n ** ${ALPHA} + ${B} / d ** ${ALPHA};
mkdirSync(out, { recursive: true });
// wall time as the test sets it: seconds per token a + b·N (FAKE_COST="a,b"), default 0.01 s per run
const [ca, cb] = (process.env.FAKE_COST ?? "").split(",").map(Number);
const wall = process.env.FAKE_COST ? d * (ca + cb * n) : 0.01;
writeFileSync(join(out, "result.tmp"), JSON.stringify({ N: n, D: d, C: 6 * n * d, loss: L, wallSeconds: wall }));
renameSync(join(out, "result.tmp"), join(out, "result.json"));
`;
const childPath = join(mkdtempSync(join(tmpdir(), "plmscale-adaptive-child-")), "analytic-train.mjs");
writeFileSync(childPath, CHILD);
const child: ChildFactory = ({ paths, point }) => ({ command: process.execPath, args: [childPath, paths.run, String(point.N), String(point.D), point.id] });

const BUDGETS = [1e12, 3e12, 1e13];

function makeSweep(o: { centreFactor: number; unique?: number | null; maxSizes?: number }): string {
  const dir = join(mkdtempSync(join(tmpdir(), "plmscale-adaptive-")), "sweep");
  // the preset's centre is off by centreFactor: the first grid misses the minimum entirely
  const kN = (A / B) ** (1 / (2 * ALPHA)) / Math.sqrt(6) * o.centreFactor;
  const design = designSweep({
    objectives: ["clm"], budgets: BUDGETS, centre: (_o, C) => kN * C ** 0.5, centreSource: { clm: "test preset" },
    sizesPerBudget: 4, spanDecades: 0.5, corpus: "/nonexistent", uniqueTrainTokens: o.unique ?? null,
    adaptive: { fallback: { clm: { kN, a: 0.5, source: "test preset" } }, limits: { maxSizesPerBudget: o.maxSizes ?? 8 }, sizesAfterLocated: 3 },
  });
  writeSweep(dir, design, (p) => trainConfigFor(pointRun(design, p)));
  return dir;
}

const sizesAt = (d: SweepDesign, C: number) => d.points.filter((p) => p.C === C).map((p) => p.N).sort((a, b) => a - b);
const stripTimes = (d: SweepDesign) => ({ ids: d.points.map((p) => p.id), events: d.adaptive!.events.map(({ at: _at, ...e }) => e) });

test("adaptive design: a minimum that starts below the grid ends bracketed at every budget, within the limits", async () => {
  const dir = makeSweep({ centreFactor: 10 });
  const first = readDesign(dir);
  assert.equal(new Set(first.points.map((p) => p.C)).size, 1, "an adaptive design starts with its smallest budget only");
  assert.ok(Math.min(...sizesAt(first, 1e12)) > nOpt(1e12) * 2, "the first grid lies entirely above the true minimum");
  const s = await runSweep(dir, { child, workers: 2 });
  assert.equal(s.failed, 0);
  assert.equal(s.complete, true);
  const d = readDesign(dir);
  const ev = d.adaptive!.events;
  assert.ok(ev.some((e) => e.kind === "extend" && e.C === 1e12 && e.edge === "low"), JSON.stringify(ev, null, 1));
  for (const C of BUDGETS) {
    const sizes = sizesAt(d, C);
    assert.ok(sizes.length >= 3 && sizes.length <= 8, `C=${C}: ${sizes.length} sizes`);
    // bracketed: at least one size on each side of the true minimum, and recorded as such
    assert.ok(sizes[0]! < nOpt(C) && sizes[sizes.length - 1]! > nOpt(C), `C=${C}: sizes ${sizes} vs N_opt ${nOpt(C)}`);
    assert.ok(ev.some((e) => e.kind === "bracketed" && e.C === C), `C=${C} not recorded as bracketed`);
  }
  // later budgets are centred on the fitted law: they need no extension (the preset was 10x off)
  assert.ok(!ev.some((e) => e.kind === "extend" && e.C === 1e13), "the last budget should land without extending");
  assert.ok(ev.some((e) => e.kind === "next-budget" && e.C === 1e13 && /fit of 2 bracketed|minimum of C=/.test(e.detail)));
  assert.equal(sizesAt(d, 1e13).length, 3, "fewer sizes once the minimum is located");
  const st = sweepStatus(dir, d);
  assert.equal(st.counts.done, d.points.length);
});

test("adaptive design: a limit stops the extension and is recorded (most epochs)", async () => {
  // a corpus of 1e6 unique tokens: at C=1e12 sizes below ~42k would repeat it more than 4 times, so the
  // extension towards the true minimum (≈40k) stops there
  const dir = makeSweep({ centreFactor: 10, unique: 1e6 });
  const s = await runSweep(dir, { child });
  assert.equal(s.complete, true);
  const d = readDesign(dir);
  const lim = d.adaptive!.events.filter((e) => e.kind === "limit" && e.C === 1e12);
  assert.equal(lim.length, 1, JSON.stringify(d.adaptive!.events, null, 1));
  assert.match(lim[0]!.detail, /most epochs \(4\)/);
  const added = d.points.filter((p) => (p.round ?? 0) > 0 && p.C === 1e12);
  assert.ok(added.length >= 1);
  for (const p of added) assert.ok(p.epochs! <= 4, `${p.id} repeats the corpus ${p.epochs} times`);
});

test("adaptive design: an interrupted sweep resumes the same extension", async () => {
  const straight = makeSweep({ centreFactor: 10 });
  await runSweep(straight, { child });
  const want = stripTimes(readDesign(straight));
  // the first extension point crashes once; with one try per point the sweep stops unfinished
  const firstExt = want.events.find((e) => e.kind === "extend")!.added[0]!;
  const dir = makeSweep({ centreFactor: 10 });
  process.env.FAIL_ID = firstExt;
  process.env.FAIL_MARK = join(dir, "..", "failed-once");
  try {
    const s1 = await runSweep(dir, { child, maxAttempts: 1 });
    assert.equal(s1.failed, 1);
    assert.equal(s1.complete, false);
    assert.ok(existsSync(process.env.FAIL_MARK));
    const mid = readDesign(dir);
    assert.ok(mid.points.some((p) => p.id === firstExt) && mid.points.length < want.ids.length);
    const s2 = await runSweep(dir, { child });
    assert.equal(s2.complete, true);
  } finally {
    delete process.env.FAIL_ID;
  }
  assert.deepEqual(stripTimes(readDesign(dir)), want);
});

test("fixed design (--fixed): all budgets at once, never extended", async () => {
  const dir = makeSweep({ centreFactor: 10 });
  const s = await runSweep(dir, { child, fixed: true });
  assert.equal(s.done, 4);
  assert.equal(readDesign(dir).points.length, 4);
});

test("Slurm: one array per round — emit covers the round's points; after they finish, emit decides and covers the next round", async () => {
  const dir = makeSweep({ centreFactor: 10 });
  const first = await cli(sweepRunCommand, [dir, "--emit", "slurm", "--plmscale", "plmscale"]);
  const round0 = readDesign(dir).points.map((p) => p.index);
  assert.match(readFileSync(first.result.emitted as string, "utf8"), new RegExp(`#SBATCH --array=${round0[0]}-${round0[round0.length - 1]}\\n`));
  assert.ok(first.out.some((l) => /run .*--emit slurm' again for the next round/.test(l)), first.out.join("\n"));
  // the array tasks ran (here: the same runs, by a fixed local pool)
  await runSweep(dir, { child, fixed: true });
  const second = await cli(sweepRunCommand, [dir, "--emit", "slurm", "--plmscale", "plmscale"]);
  const d = readDesign(dir);
  const added = d.points.filter((p) => (p.round ?? 0) === 1).map((p) => p.index);
  assert.ok(added.length > 0 && d.adaptive!.round === 1);
  const script = readFileSync(second.result.emitted as string, "utf8");
  assert.match(script, new RegExp(`#SBATCH --array=${added[0]}-${added[added.length - 1]}\\n`), script);
  // status lists the decisions and the budgets still to come
  const st = await cli(sweepStatusCommand, [dir]);
  assert.ok(st.out.some((l) => /round 1 clm C=1\.0e\+12 extend \(low edge\)/.test(l)), st.out.join("\n"));
  assert.ok(st.out.some((l) => /budgets still to design 3\.0e\+12, 1\.0e\+13/.test(l)), st.out.join("\n"));
});

test("adaptive design with a deadline: rounds that do not fit the time left are not added, and the budget says why", async () => {
  // every run of C=1e12 "takes" 100 s (a = 0, b = 6e-10 s per token per parameter: D·b·N = C·b/6), one of
  // 3e12 300 s: with 200 s left the extensions at 1e12 fit (100 s a round on 2 workers), the next budget's
  // round of 3 runs (max(900/2, 300) = 450 s) does not
  process.env.FAKE_COST = "0,6e-10";
  try {
    const dir = makeSweep({ centreFactor: 10 });
    const s = await runSweep(dir, { child, workers: 2, deadline: Date.now() + 200_000 });
    assert.equal(s.failed, 0);
    assert.equal(s.complete, true);
    const d = readDesign(dir);
    const ev = d.adaptive!.events;
    assert.ok(ev.some((e) => e.kind === "bracketed" && e.C === 1e12), JSON.stringify(ev, null, 1));
    assert.deepEqual(sizesAt(d, 3e12), [], "the next budget was not opened");
    const lim = ev.filter((e) => e.kind === "limit");
    assert.equal(lim.length, 1, JSON.stringify(ev, null, 1));
    assert.match(lim[0]!.detail, /time: the next round \(3 run\(s\), ~450 s on 2 worker\(s\)\) does not fit the (1\d\d|200) s left/);
  } finally {
    delete process.env.FAKE_COST;
  }
});

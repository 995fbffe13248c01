import { fileURLToPath } from "node:url";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { invokeCommand, parseCommandArgs, type Command, type CommandIO } from "../../src/cli/command.js";
import { UserError } from "../../src/core/errors.js";
import { fitCommand, planCommand } from "../../src/cli/specs/scaling.js";
import type { PlanResult } from "../../src/cli/commands/plan.js";
import type { FitResult } from "../../src/cli/commands/fit.js";
import { dataPrepareCommand } from "../../src/cli/specs/data.js";
import { syntheticIsoflop } from "../../src/scaling/synthetic.js";

function io(json = true) {
  const out: string[] = [], err: string[] = [];
  const c: CommandIO = { out: (l) => out.push(l), err: (l) => err.push(l), json, signal: new AbortController().signal };
  return { io: c, out, err };
}
async function run<R>(cmd: Command<R>, argv: string[]) {
  const h = io(argv.includes("--json"));
  const { result: r, code } = await invokeCommand(cmd, argv, h.io);
  if (!h.io.json) code.human?.(r, h.io);
  return { r, ...h };
}
async function fails(cmd: Command, argv: string[], re: RegExp, code?: number) {
  await assert.rejects(run(cmd, argv), (e: unknown) => {
    assert.ok(e instanceof UserError, String(e));
    assert.match(e.message, re);
    if (code !== undefined) assert.equal(e.exitCode, code);
    return true;
  });
}

const dir = mkdtempSync(join(tmpdir(), "plmscale-cli-"));
const law = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const csv = join(dir, "runs.csv");
writeFileSync(csv, "objective,N,D,C,loss,budget\n" + syntheticIsoflop({ law, sigma: 0.003, seed: 2 }).map((r) => `mlm,${r.N},${r.D},${r.C},${r.loss},${r.extra.budget}`).join("\n") + "\n");

test("plan --like esm2-3b --json: ≈10.7B parameters with a shape and growth factors", async () => {
  const { r, out } = await run(planCommand, ["--like", "esm2-3b", "--json"]);
  const p = r as PlanResult;
  assert.equal(p.objective, "mlm");
  assert.ok(p.N > 10.2e9 && p.N < 11.2e9);
  assert.equal(p.budget.like!.name, "esm2-3b");
  assert.ok(p.growthPer10x.N > 5 && p.growthPer10x.N < 6.5);
  assert.deepEqual(out, [], "--json leaves printing to main");
  assert.ok(!p.warnings.some((w) => /approximate budget/.test(w)));
  const { r: r15 } = await run(planCommand, ["--like", "esm2-15b", "--json"]);
  assert.ok((r15 as PlanResult).warnings.some((w) => /approximate budget: ESM-2 15B/.test(w)));
  const { r: r15t } = await run(planCommand, ["--like", "esm2-15b", "--tokens", "9e11", "--json"]);
  assert.equal((r15t as PlanResult).C, 6 * (r15t as PlanResult).budget.like!.N * 9e11);
  assert.ok(!(r15t as PlanResult).warnings.some((w) => /approximate budget/.test(w)));
});

test("plan human output; --gpu-hours budget; --emit writes a config", async () => {
  const cfg = join(dir, "train.json");
  const { out } = await run(planCommand, ["--objective", "clm", "--gpu-hours", "1000", "--gpu", "a100", "--mfu", "0.4", "--unique-tokens", "1e9", "--emit", cfg]);
  const text = out.join("\n");
  assert.match(text, /CLM plan for C = 4\.493e\+20 FLOPs/);
  assert.match(text, /shape: \d+ layers/);
  assert.match(text, /×10 compute → N ×3\.61, D ×2\.67/);
  assert.match(text, /epochs/);
  const c = JSON.parse(readFileSync(cfg, "utf8"));
  assert.equal(c.objective, "clm");
  assert.equal(c.dtype, "bfloat16");
});

test("plan --joint and --corpus reads a real corpus manifest (unique training tokens)", async () => {
  const fixture = fileURLToPath(new URL("../../../test/fixtures/swissprot-sample.fasta.gz", import.meta.url));
  const corpus = join(dir, "corpus");
  await run(dataPrepareCommand, ["--source", `sp=${fixture}`, "--out", corpus, "--cluster", "none", "--quiet", "--json"]);
  const m = JSON.parse(readFileSync(join(corpus, "manifest.json"), "utf8"));
  const trainTokens = m.sources[0].splits.train.tokens as number;
  assert.ok(trainTokens > 1e6);
  const { r } = await run(planCommand, ["--objective", "mlm", "--flops", "1e20", "--joint", "--corpus", corpus, "--json"]);
  const p = r as PlanResult;
  assert.equal(p.data!.uniqueTokens, trainTokens);
  assert.equal(p.joint!.clmFraction, 0.15);
});

test("plan error paths", async () => {
  await fails(planCommand, ["--objective", "mlm"], /exactly one budget/, 2);
  await fails(planCommand, ["--objective", "mlm", "--flops", "1e20", "--like", "esm2-3b"], /exactly one budget/, 2);
  await fails(planCommand, ["--flops", "1e20"], /missing --objective/, 2);
  await fails(planCommand, ["--objective", "t5", "--flops", "1e20"], /--objective: 't5' is not one of clm, mlm/, 2);
  await fails(planCommand, ["--objective", "mlm", "--flops=-1"], /--flops: .* (is out of range|is not a number)/);
  await fails(planCommand, ["--objective", "mlm", "--gpu-hours", "10"], /needs --gpu/, 2);
  await fails(planCommand, ["--objective", "mlm", "--flops", "1e20", "--gpu", "tpu9"], /unknown GPU/, 2);
  await fails(planCommand, ["--objective", "mlm", "--flops", "1e20", "--mfu", "2", "--gpu", "h100"], /mfu/, 2);
  await fails(planCommand, ["--like", "gpt-4"], /unknown model/, 2);
  await fails(planCommand, ["--like", "progen2-large"], /--tokens/, 2);
  await fails(planCommand, ["--objective", "mlm", "--flops", "1e20", "--tokens", "1e9"], /--tokens goes with --like/, 2);
  await fails(planCommand, ["--objective", "mlm", "--flops", "1e20", "--preset", "nope"], /unknown preset/, 2);
  await fails(planCommand, ["--objective", "mlm", "--flops", "1e20", "--preset", "released-clm"], /is for CLM/);
  await fails(planCommand, ["--objective", "clm", "--flops", "1e20", "--joint"], /--objective mlm/, 2);
});

test("fit isoflop --save-preset, then plan --preset FILE uses it", async () => {
  const preset = join(dir, "mine.json");
  const { r } = await run(fitCommand, ["--runs", csv, "--method", "isoflop", "--bootstrap", "50", "--save-preset", preset, "--json"]);
  const f = r as Extract<FitResult, { method: "isoflop" }>;
  assert.ok(Math.abs(f.fit.a - 0.4516) < 0.015);
  assert.equal(f.fit.minima.length, 9);
  assert.ok(f.fit.ci!.a!.lo < f.fit.a && f.fit.a < f.fit.ci!.a!.hi);
  const { r: p } = await run(planCommand, ["--objective", "mlm", "--flops", "1e21", "--preset", preset, "--json"]);
  assert.ok(Math.abs((p as PlanResult).N / (f.fit.kN * 1e21 ** f.fit.a) - 1) < 1e-12);
});

test("fit parametric: JSON names and human output", async () => {
  const { r } = await run(fitCommand, ["--runs", csv, "--method", "parametric", "--bootstrap", "20", "--workers", "2", "--json"]);
  const f = (r as unknown as { fit: Record<string, unknown> }).fit;
  for (const k of ["E", "A", "B", "alpha", "beta", "objective", "a", "b", "kN", "kD", "ci"]) assert.ok(k in f, k);
  assert.ok(Math.abs((f.alpha as number) - 0.34) < 0.03);
  const { out } = await run(fitCommand, ["--runs", csv, "--method", "parametric", "--bootstrap", "0", "--at", "1e22"]);
  assert.match(out.join("\n"), /objective \(summed Huber\)/);
  assert.match(out.join("\n"), /optimum at C = 1\.000e\+22: N = /);
});

test("fit error paths: bad rows name file:line:column; --skip-bad; mixed objectives; missing file", async () => {
  const badCsv = join(dir, "bad.csv");
  writeFileSync(badCsv, readFileSync(csv, "utf8") + "mlm,abc,1e9,,2.5,0\nxyz,1e6,1e9,,2.5,0\n");
  await fails(fitCommand, ["--runs", badCsv], /bad\.csv:119: column 'N': 'abc' is not a number.*--skip-bad/);
  const h = io(true);
  const { result: r } = await invokeCommand(fitCommand, ["--runs", badCsv, "--skip-bad", "--bootstrap", "0"], h.io);
  assert.equal(r.skipped, 2);
  assert.match(h.err[0]!, /skipped 2 bad row/);
  const mixed = join(dir, "mixed.csv");
  writeFileSync(mixed, "objective,N,D,loss\nmlm,1e6,1e9,2\nclm,1e6,1e9,2\n");
  await fails(fitCommand, ["--runs", mixed], /both clm and mlm/, 2);
  await fails(fitCommand, ["--runs", mixed, "--objective", "mlm"], /skipped: [12] distinct model size/);
  await fails(fitCommand, ["--runs", join(dir, "nope.csv")], /--runs: .*nope\.csv not found/, 2);
  await fails(fitCommand, ["--runs", csv, "--method", "magic"], /--method/, 2);
  await fails(fitCommand, ["--runs", csv, "--method", "transfer"], /no transfer pairs/);
});

test("fit --method transfer from paired runs, then plan --joint --transfer-law", async () => {
  const L = { E: 1.8, A: 300, B: 500, alpha: 0.33, beta: 0.3 };
  const loss = (N: number, D: number) => L.E + L.A / N ** L.alpha + L.B / D ** L.beta;
  const lines = ["objective,N,D,loss,init"];
  // from-scratch MLM runs for the scratch law, and CLM-initialised runs worth D_t = 2e3·D_F^0.45·N^0.3 extra tokens
  for (const N of [1e7, 3e7, 1e8]) for (const D of [1e8, 1e9, 1e10]) {
    lines.push(`mlm,${N},${D},${loss(N, D)},scratch`);
    lines.push(`mlm,${N},${D},${loss(N, D + 2e3 * D ** 0.45 * N ** 0.3)},clm`);
  }
  const file = join(dir, "transfer.csv");
  writeFileSync(file, lines.join("\n") + "\n");
  const { r } = await run(fitCommand, ["--runs", file, "--method", "transfer", "--json"]);
  const t = r as Extract<FitResult, { method: "transfer" }>;
  assert.equal(t.points.length, 9);
  assert.ok(t.fit && Math.abs(t.fit.alpha - 0.45) < 0.02 && Math.abs(t.fit.beta - 0.3) < 0.02, JSON.stringify(t.fit));
  const lawFile = join(dir, "transfer-law.json");
  writeFileSync(lawFile, JSON.stringify(t));
  const { r: p, out } = await run(planCommand, ["--objective", "mlm", "--flops", "1e20", "--joint", "--transfer-law", lawFile]);
  const j = (p as PlanResult).joint!;
  assert.ok(j.effectiveMlmTokens! > j.mlm.D);
  assert.ok(j.predictedLoss!.transfer < j.predictedLoss!.scratch + 1);
  assert.match(out.join("\n"), /effective MLM tokens with transfer/);
  const { out: human } = await run(fitCommand, ["--runs", file, "--method", "transfer"]);
  assert.match(human.join("\n"), /D_t = .*·D_F\^0\.4\d+·N\^0\.[23]\d+/);
});

test("fit --method envelope from a curves table", async () => {
  const lines = ["run,flops,loss,N"];
  for (let i = 0; i < 6; i++) {
    const Ci = 1e17 * 10 ** (i / 2), N = 0.1 * Ci ** 0.5;
    for (let k = -15; k <= 15; k++) {
      const C = Ci * 10 ** (k / 10);
      lines.push(`r${i},${C},${3 * (C / 8.64e19) ** -0.05 * (1 + 0.02 * Math.log(C / Ci) ** 2)},${N}`);
    }
  }
  const file = join(dir, "curves.csv");
  writeFileSync(file, lines.join("\n") + "\n");
  const { r } = await run(fitCommand, ["--runs", file, "--method", "envelope", "--json"]);
  const e = r as Extract<FitResult, { method: "envelope" }>;
  assert.ok(Math.abs(e.fit.gamma + 0.05) < 0.005, String(e.fit.gamma));
  assert.ok(e.fit.a !== undefined && Math.abs(e.fit.a - 0.5) < 0.05, String(e.fit.a));
  await fails(fitCommand, ["--runs", csv, "--method", "envelope"], /runs\.csv:2: column 'run': missing/);
});

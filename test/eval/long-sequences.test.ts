// score and embed on a FASTA with a sequence longer than the context: the default scores every one that fits
// and names the rest; --truncate follows ESM's rule; --window scores the long one whole (real tiny runs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { train } from "../../src/train/loop.js";
import { configFromFlags } from "../../src/train/cli-config.js";
import { invokeCommand, type Command, type CommandIO } from "../../src/cli/command.js";
import { embedCommand, scoreCommand } from "../../src/cli/specs/train.js";
import { loadModel } from "../../src/eval/index.js";
import { clmWindows, scoreSequence, truncatedLength } from "../../src/eval/long-sequences.js";
import { logProbsAt } from "../../src/eval/forward.js";
import { pseudoLogLikelihood } from "../../src/eval/score.js";
import { encode } from "../../src/data/tokenizer.js";

const FASTA = fileURLToPath(new URL("../../../test/fixtures/swissprot-sample.fasta.gz", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "plm-long-"));
const CONTEXT = 32;
const SHORT = "MKTAYIAKQRQISFVKSHFSRQ", LONG = "MSDNGPQNQRNAPRITFGGPSDSTGSNQNGERSGARSKQRRPQGLPNNTASWFTALTQHGKEDLKFPRGQGVPINTNSSPDDQIGYYRRATRR";
const fasta = join(dir, "mixed.fasta");
writeFileSync(fasta, `>a\n${SHORT}\n>long\n${LONG}\n>b\n${SHORT.slice(0, 12)}\n`);

async function tinyRun(objective: "mlm" | "clm"): Promise<string> {
  const run = join(dir, objective);
  await train(configFromFlags({ objective, shape: "1,32,2", tokens: 1024, context: CONTEXT, batchTokens: 1024, microRows: 16, threads: 1, data: FASTA, evalEvery: 0, evalTokens: 1024, checkpointEvery: 0 }), { out: run, quiet: true });
  return run;
}

async function cmd<R>(c: Command<R>, argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const io: CommandIO = { out: (l) => out.push(l), err: (l) => err.push(l), json: argv.includes("--json"), signal: new AbortController().signal };
  const { result, code } = await invokeCommand(c, argv, io);
  if (!io.json) code.human?.(result, io);
  return { r: result as any, out, err };
}

test("ESM's truncation rule: 1022 residues for a 1024-token model", () => {
  assert.equal(truncatedLength(1024, false), 1022);
  assert.equal(truncatedLength(1024, true), 1023);
});

test("CLM windows predict every token 1..T−1 exactly once, within the context, with at least context/2 − 1 tokens before it", () => {
  for (const [T, ctx] of [[100, 32], [33, 32], [64, 32], [1000, 1024], [2500, 1024], [7, 3]] as const) {
    const seen = new Array<number>(T).fill(0);
    for (const w of clmWindows(T, ctx)) {
      assert.ok(w.end - w.start <= ctx && w.start >= 0 && w.end <= T, JSON.stringify(w));
      for (let t = w.from; t < w.end; t++) {
        seen[t]!++;
        if (w.start > 0) assert.ok(t - w.start >= Math.floor(ctx / 2), `token ${t} sees ${t - w.start} tokens in [${w.start}, ${w.end})`);
      }
    }
    assert.deepEqual(seen, [0, ...new Array(T - 1).fill(1)], `T=${T} ctx=${ctx}`);
  }
});

test("score --fasta with one sequence beyond the context: the others are scored, the long one named; --truncate and --window include it", async () => {
  const mlm = await tinyRun("mlm");
  const d = await cmd(scoreCommand, ["--run", mlm, "--fasta", fasta]);
  assert.deepEqual(d.out.slice(1, 2), ["id\tlength\tscored\tlog_likelihood\tmean_log_likelihood\tperplexity"]);
  const rows = d.out.slice(2).filter((l) => !l.startsWith("#")).map((l) => l.split("\t"));
  assert.deepEqual(rows.map((r) => r[0]), ["a", "b"]);
  for (const r of rows) assert.ok(Math.abs(Number(r[5]) - Math.exp(-Number(r[4]))) / Number(r[5]) < 2e-3, r.join(" "));
  assert.ok(d.err.some((l) => /line 3: record 'long': 93 residues exceed the context \(30\); use --truncate or --window/.test(l)), d.err.join("\n"));
  const j = await cmd(scoreCommand, ["--run", mlm, "--fasta", fasta, "--json"]);
  assert.deepEqual(j.r.skipped, [{ id: "long", line: 3, length: LONG.length }]);

  const t = await cmd(scoreCommand, ["--run", mlm, "--fasta", fasta, "--truncate", "--json"]);
  assert.deepEqual(t.r.rows.map((x: any) => [x.id, x.residuesScored, x.how]), [["a", SHORT.length, "whole"], ["long", CONTEXT - 2, "truncated"], ["b", 12, "whole"]]);
  const { model } = loadModel(mlm);
  try {
    assert.ok(Math.abs(t.r.rows[1].logLikelihood - pseudoLogLikelihood(model, LONG.slice(0, CONTEXT - 2)).logLikelihood) < 1e-3);
    // the windowed PLL of a sequence that fits is the whole PLL (two implementations, one rule)
    const whole = pseudoLogLikelihood(model, SHORT).logLikelihood;
    const narrow = Object.create(model, { cfg: { value: { ...model.cfg, context: 8 } } }) as typeof model;
    assert.ok(scoreSequence(model, SHORT, "window")!.how === "whole");
    assert.ok(Math.abs(scoreSequence(narrow, SHORT, "window")!.logLikelihood - whole) > 1e-3, "a narrower window changes the score");
  } finally { model.dispose(); }
  const w = await cmd(scoreCommand, ["--run", mlm, "--fasta", fasta, "--window", "--json"]);
  assert.deepEqual(w.r.rows.map((x: any) => [x.id, x.residuesScored, x.how]), [["a", SHORT.length, "whole"], ["long", LONG.length, "window"], ["b", 12, "whole"]]);
  assert.deepEqual(w.r.skipped, []);
});

test("CLM --window: the long sequence's log-likelihood is the sum over strided windows of log p(token | the window before it)", async () => {
  const clm = await tinyRun("clm");
  const w = await cmd(scoreCommand, ["--run", clm, "--fasta", fasta, "--window", "--json"]);
  const long = w.r.rows.find((x: any) => x.id === "long");
  assert.equal(long.how, "window");
  const { model } = loadModel(clm);
  try {
    // recompute by hand: every token t ≥ 1 from the tokens max(0, start)..t−1 of the window that predicts it
    const ids = encode(LONG);
    let ll = 0;
    for (const win of clmWindows(ids.length, CONTEXT)) {
      const lp = logProbsAt(model, [{ ids: ids.slice(win.start, win.end), read: Array.from({ length: win.end - win.start }, (_, k) => k) }])[0]!;
      for (let t = win.from; t < win.end; t++) ll += lp[t - 1 - win.start]![ids[t]!]!;
    }
    assert.ok(Math.abs(long.logLikelihood - ll) < 1e-3, `${long.logLikelihood} vs ${ll}`);
    assert.equal(long.residuesScored, LONG.length);
  } finally { model.dispose(); }
  const t = await cmd(scoreCommand, ["--run", clm, "--fasta", fasta, "--truncate", "--json"]);
  assert.equal(t.r.rows[1].residuesScored, CONTEXT - 1);
  assert.equal(t.r.truncatedTo, CONTEXT - 1);
});

test("embed: the long sequence is skipped and named by default, truncated to context − 2 residues with --truncate", async () => {
  const mlm = join(dir, "mlm");
  const out = join(dir, "e.jsonl");
  const d = await cmd(embedCommand, ["--run", mlm, "--fasta", fasta, "--out", out, "--json"]);
  assert.equal(d.r.sequences, 2);
  assert.deepEqual(d.r.skipped.map((s: any) => s.id), ["long"]);
  assert.ok(d.err.some((l) => /record 'long': 93 residues exceed the context \(30\); use --truncate to include it/.test(l)), d.err.join("\n"));
  const t = await cmd(embedCommand, ["--run", mlm, "--fasta", fasta, "--out", out, "--truncate"]);
  assert.match(t.out[0]!, /wrote 3 embeddings .*1 truncated to the first 30 residues/);
});

test("lower-case residues: score folds them (same score as upper case) and says that an exported tokenizer would not", async () => {
  const mlm = join(dir, "mlm");
  const f = join(dir, "cases.fasta");
  writeFileSync(f, `>up\n${SHORT}\n>low\n${SHORT.toLowerCase()}\n`);
  const r = await cmd(scoreCommand, ["--run", mlm, "--fasta", f, "--json"]);
  assert.equal(r.r.rows[0].logLikelihood, r.r.rows[1].logLikelihood);
  assert.ok(r.err.some((l) => /1 record\(s\) have lower-case residues, folded to upper case here; transformers' EsmTokenizer and fair-esm map lower case to <unk>/.test(l)), r.err.join("\n"));
  const e = await cmd(embedCommand, ["--run", mlm, "--fasta", f, "--out", join(dir, "c.jsonl")]);
  assert.ok(e.err.some((l) => /lower-case residues/.test(l)));
  const clean = await cmd(scoreCommand, ["--run", mlm, "--fasta", fasta, "--json"]);
  assert.ok(!clean.err.some((l) => /lower-case/.test(l)));
});

test("the exported model card tells transformers users to upper-case (its tokenizer is case-sensitive)", async () => {
  const { modelCard } = await import("../../src/interop/hf-files.js");
  const { defaultConfig } = await import("../../src/train/config.js");
  for (const family of ["esm", "neox"] as const) {
    const card = modelCard({ objective: family === "esm" ? "mlm" : "clm", family, model: defaultConfig().model, dtype: "float32", N: 1, Ntotal: 1, version: "0", run: "r" } as never);
    assert.match(card, /case-sensitive \(lower-case letters become <unk>\): upper-case sequences first/, family);
  }
});

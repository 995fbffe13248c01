// `plmscale eval` as a user meets it: help, unknown tasks listed with the known ones, broken inputs reported
// with file and line and no stack trace, per-variant CSV output and --json (real processes, a real tiny run).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { train } from "../../src/train/loop.js";
import { configFromFlags } from "../../src/train/cli-config.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const FASTA = fileURLToPath(new URL("../../../test/fixtures/swissprot-sample.fasta.gz", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "plm-eval-cli-"));
const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });

test("eval --help, unknown tasks, broken assay files", async () => {
  const help = cli("eval", "--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--tasks LIST .*perplexity, dms, generation/);

  // a tiny run trained from a FASTA (one step): enough to load a model
  const run = join(dir, "run");
  await train(configFromFlags({ objective: "mlm", shape: "1,32,2", tokens: 1024, context: 64, batchTokens: 1024, microRows: 16, threads: 1, data: FASTA, evalEvery: 0, evalTokens: 1024, checkpointEvery: 0 }), { out: run, quiet: true });

  const unknown = cli("eval", "--run", run, "--tasks", "perplexity,contactz");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown task 'contactz'; known tasks: perplexity, dms, generation/);

  const bad = join(dir, "bad.csv"), wt = join(dir, "wt.fasta");
  writeFileSync(wt, ">w\nMKTAYIAKQR\n");
  writeFileSync(bad, "mutant,DMS_score\nM1A,0.1\nK2A,0.2\nR9A,0.3\n");
  // a directory with the CSV and its wild type
  const assayDir = join(dir, "assays", "W_TEST");
  spawnSync("mkdir", ["-p", assayDir]);
  writeFileSync(join(assayDir, "data.csv"), readFileSync(bad));
  writeFileSync(join(assayDir, "wt.fasta"), readFileSync(wt));
  const r = cli("eval", "--run", run, "--tasks", "dms", "--dms", join(dir, "assays"), "--out", join(dir, "out"));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /W_TEST\/data\.csv: line 4: mutation R9A: the wild type has Q at 9, not R/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");

  // a FASTA-trained run has no test split: perplexity asks for --fasta
  const p = cli("eval", "--run", run, "--tasks", "perplexity", "--out", join(dir, "out2"));
  assert.equal(p.status, 2);
  assert.match(p.stderr, /not a prepared corpus with a test split; give --fasta FILE/);

  // a good assay: JSON result, per-variant CSV with the assay's columns plus score
  writeFileSync(join(assayDir, "data.csv"), "mutant,DMS_score\nM1A,0.1\nK2A,0.2\nT3G,0.3\nA4W,0.05\nY5F,0.4\n");
  const ok = cli("eval", "--run", run, "--tasks", "dms", "--dms", join(dir, "assays"), "--out", join(dir, "out3"), "--json");
  assert.equal(ok.status, 0, ok.stderr);
  const res = JSON.parse(ok.stdout);
  assert.equal(res.tasks.dms.assays[0].n, 5);
  assert.match(res.tasks.dms.assays[0].binarization, /median/);
  const csv = readFileSync(join(dir, "out3", "dms", "W_TEST.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "mutant,DMS_score,score");
  assert.equal(csv.length, 6);
});

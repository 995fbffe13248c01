// `plmscale finetune` as a user runs it: a tiny run trained by the CLI, then cross-validated fine-tuning on a
// real DMS assay (a slice of the bundled ubiquitin scan), outputs on disk, and the expected usage errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FIXTURES } from "../data/helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE", "PPGGSSLLKKRRTTAA"];

function cli(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });
}

test("finetune CLI: cross-validates a DMS assay with the contiguous split, writes predictions and adapters", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "plm-ftcli-"));
  const fasta = join(dir, "seqs.fasta");
  writeFileSync(fasta, SEQS.map((s, i) => `>p${i}\n${s}\n`).join("").repeat(4));
  const run = join(dir, "run");
  const t = cli(["train", "--objective", "mlm", "--shape", "2,32,4", "--context", "96", "--tokens", "1536", "--batch-tokens", "512", "--threads", "1", "--eval-every", "3", "--eval-tokens", "256", "--data", fasta, "--out", run, "--quiet", "--json"]);
  assert.equal(t.status, 0, t.stderr);
  // every 12th variant of the ubiquitin scan: 97 single mutants (and the WT row)
  const lines = readFileSync(join(FIXTURES, "finetune", "RL401_YEAST_Bolon2013.csv"), "utf8").trim().split("\n");
  const csv = join(dir, "ubq.csv");
  writeFileSync(csv, [lines[0], ...lines.slice(1).filter((_, i) => i % 12 === 0)].join("\n") + "\n");
  const out = join(dir, "ft");
  const r = cli(["finetune", "--run", run, "--data", csv, "--target", "log_fitness", "--task", "regression", "--frozen", "--folds", "3", "--split", "contiguous", "--epochs", "5", "--out", out, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.metric, "spearman");
  assert.equal(res.scheme, "contiguous");
  assert.equal(res.folds.length, 3);
  const tested = res.folds.reduce((s: number, f: { test: number }) => s + f.test, 0);
  assert.ok(res.notes.some((n: string) => /1 rows that are not single mutants/.test(n)), "the WT row has no mutation position");
  const pred = readFileSync(join(out, "predictions.csv"), "utf8").trim().split("\n");
  assert.equal(pred.length - 1, tested);
  for (let k = 1; k <= 3; k++) assert.ok(existsSync(join(out, `fold-${k}.safetensors`)));
  assert.ok(Number.isFinite(res.mean) && Math.abs(res.mean) <= 1);
  // LoRA path through the CLI (one epoch), human output
  const lora = cli(["finetune", "--run", run, "--data", csv, "--target", "log_fitness", "--task", "regression", "--lora-rank", "2", "--folds", "3", "--epochs", "1"]);
  assert.equal(lora.status, 0, lora.stderr);
  assert.match(lora.stdout, /\(LoRA, random split, 3 folds\)/);
  // the two figures are labelled: which one the literature (ProteinGym supervised) reports, which one is pooled
  assert.match(lora.stdout, /^spearman per-fold mean ± sd over \d+ folds \(the figure ProteinGym's supervised benchmark reports\): -?\d\.\d{3} ± \d\.\d{3}$/m);
  assert.match(lora.stdout, /^spearman pooled over all out-of-fold predictions \(.*not the published figure\): -?\d\.\d{3}$/m);
  // expected errors: the file and line, no stack trace
  const noCol = cli(["finetune", "--run", run, "--data", csv, "--target", "DMS_score", "--task", "regression", "--frozen"]);
  assert.equal(noCol.status, 1);
  assert.match(noCol.stderr, /ubq\.csv:1: no column 'DMS_score' for --target; columns: seq, log_fitness, n_mut, mutant/);
  assert.doesNotMatch(noCol.stderr, /at .*\.js:\d+/);
  const both = cli(["finetune", "--run", run, "--data", csv, "--target", "log_fitness", "--task", "regression", "--frozen", "--lora-rank", "4"]);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /either --lora-rank or --frozen/);
  const help = cli(["finetune", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--split random\|contiguous\|modulo/);
});

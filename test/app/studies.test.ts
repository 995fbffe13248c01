// `plmscale study transfer --quick` and `study repetition --quick` end to end on a small Swiss-Prot sample corpus:
// real training runs through the sweep executor, the fits, the reports, and a second invocation that redoes
// nothing. Needs the native addon (skipped without it); a few minutes on 2 cores.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareCorpus } from "../../src/data/prepare.js";
import { readJson } from "../../src/core/files.js";
import { SWISSPROT_SAMPLE, tmp } from "../data/helpers.js";
import type { TransferStudy } from "../../src/app/study-transfer.js";
import type { RepetitionStudy } from "../../src/app/study-repetition.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const ADDON = fileURLToPath(new URL("../../../native/build/plmscale.node", import.meta.url));
const skip = !existsSync(ADDON) ? "native addon not built" : process.env.PLMSCALE_SKIP_DEMO ? "PLMSCALE_SKIP_DEMO set" : false;

let corpus: string | undefined;
async function sampleCorpus(): Promise<string> {
  if (!corpus) {
    corpus = join(tmp("plmscale-study-"), "corpus");
    await prepareCorpus({ out: corpus, cluster: "none", validFraction: 0.03, testFraction: 0.03, sources: [{ name: "swissprot", weight: 1, inputs: [{ name: "sample", path: SWISSPROT_SAMPLE }] }] });
  }
  return corpus;
}
const plm = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 900_000, env: { ...process.env, OMP_NUM_THREADS: "1" } });

test("study transfer --quick: CLMs, scratch and CLM-initialised MLMs, gains per size, report; resumes", { skip, timeout: 1_200_000 }, async () => {
  const out = join(tmp("plmscale-study-"), "transfer");
  const r = plm(["study", "transfer", "--data", await sampleCorpus(), "--out", out, "--quick"]);
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const s = readJson<TransferStudy>(join(out, "study.json"));
  assert.equal(s.rows.length, 4); // 2 sizes × 2 joint budgets
  assert.equal(s.gainBySize.length, 2);
  for (const row of s.rows) {
    for (const l of [row.transfer, row.scratchSameCompute, row.scratchSameMlmTokens, row.clmLoss]) assert.ok(l > 2 && l < 3.5, JSON.stringify(row));
    assert.ok(Math.abs(row.gainSameCompute - (row.scratchSameCompute - row.transfer)) < 1e-12);
    assert.ok(Math.abs(row.clmTokens / row.jointTokens - 0.2) < 1e-9);
  }
  // the transferred runs really started from their CLM's final checkpoint
  const res = readJson<{ init: { objective: string; checkpoint: string } }>(join(out, "phase2", "runs", `mlm-from-clm-N6.9k-D1.2e5`, "result.json"));
  assert.equal(res.init.objective, "clm");
  assert.match(res.init.checkpoint, /phase1\/runs\/clm-N6.9k-D3.0e4\/checkpoints\//);
  assert.ok(readFileSync(join(out, "runs.csv"), "utf8").includes(",clm,"));
  assert.ok((readFileSync(join(out, "report.html"), "utf8").match(/<svg/g) ?? []).length >= 5);
  assert.match(r.stdout, /gain at equal compute by size: 6.9k/);
  // a second invocation trains nothing
  const again = plm(["study", "transfer", "--data", corpus!, "--out", out, "--quick", "--json"]);
  assert.equal(again.status, 0, again.stderr.slice(-2000));
  assert.doesNotMatch(again.stderr, /\[study\] start/);
  assert.deepEqual(JSON.parse(again.stdout).rows, s.rows);
});

test("study repetition --quick: fresh vs 4 and 16 epochs on the same held-out split, curves, R* fit; resumes", { skip, timeout: 1_200_000 }, async () => {
  const out = join(tmp("plmscale-study-"), "rep");
  const r = plm(["study", "repetition", "--data", await sampleCorpus(), "--out", out, "--quick"]);
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const s = readJson<RepetitionStudy>(join(out, "study.json"));
  assert.deepEqual(s.arms.map((a) => a.unique === null ? "fresh" : Math.round(a.epochs)), ["fresh", 4, 16]);
  for (const a of s.arms) {
    assert.ok(a.loss > 2 && a.loss < 3.5 && a.curve.length >= 8, `${a.epochs}: ${a.loss}, ${a.curve.length} evaluations`);
    // the limited corpora hold whole sequences: at least U = D/E unique tokens, less than one sequence more
    if (a.unique !== null) assert.ok(a.unique >= s.tokens / Math.round(a.epochs) && a.unique < s.tokens / Math.round(a.epochs) + 40_000, `U ${a.unique}`);
  }
  assert.equal(s.fits.length, 1);
  assert.ok(s.fits[0]!.points > 0, s.fits[0]!.note);
  assert.ok((readFileSync(join(out, "report.html"), "utf8").match(/<svg/g) ?? []).length >= 1);
  const again = plm(["study", "repetition", "--data", corpus!, "--out", out, "--quick"]);
  assert.equal(again.status, 0, again.stderr.slice(-2000));
  assert.doesNotMatch(again.stderr, /\[study\] start/);
});

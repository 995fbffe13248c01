// plan --emit → train --config ends with a predicted-vs-reached line (issue 25 item 1), and result.json holds it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const fixture = fileURLToPath(new URL("../../../test/fixtures/swissprot-sample.fasta.gz", import.meta.url));
const cli = (...a: string[]) => spawnSync(process.execPath, ["dist/src/cli/bin.js", ...a], { encoding: "utf8" });

test("a planned config trains to a result that compares the reached loss with the plan's, on another budget said to be loose", () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-ptm-"));
  const corpus = join(dir, "corpus"), cfg = join(dir, "cfg.json"), run = join(dir, "run");
  assert.equal(cli("data", "prepare", "--source", `sp=${fixture}`, "--out", corpus, "--cluster", "none", "--quiet", "--json").status, 0);
  const plan = cli("plan", "--objective", "clm", "--flops", "5e12", "--device", "cpu", "--corpus", corpus, "--emit", cfg);
  assert.equal(plan.status, 0, plan.stderr);
  const predicted = JSON.parse(readFileSync(cfg, "utf8")).prediction.loss as number;
  // the plan's 3.4e7 tokens are hours on a CPU: the same config on 16k tokens, which the comparison must call loose
  const t = cli("train", "--config", cfg, "--tokens", "16k", "--context", "128", "--batch-tokens", "4096", "--data", corpus, "--out", run, "--threads", "1");
  assert.equal(t.status, 0, t.stderr);
  const r = JSON.parse(readFileSync(join(run, "result.json"), "utf8"));
  assert.equal(r.prediction.predicted, predicted);
  assert.equal(r.prediction.reached, r.loss);
  assert.ok(Math.abs(r.prediction.gapNats - (r.loss - predicted)) < 1e-12);
  assert.equal(r.prediction.inside, null, "the released fit claims no interval");
  assert.match(t.stdout, /predicted loss \d\.\d{4} \(released-clm\), reached \d\.\d{4}: [+-]\d\.\d{4} nats, no interval: .*the comparison is loose/);
  assert.match(t.stdout, /model FLOP\/s [\d.e+]+ by 6N, [\d.e+]+ by Megatron's count/);
  assert.ok(r.modelFlopsPerToken.megatron > r.modelFlopsPerToken.sixN, "attention scores and the head add to 6N");
});

// The LM head new runs get by objective (scaling/shape.ts defaultHeadFor): a CLM trained with no --head flag
// has GPT-NeoX's tied linear head and exports to transformers; an MLM keeps ESM-2's; the head counts in N
// exactly as the live model's parameters do; an MLM initialised from a linear-head CLM takes the blocks and
// starts its own head fresh; a stored config without a head stays an ESM-headed run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nonEmbeddingParams, shapeFor, totalParams, type ModelShape } from "../../src/scaling/shape.js";
import { configFromFlags } from "../../src/train/cli-config.js";
import { DEFAULT_TRAIN, pointsForBudget } from "../../src/sweep/design.js";
import { createModel } from "../../src/model/index.js";
import { defaultConfig } from "../../src/train/config.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE", "PPGGSSLLKKRRTTAA",
  "MVLSPADKTNVKAAWG", "GLSDGEWQQVLNVWGK", "AQRFYCDNKWQLHPTE", "MSTNPKPQRKTKRNTN", "MALWMRLLPLLALLALWGPD"];

test("N by head equals the live model's non-embedding parameters (ESM head: d²+3d more than the linear one)", () => {
  for (const shape of [{ layers: 2, dModel: 32, heads: 2, ffn: 128 }, { layers: 1, dModel: 48, heads: 3, ffn: 96 }] as ModelShape[]) {
    for (const head of ["esm", "linear"] as const) {
      const m = createModel("mlm", { ...defaultConfig().model, ...shape, context: 16, head });
      assert.equal(nonEmbeddingParams(shape, head), m.nonEmbeddingParams(), `${head} ${JSON.stringify(shape)}`);
      assert.equal(totalParams(shape, 33, head), m.numParameters(), `total ${head}`);
      m.dispose();
    }
    const d = shape.dModel;
    assert.equal(nonEmbeddingParams(shape, "esm") - nonEmbeddingParams(shape, "linear"), d * d + 3 * d);
  }
});

test("new configs: CLM → linear head, MLM → esm; an explicit --head or config key wins; --params counts the head", () => {
  const flags = { tokens: 1e6, data: "corpus" };
  assert.equal(configFromFlags({ ...flags, objective: "clm" }).model.head, "linear");
  assert.equal(configFromFlags({ ...flags, objective: "mlm" }).model.head, "esm");
  assert.equal(configFromFlags({ ...flags, objective: "clm", head: "esm" }).model.head, "esm");
  assert.equal(configFromFlags({ ...flags, objective: "clm" }, { model: { head: "esm" } }).model.head, "esm");
  // --params 3e5 for a CLM: the shape whose linear-head N is nearest the target, the one shapeFor picks for it
  const clm = configFromFlags({ ...flags, objective: "clm", params: 3e5 });
  const want = shapeFor(3e5, { head: "linear" });
  assert.deepEqual([clm.model.layers, clm.model.dModel], [want.layers, want.dModel]);
  assert.ok(Math.abs(nonEmbeddingParams(clm.model) / 3e5 - 1) < 0.03, `N ${nonEmbeddingParams(clm.model)}`);
});

test("sweep points record the N of the head their runs get", () => {
  const ctx = { train: DEFAULT_TRAIN, uniqueTrainTokens: null, maxEpochs: 1e9 };
  const [clm] = pointsForBudget(ctx, "clm", 1e12, [2e5], 0, new Set()).points;
  const [mlm] = pointsForBudget(ctx, "mlm", 1e12, [2e5], 0, new Set()).points;
  assert.equal(clm!.N, nonEmbeddingParams(clm!.shape, "linear"));
  assert.equal(mlm!.N, nonEmbeddingParams(mlm!.shape, "esm"));
  assert.equal(clm!.D, 1e12 / (6 * clm!.N));
});

test("plmscale train --objective clm (no --head) exports to GPT-NeoX; an MLM initialised from it starts its head fresh; an old head-less CLM config is ESM-headed", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "plm-head-"));
  try {
    const fasta = join(dir, "seqs.fasta");
    writeFileSync(fasta, SEQS.map((s, i) => `>p${i}\n${s}\n`).join("").repeat(3));
    const common = ["--shape", "2,32,4", "--context", "32", "--tokens", "2048", "--batch-tokens", "256", "--threads", "1", "--eval-tokens", "64", "--data", fasta];
    const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8" });
    const clm = run(["train", "--objective", "clm", ...common, "--out", join(dir, "clm"), "--json"]);
    assert.equal(clm.status, 0, clm.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, "clm", "config.json"), "utf8")).model.head, "linear");
    const ex = run(["export", "--run", join(dir, "clm"), "--format", "hf", "--out", join(dir, "hf")]);
    assert.equal(ex.status, 0, ex.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, "hf", "config.json"), "utf8")).model_type, "gpt_neox");

    const mlm = run(["transfer", "--from", join(dir, "clm"), "--objective", "mlm", ...common, "--out", join(dir, "mlm"), "--json"]);
    assert.equal(mlm.status, 0, mlm.stderr);
    assert.match(mlm.stderr, /another LM head: head\.[a-z.]+(, head\.[a-z.]+)* start fresh/);
    assert.equal(JSON.parse(readFileSync(join(dir, "mlm", "config.json"), "utf8")).model.head, "esm");

    // a CLM run stored before the default (its config.json has no "head") is ESM-headed: export says why not
    const esm = run(["train", "--objective", "clm", "--head", "esm", ...common, "--out", join(dir, "old"), "--json"]);
    assert.equal(esm.status, 0, esm.stderr);
    const cfgPath = join(dir, "old", "config.json");
    const old = JSON.parse(readFileSync(cfgPath, "utf8"));
    delete old.model.head;
    writeFileSync(cfgPath, JSON.stringify(old));
    const exOld = run(["export", "--run", join(dir, "old"), "--format", "hf", "--out", join(dir, "hf-old")]);
    assert.notEqual(exOld.status, 0);
    assert.match(exOld.stderr, /ESM-2's LM head/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Issue 16 item 7: bad `train` input gets a clear error (exit 2 usage, 1 failure) with no stack trace, and a
// failure before the first step leaves no run directory behind, so the corrected command is not refused.
// Real processes through the launcher (bin.js), a real corpus from `data prepare`, real libtorch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { nonEmbeddingParams } from "../../src/scaling/shape.js";
import { SMALLEST_SHAPE } from "../../src/train/cli-config.js";

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/swissprot-sample.fasta.gz", import.meta.url));
const plmscale = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" }, timeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), "plmscale-train-input-"));
const records = gunzipSync(readFileSync(FIXTURE)).toString("utf8").split(/(?=^>)/m);
const fasta = join(dir, "small.fasta");
writeFileSync(fasta, records.slice(0, 60).join(""));
const tiny = ["--data", fasta, "--shape", "1,32,2", "--context", "64", "--quiet"];

function fails(args: string[], status: number, re: RegExp) {
  const r = plmscale(args);
  assert.equal(r.status, status, `${args.join(" ")}\n${r.stderr}`);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/, r.stderr);
  return r;
}

test("--context 1, 0 and 100000 are refused as --context (not batchTokens, not a RangeError), nothing left behind", () => {
  for (const c of ["1", "0", "100000"]) {
    const out = join(dir, `ctx-${c}`);
    fails(["train", ...tiny, "--tokens", "4k", "--out", out, `--context=${c}`], 2, new RegExp(`--context: '${c}' is out of range \\(3 ≤ context ≤ 16384\\)`));
    assert.ok(!existsSync(out), `${out} left behind`);
  }
});

test("--params 1 names the smallest model; --micro-rows × context² too large is refused before any allocation", () => {
  const min = nonEmbeddingParams(SMALLEST_SHAPE);
  fails(["train", "--data", fasta, "--params", "1", "--tokens", "4k", "--out", join(dir, "p1")], 2, new RegExp(`--params 1: the smallest model has ${min.toLocaleString("en-US")} non-embedding parameters`));
  fails(["train", "--data", fasta, "--shape", "1,32,2", "--context", "16384", "--batch-tokens", "262144", "--micro-rows", "16", "--tokens", "300k", "--out", join(dir, "mask")], 2, /microBatchRows \(16\) × context² \(16384²\) = 4\.0 GiB of attention mask/);
});

test("no --tokens/--flops is an error (the usage requires a budget); --eval-tokens 0 is refused as such", () => {
  fails(["train", ...tiny, "--out", join(dir, "nobudget")], 2, /missing budget: give --tokens D or --flops C/);
  assert.ok(!existsSync(join(dir, "nobudget")));
  const r = fails(["train", ...tiny, "--tokens", "4k", "--eval-tokens", "0", "--out", join(dir, "ev0")], 2, /--eval-tokens: '0' is out of range \(≥ 1\)/);
  assert.doesNotMatch(r.stderr, /no validation sequences/);
});

test("a corpus with no training or no validation sequences, and a binary --data file: clear errors, no run directory", () => {
  const one = join(dir, "one.fasta");
  writeFileSync(one, records[0]!);
  const noTrain = join(dir, "no-train");
  let r = plmscale(["data", "prepare", "--source", `a=${one}`, "--out", noTrain, "--valid", "0.98", "--test", "0.01", "--cluster", "none"]);
  assert.equal(r.status, 0, r.stderr);
  const noValid = join(dir, "no-valid");
  r = plmscale(["data", "prepare", "--source", `a=${fasta}`, "--out", noValid, "--valid", "0", "--test", "0", "--cluster", "none"]);
  assert.equal(r.status, 0, r.stderr);
  const base = ["train", "--shape", "1,32,2", "--context", "64", "--tokens", "4k", "--quiet"];
  fails([...base, "--data", noTrain, "--out", join(dir, "rt")], 1, /corpus .*no-train has no training sequences \(its 'train' split is empty\)/);
  fails([...base, "--data", noValid, "--out", join(dir, "rv")], 1, /corpus .*no-valid has no validation sequences \(its 'valid' split is empty: rebuild it with 'plmscale data prepare --valid F'/);
  const bin = join(dir, "binary.dat");
  writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0xff, 0xfe]));
  fails([...base, "--data", bin, "--out", join(dir, "rb")], 1, /binary\.dat: line 1 \(byte 0\): binary data/);
  for (const d of ["rt", "rv", "rb"]) assert.ok(!existsSync(join(dir, d)), `${d} left behind`);
});

test("--lr beyond 1 is refused (1e308 overflowed inside AdamW with a stack trace)", () => {
  fails(["train", ...tiny, "--tokens", "4k", "--lr", "1e308", "--out", join(dir, "lr")], 2, /--lr: '1e308' is out of range \(0 ≤ lr ≤ 1\)/);
  assert.ok(!existsSync(join(dir, "lr")));
});

test("a failure inside the first step leaves no run: the same call, corrected, then runs", async () => {
  const { train } = await import("../../src/train/loop.js");
  const { configFromFlags } = await import("../../src/train/cli-config.js");
  const out = join(dir, "first-step");
  const config = configFromFlags({ data: fasta, shape: "1,32,2", context: 64, tokens: 256, batchTokens: 128, evalTokens: 128 });
  // a data-parallel group whose peer is gone: its store works (rank 0 creates the run directory), its first
  // collective (the parameter broadcast before step 1) fails
  const store = new Map<string, string>();
  const group = new Proxy({ rank: 0, worldSize: 2, store: { set: (k: string, v: string) => store.set(k, v), get: (k: string) => store.get(k)! } }, {
    get: (t, k) => (k in t ? (t as Record<string | symbol, unknown>)[k] : () => { throw new Error("rank 1 unreachable"); }),
  });
  await assert.rejects(train(config, { out, quiet: true, dist: { group, shard: "none" } as never }), /rank 1 unreachable/);
  assert.ok(store.has("plmscale/setup/create-run"), "rank 0 got as far as creating the run");
  assert.ok(!existsSync(out), "the failed run's directory is gone");
  const r = await train(config, { out, quiet: true });
  assert.equal(r.D, 256);
  assert.ok(existsSync(join(out, "result.json")));
});

test("--tokens that is not whole rows: the run says it rounds and trains exactly the rounded count", () => {
  const out = join(dir, "round");
  // 300 tokens at context 64: round(300/64) = 5 rows = 320 tokens
  const r = plmscale(["train", ...tiny, "--tokens", "300", "--batch-tokens", "128", "--out", out, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /budget: 300 tokens rounded to 5 whole rows of 64 = 320 tokens/);
  assert.equal(JSON.parse(r.stdout).D, 320);
  const help = plmscale(["train", "--help"]).stdout;
  assert.match(help, /rounded to whole rows of the context/);
});

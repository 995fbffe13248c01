// Every command of the registry, with a table of bad flags and bad inputs, run as real processes through the
// launcher (bin.js): no stack trace and no "unexpected error" reaches the user; usage errors exit 2, failures
// exit 1 (3: damaged input data, 4: network; docs/RELIABILITY.md), and Ctrl-C exits 130. A command added to the
// registry without rows here fails the test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { commands } from "../../src/cli/registry.js";

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "plmscale-bad-input-"));
const junk = join(dir, "junk.txt"), empty = join(dir, "empty-dir"), missing = join(dir, "missing"), fasta = join(dir, "a.fasta");
writeFileSync(junk, "not json, not FASTA\n");
mkdirSync(empty);
writeFileSync(fasta, ">a\nMKTAYIAKQRQISFVKSHFSRQ\n>b\nLLGACDEFGHIKLMNPQ\n");
const out = (name: string) => join(dir, "out", name);
// damaged runs (eval/load.ts names the file and why, exit 3: damaged input): a config.json that is not JSON; a config with a
// field of the wrong type; a complete checkpoint whose weights are not safetensors
const badRun = (name: string, config: string, weights?: string) => {
  const run = join(dir, name), ck = join(run, "checkpoints", "step-1");
  mkdirSync(ck, { recursive: true });
  writeFileSync(join(run, "config.json"), config);
  writeFileSync(join(ck, "COMPLETE"), JSON.stringify({ files: {} }));
  if (weights !== undefined) writeFileSync(join(ck, "model.safetensors"), weights);
  return run;
};
const tinyClm = JSON.stringify({ objective: "clm", model: { layers: 1, dModel: 16, heads: 2, ffn: 32, context: 32 } });
const notJsonRun = badRun("not-json-run", "{ oops");
const wrongTypeRun = badRun("wrong-type-run", JSON.stringify({ objective: "clm", model: { layers: "two" } }));
const badWeightsRun = badRun("bad-weights-run", tinyClm, "not safetensors");
const badWeights = /bad-weights-run\/checkpoints\/step-1\/model\.safetensors: safetensors: /;

interface Result { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
function plmscale(args: string[], opts: { detached?: boolean; onStart?: (pid: number) => void } = {}): Promise<Result> {
  return new Promise((resolve) => {
    // a bad input that is accepted by mistake can start real work (train without a budget trained 2M tokens):
    // killed after 90 s, it fails its row instead of hanging the suite
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, OMP_NUM_THREADS: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: opts.detached, timeout: 90_000, killSignal: "SIGKILL",
    });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    opts.onStart?.(child.pid!);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** [command line, exit status, what stderr must say] */
type Case = [string[], number, RegExp];
const CASES: Case[] = [
  [["eval", "--run", missing], 2, /--run: .*missing not found/],
  [["eval", "--run", empty], 1, /empty-dir is not a run or checkpoint directory/],
  [["eval", "--run", notJsonRun], 3, /the run's config\.json is not valid JSON: .*not-json-run\/config\.json/],
  [["eval", "--run", wrongTypeRun], 3, /wrong-type-run\/config\.json: model\.layers: expected an integer, got "two"/],
  [["eval", "--run", badWeightsRun], 3, badWeights],
  [["sweep", "eval", empty], 2, /empty-dir is not a sweep directory \(no sweep\.json\)/],
  [["sweep", "eval"], 2, /expected one sweep directory/],
  [["finetune", "--run", missing, "--data", junk, "--target", "x", "--task", "regression"], 2, /--run: .*missing not found/],
  [["finetune", "--run", empty, "--data", missing, "--target", "x", "--task", "regression"], 2, /--data: .*missing not found/],
  [["finetune", "--run", empty, "--data", junk, "--target", "x", "--task", "foo"], 2, /--task: 'foo' is not one of regression, classification/],
  [["finetune", "--run", badWeightsRun, "--data", junk, "--target", "x", "--task", "regression"], 3, badWeights],
  [["export", "--run", missing, "--out", out("e")], 2, /--run: .*missing not found/],
  [["export", "--run", empty, "--format", "onnx", "--out", out("e")], 2, /--format: 'onnx' is not one of hf/],
  [["export", "--run", badWeightsRun, "--out", out("e")], 3, badWeights],
  [["import", "--from", missing, "--out", out("i")], 2, /--from: .*missing not found/],
  [["import", "--from", junk, "--out", out("i")], 3, /junk\.txt is not a PyTorch ZIP checkpoint/],
  [["serve", missing], 2, /missing does not exist/],
  [["serve", empty, "--host", "0.0.0.0", "--token", "short"], 2, /--token must be at least 16 characters/],
  [["study", "transfer", "--data", empty, "--out", out("st")], 2, /--data .*empty-dir is not a prepared corpus \(no manifest\.json\)/],
  [["study", "repetition", "--data", missing, "--out", out("sr")], 2, /--data: .*missing not found/],
  [["demo", "--minutes", "abc"], 2, /--minutes: 'abc' is not a number/],
  [["demo", "--workers", "0", "--out", out("demo")], 2, /--workers: '0' is out of range \(≥ 1\)/],
  [["demo", "--budgets", "1e15,-3", "--out", out("demo")], 2, /--budgets: '-3' is out of range \(> 0\)/],
  [["data", "prepare", "--out", out("c")], 2, /give --preset swissprot or at least one --source/],
  [["data", "prepare", "--source", `a=${missing}`, "--out", out("c")], 2, /--source a: file not found/],
  [["data", "prepare", "--source", `a=${empty}`, "--out", out("c")], 2, /is a directory; give FASTA files/],
  [["data", "prepare", "--source", `a=${fasta}`, "--valid", "2", "--out", out("c")], 2, /--valid: '2' is out of range \(0 ≤ valid < 1\)/],
  [["data", "prepare", "--source", `a=${junk}`, "--cluster", "none", "--out", out("c")], 3, /junk\.txt: line 1 \(byte 0\): sequence data before any '>' header/],
  [["data", "stats", empty], 3, /no manifest\.json; not a finished plmscale corpus/],
  [["data", "stats", "--split", "nope", empty], 2, /--split: 'nope' is not one of train, valid, test/],
  [["data", "fetch", "--out", out("f")], 2, /give exactly one URL/],
  [["data", "fetch", "http://127.0.0.1:9/x", "--out", out("f"), "--retries", "0"], 4, /giving up after 1 attempts/],
  [["train", "--data", fasta, "--out", out("t"), "--tokens", "abc"], 2, /--tokens: 'abc' is not a number/],
  [["train", "--data", fasta, "--out", out("t"), "--tokens", "1k", "--context=0"], 2, /--context: '0' is out of range \(3 ≤ context ≤ 16384\)/],
  [["train", "--data", fasta, "--out", out("t")], 2, /missing budget: give --tokens D or --flops C/],
  [["train", "--data", fasta, "--out", out("t"), "--tokens", "1k", "--config", junk], 2, /--config .*junk\.txt is not valid JSON/],
  [["train", "--data", fasta, "--out", out("t"), "--tokens", "1k", "--checkpoint-format", "zip"], 2, /--checkpoint-format: 'zip' is not one of consolidated, sharded/],
  [["train", "--data", fasta, "--out", out("t"), "--tokens", "1k", "--nproc", "0"], 2, /--nproc: '0' is out of range \(≥ 1\)/],
  [["train", "--data", fasta, "--out", out("t"), "--tokens", "1k", "--family", "gpt"], 2, /--family: 'gpt' is not one of esm2, llama/],
  [["train", "--resume", missing], 2, /--resume: no run directory at/],
  [["train", "--resume", empty], 2, /--resume: .*empty-dir is not a run directory \(no config\.json\)/],
  [["train", "--resume", junk], 2, /--resume: .*junk\.txt is not a run directory/],
  [["transfer", "--from", empty, "--objective", "mlm", "--tokens", "1k", "--out", out("x")], 2, /--from: .* is not a run directory \(no config\.json\)/],
  [["transfer", "--objective", "mlm", "--out", out("x")], 2, /missing required option --from/],
  [["score", "--run", missing, "--fasta", fasta], 2, /--run: .*missing not found/],
  [["score", "--run", empty, "--fasta", fasta], 1, /empty-dir is not a run or checkpoint directory/],
  [["score", "--run", badWeightsRun, "--fasta", fasta], 3, badWeights],
  [["score", "--run", empty], 2, /give --fasta FILE, or --wt SEQUENCE/],
  [["embed", "--run", empty, "--fasta", fasta], 1, /is not a run or checkpoint directory/],
  [["embed", "--run", badWeightsRun, "--fasta", fasta], 3, badWeights],
  [["embed", "--run", empty, "--fasta", missing], 2, /--fasta: .*missing not found/],
  [["embed", "--run", empty], 2, /missing required option --fasta/],
  [["generate", "--run", empty, "-n", "abc"], 2, /--n: 'abc' is not a number/],
  [["generate", "--run", missing], 2, /--run: .*missing not found/],
  [["generate", "--run", empty], 1, /is not a run or checkpoint directory/],
  [["generate", "--run", badWeightsRun], 3, badWeights],
  [["sweep", "design", "--budgets", "abc", "--corpus", empty, "--out", out("s")], 2, /--budgets: 'abc' is not a number/],
  [["sweep", "design", "--budgets", "1e15", "--sizes", "0", "--corpus", empty, "--out", out("s")], 2, /--sizes: '0' is out of range \(≥ 1\)/],
  [["sweep", "design", "--budgets", "1e15", "--corpus", empty, "--out", out("s"), "--objective", "xlm"], 2, /--objective: 'xlm' is not one of clm, mlm, both/],
  [["sweep", "run"], 2, /expected one sweep directory/],
  [["sweep", "run", empty], 2, /is not a sweep directory \(no sweep\.json\)/],
  [["sweep", "run-one", empty], 2, /expected: plmscale sweep run-one SWEEP INDEX/],
  [["sweep", "run-one", empty, "0", "--nproc", "0"], 2, /--nproc: '0' is out of range \(≥ 1\)/],
  [["sweep", "status", junk], 2, /is not a sweep directory/],
  [["sweep", "fit", missing], 2, /is not a sweep directory/],
  [["sweep", "fit", empty, "--bootstrap", "abc"], 2, /--bootstrap: 'abc' is not a number/],
  [["fit", "--runs", missing], 2, /--runs: .*missing not found/],
  [["fit", "--runs", junk], 1, /junk\.txt: the runs table has no rows/],
  [["fit", "--runs", junk, "--method", "nope"], 2, /--method: 'nope' is not one of isoflop, parametric, envelope, transfer/],
  [["fit", "--runs", junk, "--level", "2"], 2, /--level: '2' is out of range \(0 < level < 1\)/],
  [["plan", "--objective", "mlm", "--flops", "abc"], 2, /--flops: 'abc' is not a number/],
  [["plan", "--objective", "mlm", "--flops", "1e21", "--family", "gpt"], 2, /--family: 'gpt' is not one of esm2, llama/],
  [["plan", "--objective", "mlm", "--flops", "1e21", "--gpus=-2", "--gpu", "h100"], 2, /--gpus: '-2' is out of range \(≥ 1\)/],
  [["plan", "--objective", "mlm", "--flops", "1e21", "--emit", join(missing, "x.json")], 1, /--emit .* does not exist/],
  [["plan", "--objective", "mlm", "--flops", "1e21", "--unique-tokens=-5"], 2, /--unique-tokens: '-5' is out of range \(> 0\)/],
  [["plan", "--objective", "mlm", "--flops", "1e40"], 1, /too far outside the law's range/],
  [["report", empty], 1, /is not a sweep directory \(no sweep\.json\)/],
  [["report", junk, "--out", out("r.html")], 1, /is not a sweep directory/],
  [["doctor", "--verbose", "x"], 2, /Unexpected argument 'x'/],
  [["version", "extra"], 2, /Unexpected argument 'extra'/],
];

function noStack(args: string[], r: Result): void {
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error|node:internal/, `${args.join(" ")}\n${r.stderr}`);
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

test("every command: an unknown flag is a usage error (exit 2) naming it, --help works, missing required options are named", async () => {
  const runs: [string[], number, RegExp][] = [];
  for (const c of commands) {
    const words = c.name.split(" ");
    runs.push([[...words, "--no-such-flag"], 2, /Unknown option '--no-such-flag'/]);
    runs.push([[...words, "--help"], 0, new RegExp(`Usage: plmscale ${c.name}`)]);
    const required = Object.entries(c.options).filter(([, d]) => d.required).map(([k]) => k);
    if (required.length) runs.push([words, 2, new RegExp(`missing required option --${required[0]}`)]);
  }
  const results = await pool(runs, 4, ([args]) => plmscale(args));
  runs.forEach(([args, status, re], i) => {
    const r = results[i]!;
    assert.equal(r.status, status, `${args.join(" ")} → ${r.status}\n${r.stderr}`);
    assert.match(status === 0 ? r.stdout : r.stderr, re, args.join(" "));
    // the command's own name (one or two words, the longest that prefixes the command line) starts the message
    const name = commands.map((c) => c.name).filter((n) => `${args.join(" ")} `.startsWith(`${n} `)).sort((a, b) => b.length - a.length)[0];
    if (status !== 0) assert.match(r.stderr, new RegExp(`^plmscale ${name}: `));
    noStack(args, r);
  });
});

test("every command has rows in the bad-input table; each row exits as stated with its message and no stack trace", async () => {
  for (const c of commands) {
    assert.ok(CASES.some(([args]) => args.join(" ").startsWith(c.name + " ") || args.join(" ") === c.name), `no bad-input rows for '${c.name}'`);
  }
  const results = await pool(CASES, 4, ([args]) => plmscale(args));
  CASES.forEach(([args, status, re], i) => {
    const r = results[i]!;
    assert.equal(r.status, status, `${args.join(" ")} → ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, re, args.join(" "));
    noStack(args, r);
  });
});

test("Ctrl-C during training: the step finishes, a checkpoint is written, exit 130, no stack trace", async () => {
  const run = join(dir, "interrupted");
  const seqs = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE", "PPGGSSLLKKRRTTAA", "MVLSPADKTNVKAAWG"];
  const data = join(dir, "ctrl-c.fasta");
  writeFileSync(data, seqs.map((s, i) => `>p${i}\n${s}\n`).join(""));
  let pid = 0;
  const done = plmscale(["train", "--objective", "clm", "--shape", "1,16,2", "--context", "32", "--tokens", "10M", "--batch-tokens", "64",
    "--threads", "1", "--eval-every", "100000", "--eval-tokens", "64", "--checkpoint-every", "100000", "--data", data, "--out", run], { detached: true, onStart: (p) => (pid = p) });
  const metrics = join(run, "metrics.jsonl");
  const deadline = Date.now() + 60_000;
  while (!(existsSync(metrics) && readFileSync(metrics, "utf8").split("\n").length > 3)) {
    assert.ok(Date.now() < deadline, "training did not start within 60 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(-pid, "SIGINT"); // the terminal sends Ctrl-C to the whole foreground process group
  const r = await done;
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  noStack(["train (Ctrl-C)"], r);
  // the interrupted step was checkpointed (checkpoint-every is far away: only the Ctrl-C path writes one)
  assert.ok(readdirSync(join(run, "checkpoints")).some((n) => /^step-\d+/.test(n)), `no checkpoint in ${readdirSync(join(run, "checkpoints"))}`);
});

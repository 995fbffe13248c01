// Every compute command takes --threads and --device, and checks both the same way before any work: one line
// on stderr, exit 2 (issue 23 items 1 and 4). Each command runs as a real child process through the launcher.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { commands } from "../../src/cli/registry.js";
import * as torch from "../../src/torch/index.js";

const bin = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const COMPUTE = ["train", "transfer", "score", "embed", "generate", "eval", "finetune", "sweep run", "sweep run-one", "sweep eval", "study transfer", "study repetition"];

/** The command's name words, its required options with placeholder values, and a positional where it takes one. */
function baseArgs(name: string): string[] {
  const cmd = commands.find((c) => c.name === name);
  assert.ok(cmd, name);
  // values the typed declarations accept, so that parsing reaches --threads / --device (paths must exist)
  const placeholder = (d: (typeof cmd.options)[string]) =>
    d.type === "path" ? tmpdir() : d.type === "enum" ? String(d.choices![0]) : ["number", "integer", "size"].includes(d.type) ? "1" : "x";
  const req = Object.entries(cmd.options).filter(([, d]) => d.required).flatMap(([k, d]) => [`--${k}`, placeholder(d)]);
  return [...name.split(" "), ...(cmd.positionals ? ["/nonexistent/sweep", "0"] : []), ...req];
}

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: "utf8" }, (e, _out, stderr) => resolve({ code: e ? (e as { code?: number }).code ?? null : 0, stderr }));
  });
}

async function eachCommand(extra: string[], check: (name: string, r: { code: number | null; stderr: string }) => void): Promise<void> {
  const results = await Promise.all(COMPUTE.map(async (n) => [n, await run([...baseArgs(n), ...extra])] as const));
  assert.equal(results.length, COMPUTE.length);
  for (const [n, r] of results) check(n, r);
}

test("every compute command declares --threads and --device", () => {
  for (const n of COMPUTE) {
    const cmd = commands.find((c) => c.name === n);
    assert.ok(cmd?.options.threads, `${n} --threads`);
    assert.ok(cmd?.options.device, `${n} --device`);
  }
});

test("--threads 0 is one usage line on every compute command", async () => {
  await eachCommand(["--threads", "0"], (n, r) => {
    assert.equal(r.code, 2, `${n}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, `${n}: ${r.stderr}`);
    assert.match(r.stderr, /--threads: '0' is out of range \(.*≥ 1\)/, n);
  });
});

test("--device cuda without CUDA is one line, exit 2, on every compute command", { skip: torch.cuda.isAvailable() && "CUDA is available here" }, async () => {
  await eachCommand(["--device", "cuda"], (n, r) => {
    assert.equal(r.code, 2, `${n}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, `${n}: ${r.stderr}`);
    assert.match(r.stderr, /--device cuda: CUDA is not available: /, n);
  });
});

test("--device gpu is one usage line", async () => {
  const r = await run([...baseArgs("score"), "--device", "gpu"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^plmscale score: --device: 'gpu' is not one of cpu, cuda\n$/);
});

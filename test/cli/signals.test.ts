// Signals sent to the launcher's PID alone (as `kill -INT PID`, `timeout -s INT` and job supervisors send them,
// not to the process group as a terminal does) stop training like Ctrl-C: the step finishes, a checkpoint is
// written, exit 130. Real processes, real signals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));

async function trainThenSignal(dir: string, name: string, extra: string[]): Promise<{ status: number | null; stderr: string; run: string }> {
  const run = join(dir, name);
  const data = join(dir, "d.fasta");
  const seqs = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE", "PPGGSSLLKKRRTTAA", "MVLSPADKTNVKAAWG"];
  writeFileSync(data, seqs.map((s, i) => `>p${i}\n${s}\n`).join(""));
  const child = spawn(process.execPath, [BIN, "train", "--objective", "clm", "--shape", "1,16,2", "--context", "32", "--tokens", "10M", "--batch-tokens", "64",
    "--threads", "1", "--eval-every", "100000", "--eval-tokens", "64", "--checkpoint-every", "100000", "--data", data, "--out", run, ...extra], {
    env: { ...process.env, OMP_NUM_THREADS: "1" }, stdio: ["ignore", "ignore", "pipe"], timeout: 120_000, killSignal: "SIGKILL",
  });
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const metrics = join(run, "metrics.jsonl");
  const deadline = Date.now() + 90_000;
  while (!(existsSync(metrics) && readFileSync(metrics, "utf8").split("\n").length > 3)) {
    assert.ok(Date.now() < deadline, `training did not start within 90 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(child.pid!, "SIGINT"); // the launcher's PID only
  return { status: await exited, stderr, run };
}

test("SIGINT to the launcher's PID: checkpoint, exit 130 (one process and --nproc 2)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-signals-"));
  for (const [name, extra] of [["one", []], ["two", ["--nproc", "2"]]] as const) {
    const r = await trainThenSignal(dir, name, [...extra]);
    assert.equal(r.status, 130, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /interrupted/, name);
    assert.ok(readdirSync(join(r.run, "checkpoints")).some((n) => /^step-\d+/.test(n)), `${name}: no checkpoint`);
  }
});

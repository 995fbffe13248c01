// One writer per run, with real processes and real training: a second `train --resume` on a live run is
// refused naming the owner; after the owner is SIGKILLed the next writer takes the stale lock over; and a
// launcher killed with SIGKILL takes its trainer down with it (the trainer checkpoints and releases the lock).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tcmallocPath } from "../../src/torch/allocator.js";
import { readMetrics, runPaths } from "../../src/train/rundir.js";
import { latestGoodCheckpoint } from "../../src/train/checkpoint.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE", "PPGGSSLLKKRRTTAA",
  "MVLSPADKTNVKAAWG", "GLSDGEWQQVLNVWGK", "AQRFYCDNKWQLHPTE", "MSTNPKPQRKTKRNTN", "MALWMRLLPLLALLALWGPD"];

/** A run long enough to be interrupted (thousands of tiny steps), checkpointing every few steps. */
function trainArgs(fasta: string, out: string): string[] {
  return ["train", "--objective", "clm", "--shape", "1,16,2", "--context", "32", "--tokens", String(32 * 2 * 5000),
    "--batch-tokens", "64", "--micro-rows", "2", "--threads", "1", "--seed", "3", "--eval-every", "1000", "--eval-tokens", "64",
    "--checkpoint-every", "5", "--data", fasta, "--out", out, "--json"];
}

function setup(): { dir: string; fasta: string } {
  const dir = mkdtempSync(join(tmpdir(), "plm-lock-run-"));
  const fasta = join(dir, "seqs.fasta");
  writeFileSync(fasta, SEQS.map((s, i) => `>p${i}\n${s}\n`).join("").repeat(3));
  return { dir, fasta };
}

/** Resolves once the run has its lock file and at least `lines` metrics lines (it is training). */
async function whenTraining(run: string, child: ChildProcess, lines = 3): Promise<{ pid: number }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`trainer ended early (${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) throw new Error("trainer did not start training within 60 s");
    const lock = join(run, ".lock");
    if (existsSync(lock) && existsSync(runPaths(run).metrics) && readMetrics(runPaths(run)).length >= lines) {
      return { pid: JSON.parse(readFileSync(lock, "utf8")).pid as number };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]![0];
    return state !== "Z";
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

test("a second writer is refused while the run is live, and takes over once its owner was SIGKILLed", { timeout: 180_000 }, async () => {
  const { dir, fasta } = setup();
  const run = join(dir, "r");
  const a = spawn(process.execPath, [MAIN, ...trainArgs(fasta, run)], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    const { pid } = await whenTraining(run, a);
    assert.equal(pid, a.pid, "the trainer itself holds the lock");
    const b = spawnSync(process.execPath, [MAIN, "train", "--resume", run], { encoding: "utf8", timeout: 60_000 });
    assert.equal(b.status, 1, b.stderr);
    assert.match(b.stderr, new RegExp(`run ${run.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} in use by PID ${pid} on ${hostname()} since \\d{4}-\\d\\d-\\d\\dT`));
    assert.doesNotMatch(b.stderr, /resuming|unexpected error|\n\s+at /);
    // a fresh `train --out` into the live run is refused the same way, before anything is written
    const c = spawnSync(process.execPath, [MAIN, ...trainArgs(fasta, run)], { encoding: "utf8", timeout: 60_000 });
    assert.notEqual(c.status, 0);
    assert.match(c.stderr, /in use by PID/);
    a.kill("SIGKILL");
    await new Promise((r) => a.once("exit", r));
    const stepsBefore = readMetrics(runPaths(run)).length;
    assert.ok(existsSync(join(run, ".lock")), "SIGKILL leaves the lock file behind");
    // the stale lock is taken over; run the resumed trainer briefly and stop it with SIGINT (it checkpoints)
    const d = spawn(process.execPath, [MAIN, "train", "--resume", run], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    d.stderr!.on("data", (x: Buffer) => (err += x.toString()));
    await whenTraining(run, d, stepsBefore + 2);
    d.kill("SIGINT");
    const code = await new Promise<number | null>((r) => d.once("exit", (c) => r(c)));
    assert.equal(code, 130, err);
    assert.match(err, new RegExp(`taking over a stale lock .* held by PID ${pid} .*process ${pid} no longer exists`));
    assert.equal(existsSync(join(run, ".lock")), false, "released on a clean stop");
  } finally {
    a.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kill -9 of the launcher stops its trainer: it checkpoints, releases the lock and exits", { timeout: 180_000, skip: tcmallocPath() ? false : "no tcmalloc: the launcher runs the trainer in-process, there is no child to orphan" }, async () => {
  const { dir, fasta } = setup();
  const run = join(dir, "r");
  const launcher = spawn(process.execPath, [BIN, ...trainArgs(fasta, run)], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LD_PRELOAD: "" } });
  try {
    const { pid: trainer } = await whenTraining(run, launcher);
    assert.notEqual(trainer, launcher.pid, "with tcmalloc the trainer is the launcher's child");
    launcher.kill("SIGKILL");
    await new Promise((r) => launcher.once("exit", r));
    assert.ok(await waitGone(trainer, 30_000), `trainer ${trainer} outlived its launcher`);
    assert.equal(existsSync(join(run, ".lock")), false, "the trainer released its lock");
    // it stopped the way Ctrl-C stops it: a checkpoint at the last step it logged, so nothing is lost
    const last = readMetrics(runPaths(run)).at(-1)!.step;
    const newest = latestGoodCheckpoint(runPaths(run).checkpoints);
    assert.equal(newest?.step, last);
  } finally {
    launcher.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

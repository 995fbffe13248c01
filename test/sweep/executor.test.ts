import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executeSweep, type ChildFactory, type ExecEvent } from "../../src/sweep/executor.js";
import { sweepStatus } from "../../src/sweep/layout.js";
import { readJson, writeJsonAtomic } from "../../src/core/files.js";
import type { SweepDesign, SweepPoint } from "../../src/sweep/types.js";
import { writeFakeTrainer } from "./fake-trainer.js";

const fake = writeFakeTrainer();
const child: ChildFactory = ({ paths, resume }) => ({
  command: process.execPath,
  args: resume ? [fake, "--resume", paths.run] : [fake, "--config", paths.planned, "--out", paths.run],
});

function makeSweep(modes: string[]): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-sweep-"));
  const points: SweepPoint[] = modes.map((m, i) => ({
    index: i, id: `clm-C1e12-N${i}`, objective: "clm", C: 1e12, N: 1000 * (i + 1), Ntotal: 1000 * (i + 1), D: 1e12 / (6000 * (i + 1)),
    shape: { layers: 1, dModel: 32, heads: 2, ffn: 128 }, lr: 1e-3, epochs: 1,
  }));
  const design = { format: "plmscale-sweep", version: 1, points, objectives: ["clm"], budgets: [1e12] } as unknown as SweepDesign;
  writeJsonAtomic(join(dir, "sweep.json"), design);
  modes.forEach((m, i) => {
    mkdirSync(join(dir, "configs"), { recursive: true });
    writeJsonAtomic(join(dir, "configs", `${points[i]!.id}.json`), { objective: "clm", tokens: points[i]!.D, threads: 2, fake: m, fakeN: points[i]!.N, fakeLoss: 3 - i * 0.1 });
  });
  const log = join(dir, "calls.log");
  writeFileSync(log, "");
  process.env.FAKE_LOG = log;
  return { dir, log };
}

/** Poll until the slow fake trainer has written its first checkpoint (its SIGINT handler is then installed). */
function whenCheckpointed(dir: string, id: string, fn: () => void): void {
  const f = join(dir, "runs", id, "checkpoints", "step-1.safetensors");
  const t = setInterval(() => { if (existsSync(f)) { clearInterval(t); fn(); } }, 20);
}

const calls = (log: string) => readFileSync(log, "utf8").trim().split("\n").filter(Boolean);

test("pool runs every point, then a second invocation skips finished runs", async () => {
  const { dir, log } = makeSweep(["ok", "ok", "ok", "ok"]);
  const lines: string[] = [];
  const s = await executeSweep(dir, { workers: 2, threads: 1, child, onEvent: (e) => lines.push(e.line) });
  assert.equal(s.done, 4);
  assert.equal(s.failed, 0);
  assert.equal(calls(log).length, 4);
  assert.ok(calls(log).every((l) => l.endsWith("threads=1")), "OMP_NUM_THREADS set per run");
  assert.equal(readJson<{ threads: number }>(join(dir, "configs", "clm-C1e12-N0.json")).threads, 1);
  assert.ok(lines.some((l) => /4\/4 done, 0 running, 0 failed/.test(l)), lines.join("\n"));
  const again = await executeSweep(dir, { workers: 2, child });
  assert.equal(again.ran, 0);
  assert.equal(again.skipped, 4);
  assert.equal(calls(log).length, 4, "no run redone");
  const st = readJson<{ counts: Record<string, number> }>(join(dir, "status.json"));
  assert.equal(st.counts.done, 4);
});

test("a failing run is retried once; a run failing twice is recorded and the sweep goes on", async () => {
  const { dir, log } = makeSweep(["fail-once", "always-fail", "ok"]);
  const events: ExecEvent[] = [];
  const s = await executeSweep(dir, { workers: 1, child, onEvent: (e) => events.push(e) });
  assert.equal(s.done, 2);
  assert.equal(s.failed, 1);
  assert.equal(calls(log).filter((l) => l.startsWith("clm-C1e12-N0")).length, 2, "fail-once tried twice");
  assert.equal(calls(log).filter((l) => l.startsWith("clm-C1e12-N1")).length, 2, "always-fail tried exactly twice");
  const f = readJson<{ error: string; attempts: number }>(join(dir, "state", "clm-C1e12-N1.failure.json"));
  assert.match(f.error, /exit code 3/);
  assert.match(f.error, /out of memory \(simulated\)/);
  assert.equal(f.attempts, 2);
  const st = sweepStatus(dir);
  assert.deepEqual([st.counts.done, st.counts.failed], [2, 1]);
  assert.match(st.runs[1]!.error ?? "", /boom/);
  assert.ok(events.some((e) => e.kind === "retry" && e.point.index === 0));
  // retryFailed=false leaves it alone; the default tries it again
  const skip = await executeSweep(dir, { child, retryFailed: false });
  assert.equal(skip.ran, 0);
  const retry = await executeSweep(dir, { child });
  assert.equal(retry.ran, 1);
  assert.equal(retry.failed, 1);
});

test("abort interrupts a running child cleanly; the next invocation resumes from its checkpoint", async () => {
  const { dir, log } = makeSweep(["slow", "ok"]);
  const ac = new AbortController();
  const s = await executeSweep(dir, {
    workers: 1, child, signal: ac.signal, killGraceMs: 5000,
    onEvent: (e) => { if (e.kind === "start" && e.point.index === 0) whenCheckpointed(dir, e.point.id, () => ac.abort()); },
  });
  assert.equal(s.aborted, true);
  assert.equal(s.interrupted, 1);
  assert.equal(s.done, 0, "no new run starts after abort");
  const rd = join(dir, "runs", "clm-C1e12-N0");
  assert.ok(existsSync(join(rd, "checkpoints", "step-2.safetensors")), "child received SIGINT and saved");
  assert.ok(!existsSync(join(dir, "state", "clm-C1e12-N0.failure.json")), "an interrupted run is not a failure");
  assert.equal(sweepStatus(dir).runs[0]!.state, "interrupted");
  const r = await executeSweep(dir, { workers: 1, child });
  assert.equal(r.done, 2);
  // no `threads`: the children inherit OMP_NUM_THREADS as it is here (unset in CI: "-")
  const inherited = process.env.OMP_NUM_THREADS ?? "-";
  assert.deepEqual(calls(log), [`clm-C1e12-N0 fresh threads=${inherited}`, `clm-C1e12-N0 resume threads=${inherited}`, `clm-C1e12-N1 fresh threads=${inherited}`]);
});

test("a child killed from outside counts as a failed try and is retried (resuming its checkpoint)", async () => {
  const { dir, log } = makeSweep(["slow"]);
  const s = await executeSweep(dir, {
    child,
    onEvent: (e) => {
      if (e.kind !== "start" || e.attempt !== 1) return;
      whenCheckpointed(dir, e.point.id, () => {
        const m = readJson<{ pid: number }>(join(dir, "state", "clm-C1e12-N0.running.json"));
        process.kill(m.pid, "SIGKILL");
      });
    },
  });
  assert.equal(s.done, 1);
  assert.deepEqual(calls(log).map((l) => l.split(" ")[1]), ["fresh", "resume"]);
});

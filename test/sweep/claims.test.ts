// Two executors on one sweep (two pools, or a pool and Slurm tasks) with real processes: each point is claimed
// by one executor only, so every run trains once and none is reported failed; a pool killed with SIGKILL
// leaves no point that `sweep status` calls running.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sweepStatus } from "../../src/sweep/layout.js";
import { writeJsonAtomic } from "../../src/core/files.js";
import type { SweepDesign, SweepPoint } from "../../src/sweep/types.js";
import { writeFakeTrainer } from "./fake-trainer.js";

const executor = fileURLToPath(new URL("../../src/sweep/executor.js", import.meta.url));
const fake = writeFakeTrainer();

function makeSweep(modes: string[]): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-claims-"));
  const points: SweepPoint[] = modes.map((m, i) => ({
    index: i, id: `clm-C1e12-N${i}`, objective: "clm", C: 1e12, N: 1000 * (i + 1), Ntotal: 1000 * (i + 1), D: 1e12 / (6000 * (i + 1)),
    shape: { layers: 1, dModel: 32, heads: 2, ffn: 128 }, lr: 1e-3, epochs: 1,
  }));
  writeJsonAtomic(join(dir, "sweep.json"), { format: "plmscale-sweep", version: 1, points, objectives: ["clm"], budgets: [1e12] } as unknown as SweepDesign);
  mkdirSync(join(dir, "configs"), { recursive: true });
  modes.forEach((m, i) => writeJsonAtomic(join(dir, "configs", `${points[i]!.id}.json`), { objective: "clm", tokens: points[i]!.D, fake: m, fakeN: points[i]!.N, fakeLoss: 3 }));
  const log = join(dir, "calls.log");
  writeFileSync(log, "");
  return { dir, log };
}

/** A pool process: executeSweep with the fake trainer as its child; prints its summary as JSON. */
function poolScript(dir: string): string {
  const p = join(dir, "pool.mjs");
  writeFileSync(p, `
import { executeSweep } from ${JSON.stringify(executor)};
const child = ({ paths, resume }) => ({ command: process.execPath,
  args: resume ? [${JSON.stringify(fake)}, "--resume", paths.run] : [${JSON.stringify(fake)}, "--config", paths.planned, "--out", paths.run] });
const s = await executeSweep(process.argv[2], { workers: 2, child, onEvent: (e) => console.error(e.line) });
console.log(JSON.stringify(s));
`);
  return p;
}

function runPool(script: string, dir: string, log: string): Promise<{ code: number | null; summary: Record<string, number>; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [script, dir], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FAKE_LOG: log } });
    let out = "", err = "";
    c.stdout.on("data", (b: Buffer) => (out += b));
    c.stderr.on("data", (b: Buffer) => (err += b));
    c.on("exit", (code) => resolve({ code, summary: out ? JSON.parse(out) : {}, err }));
  });
}

test("two pools started together train every point exactly once, with no false failures", { timeout: 60_000 }, async () => {
  const { dir, log } = makeSweep(Array(8).fill("ok-slow"));
  const script = poolScript(dir);
  const [a, b] = await Promise.all([runPool(script, dir, log), runPool(script, dir, log)]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const calls = readFileSync(log, "utf8").trim().split("\n");
  const ids = calls.map((l) => l.split(" ")[0]);
  assert.equal(ids.length, 8, calls.join("\n"));
  assert.equal(new Set(ids).size, 8, "no point trained twice");
  assert.equal(a.summary.failed! + b.summary.failed!, 0, a.err + b.err);
  assert.equal(a.summary.done! + b.summary.done!, 8);
  assert.ok(a.summary.done! > 0 && b.summary.done! > 0, "both pools did work");
  assert.equal(sweepStatus(dir).counts.done, 8);
});

test("after kill -9 of a pool no point shows as running, and the next pool finishes the sweep", { timeout: 60_000 }, async () => {
  const { dir, log } = makeSweep(["slow", "ok"]);
  const script = poolScript(dir);
  const c = spawn(process.execPath, [script, dir], { stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, FAKE_LOG: log } });
  const ckpt = join(dir, "runs", "clm-C1e12-N0", "checkpoints", "step-1.safetensors");
  for (let i = 0; i < 200; i++) {
    try { readFileSync(ckpt); break; } catch { await new Promise((r) => setTimeout(r, 25)); }
  }
  assert.ok(existsSync(ckpt), "the slow run wrote its first checkpoint before the kill");
  assert.equal(sweepStatus(dir).runs[0]!.state, "running");
  c.kill("SIGKILL");
  await new Promise((r) => c.once("exit", r));
  // the fake trainer is no plmscale process (it has no parent watch), so end it as the real one ends itself
  const fakePid = Number(readFileSync(join(dir, "state", "clm-C1e12-N0.running.json"), "utf8").match(/"pid": (\d+)/)![1]);
  process.kill(fakePid, "SIGKILL");
  // wait for the trainer to be gone (not a fixed time): no process, or a zombie nobody has reaped yet (state Z)
  const alive = () => { try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${fakePid}/stat`, "utf8")); } catch { return false; } };
  for (let i = 0; i < 400 && alive(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(alive(), false, `trainer ${fakePid} still alive`);
  const st = sweepStatus(dir);
  assert.notEqual(st.runs[0]!.state, "running", "a dead pool's point is not running");
  const next = await runPool(script, dir, log);
  assert.equal(next.code, 0, next.err);
  assert.equal(sweepStatus(dir).counts.done, 2);
});

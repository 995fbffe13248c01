// What the 2-rank training tests share (ddp.test.ts, shard-checkpoint.test.ts): a tiny FASTA, the train command
// of a 16-step MLM run (8 rows × 32 tokens, micro-batches of 2, checkpoints every 4 steps), a runner, and the
// equivalence checks against one process: 1e-5 relative on each step's train loss, gradient norm and validation
// loss, and on the largest entry of a set of tensors (weights, AdamW moments).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../../src/torch/index.js";

export const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
export const skip = torch.dist.distributedAvailable() ? false : "addon built without c10d";
export const TOL = 1e-5;

const SEQS = ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "LLGACDEFGHIKLMNPQRSTVWY", "WYVHHKKTTSSAAGGPLE", "MENDLQRSTVWYACDEKLM",
  "PPGGSSLLKKRRTTAAMNV", "MVLSPADKTNVKAAWGKVGAHAG", "GLSDGEWQQVLNVWGKVEAD", "AQRFYCDNKWQLHPTEMKK", "MSTNPKPQRKTKRNTNRRPQDVK",
  "MAHHHHHHVDDDDKMLE", "MGSSHHHHHHSSGLVPRGSH", "MKVLAAGIVGLLLAGCSS"];

/** A temp directory (removed at exit) holding seqs.fasta. */
export function fixtureDir(prefix: string): { dir: string; fasta: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const fasta = join(dir, "seqs.fasta");
  writeFileSync(fasta, SEQS.map((s, i) => `>s${i}\n${s}\n`).join(""));
  return { dir, fasta };
}

/** `plmscale train` of the 16-step run into `out` (argv for node) */
export function trainArgs(fasta: string, out: string, extra: string[] = []): string[] {
  return [MAIN, "train", "--objective", "mlm", "--shape", "2,32,4", "--context", "32", "--tokens", String(32 * 8 * 16),
    "--batch-tokens", String(32 * 8), "--micro-rows", "2", "--threads", "1", "--seed", "7", "--eval-every", "8",
    "--eval-tokens", "256", "--checkpoint-every", "4", "--lr", "3e-3", "--data", fasta, "--out", out, "--quiet", ...extra];
}

export const env = { ...process.env, OMP_NUM_THREADS: "1" };
export function run(a: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, a, { encoding: "utf8", env, timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function metrics(run: string): { step: number; trainLoss: number; gradNorm: number; valLoss?: number }[] {
  return readFileSync(join(run, "metrics.jsonl"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

export function relClose(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= TOL * Math.max(Math.abs(a), Math.abs(b), 1e-12), `${what}: ${a} vs ${b}`);
}

/** Tensors as float32 arrays (the tensors are disposed). */
export function arrays(tensors: Map<string, torch.Tensor>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, t] of tensors) out.set(k, Float32Array.from(t.data() as Float32Array)), t.dispose();
  return out;
}

export const tensorsOf = (file: string) => arrays(torch.loadSafetensors(file).tensors);

/** max |a−b| over all tensors ≤ TOL · max |b| over all tensors (the state as one vector, ∞-norm; same names required) */
export function compareTensors(a: Map<string, Float32Array>, b: Map<string, Float32Array>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: tensor names`);
  assert.ok(a.size > 0);
  let scale = 0;
  for (const y of b.values()) for (const v of y) scale = Math.max(scale, Math.abs(v));
  for (const [k, x] of a) {
    const y = b.get(k)!;
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    assert.ok(diff <= TOL * scale, `${what} ${k}: max abs diff ${diff} (largest entry ${scale})`);
  }
}

/** Each step's train loss, gradient norm and validation loss of run `b` equal run `a`'s (16 steps). */
export function sameCurve(a: string, b: string, what: string): void {
  const ma = metrics(a), mb = metrics(b);
  assert.equal(ma.length, 16);
  assert.deepEqual(mb.map((m) => m.step), ma.map((m) => m.step), `${what}: steps`);
  ma.forEach((m, i) => {
    relClose(mb[i]!.trainLoss, m.trainLoss, `${what} step ${m.step} train loss`);
    relClose(mb[i]!.gradNorm, m.gradNorm, `${what} step ${m.step} grad norm`);
    if (m.valLoss !== undefined) relClose(mb[i]!.valLoss!, m.valLoss, `${what} step ${m.step} validation loss`);
  });
}

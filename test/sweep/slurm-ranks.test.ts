// `sweep run --emit slurm --gpus-per-run G` with G > 1: the array task holds G GPUs and trains its point with G
// data-parallel ranks through `sweep run-one … --nproc G`. The script is run with a stand-in for plmscale
// that records its arguments; then the real `sweep run-one` is started with those arguments (less --device
// cuda: this machine trains on CPU) and must train the point with 2 real rank processes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../../src/torch/index.js";
import { slurmScript } from "../../src/sweep/slurm.js";
import { designSweep } from "../../src/sweep/design.js";
import { pointPaths, writeSweep } from "../../src/sweep/layout.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "plm-slurm-ranks-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const FASTA = join(dir, "seqs.fasta");
writeFileSync(FASTA, ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "LLGACDEFGHIKLMNPQRSTVWY", "WYVHHKKTTSSAAGGPLE", "MENDLQRSTVWYACDEKLM",
  "PPGGSSLLKKRRTTAAMNV", "MVLSPADKTNVKAAWGKVGAHAG", "GLSDGEWQQVLNVWGKVEAD", "AQRFYCDNKWQLHPTEMKK"].map((s, i) => `>s${i}\n${s}\n`).join(""));

const design = designSweep({ objectives: ["mlm"], budgets: [1e10], centre: () => 4e5, centreSource: { mlm: "test" }, corpus: FASTA, uniqueTrainTokens: null, sizesPerBudget: 3 });

test("--gpus-per-run 2: one task with 2 GPUs, CPUs for both ranks, threads split, run-one --nproc 2", () => {
  const s = slurmScript(design, { sweepDir: "/shared/sw", plmscale: "plmscale", gpusPerRun: 2, cpusPerRun: 8 });
  assert.match(s, /^#SBATCH --ntasks=1$/m);
  assert.match(s, /^#SBATCH --gpus-per-task=2$/m);
  assert.match(s, /^#SBATCH --cpus-per-task=8$/m);
  const exec = s.split("\n").find((l) => l.startsWith("exec "))!;
  assert.equal(exec, `exec plmscale sweep run-one /shared/sw "$SLURM_ARRAY_TASK_ID" --threads "$OMP_NUM_THREADS" --device cuda --nproc 2`);
  // default CPUs: the design's threads per run for each rank
  assert.match(slurmScript(design, { sweepDir: "/s", plmscale: "p", gpusPerRun: 2 }), new RegExp(`^#SBATCH --cpus-per-task=${design.train.threads * 2}$`, "m"));
  // one GPU: as before, no --nproc
  assert.doesNotMatch(slurmScript(design, { sweepDir: "/s", plmscale: "p", gpusPerRun: 1 }), /--nproc/);
});

test("the array task's command trains its point with 2 real ranks (sweep run-one --nproc 2 on CPU)", { skip: torch.dist.distributedAvailable() ? false : "addon built without c10d", timeout: 300_000 }, () => {
  const sweep = join(dir, "sweep");
  // every point gets the same tiny config (4 steps of 8 rows × 32 tokens), so the test trains in seconds
  const tiny = {
    objective: "mlm", model: { layers: 1, dModel: 32, heads: 4, ffn: 128, vocab: 33, context: 32 }, tokens: 32 * 8 * 4, batchTokens: 32 * 8,
    microBatchRows: 2, lr: { peak: 3e-3 }, data: { corpus: FASTA, seed: 1 }, eval: { everySteps: 0, tokens: 256 }, checkpoint: { everySteps: 2, keep: 2 },
    threads: 1, seed: 1,
  };
  writeSweep(sweep, design, () => tiny);
  // the script, run as Slurm would for array task 0 with 2 CPUs, through a stand-in that records the arguments
  const fake = join(dir, "fake-plmscale.sh");
  writeFileSync(fake, `#!/bin/bash\nprintf '%s\\n' "$@" > ${dir}/args\n`, { mode: 0o755 });
  const script = join(dir, "sweep.sbatch");
  writeFileSync(script, slurmScript(design, { sweepDir: sweep, plmscale: fake, gpusPerRun: 2 }));
  const sh = spawnSync("bash", [script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: "0", SLURM_CPUS_PER_TASK: "2" }, encoding: "utf8" });
  assert.equal(sh.status, 0, sh.stderr);
  const argv = readFileSync(join(dir, "args"), "utf8").trim().split("\n");
  assert.deepEqual(argv, ["sweep", "run-one", sweep, "0", "--threads", "1", "--device", "cuda", "--nproc", "2"]);
  // the same command for real, on CPU
  const cpuArgv = argv.filter((a, i) => a !== "--device" && argv[i - 1] !== "--device");
  const r = spawnSync(process.execPath, [MAIN, ...cpuArgv, "--json"], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" }, timeout: 240_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { state: string }).state, "done");
  const run = pointPaths(sweep, design.points[0]!).run;
  const res = JSON.parse(readFileSync(join(run, "result.json"), "utf8")) as { worldSize: number; steps: number };
  assert.equal(res.worldSize, 2, "the point trained with 2 ranks");
  assert.equal(res.steps, 4);
  // the executor started the trainer with --nproc 2 (its launcher then started the 2 ranks)
  const log = readFileSync(pointPaths(sweep, design.points[0]!).log, "utf8");
  assert.match(log, /train --config .* --nproc 2/);
  for (const p of design.points.slice(1)) assert.ok(!existsSync(join(pointPaths(sweep, p).run, "result.json")), "only point 0 ran");
});

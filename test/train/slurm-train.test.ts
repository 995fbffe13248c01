// `train --emit slurm` and `sweep run --emit slurm` run what was planned (issue 23 item 6): GPUs asked → CUDA,
// the launcher (bin.js, which preloads tcmalloc), --output/--account/--time/--partition, a preamble file, and
// CPUs per task from the node size given. Checked by parsing the emitted scripts and `bash -n`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { slurmScript } from "../../src/sweep/slurm.js";
import { designSweep } from "../../src/sweep/design.js";

const bin = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "plm-slurm-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const preamble = join(dir, "pre.sh");
writeFileSync(preamble, "#SBATCH --qos=high\nmodule load cuda/12.1\nexport NCCL_DEBUG=WARN\n");

function bashSyntaxOk(script: string): void {
  const f = join(dir, `s${Math.random().toString(36).slice(2)}.sbatch`);
  writeFileSync(f, script);
  const r = spawnSync("bash", ["-n", f], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

const sbatch = (s: string) => s.split("\n").filter((l) => l.startsWith("#SBATCH ")).map((l) => l.slice(8));

function emitTrain(extra: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [bin, "train", "--emit", "slurm", "--nodes", "2", "--gpus-per-node", "4", "--shape", "4,128,4", "--tokens", "2M",
    "--data", "/shared/corpus", "--out", "/shared/runs/x", ...extra], { encoding: "utf8" });
}

test("train --emit slurm: CUDA when GPUs are asked, the launcher, the Slurm options, the preamble, CPUs from the node", () => {
  const r = emitTrain(["--account", "proj42", "--time", "04:00:00", "--partition", "gpu", "--output", "logs/%x-%j.out", "--slurm-preamble", preamble, "--cpus-per-node", "64"]);
  assert.equal(r.status, 0, r.stderr);
  const s = r.stdout;
  bashSyntaxOk(s);
  const h = sbatch(s);
  for (const want of ["--nodes=2", "--ntasks-per-node=4", "--gpus-per-node=4", "--cpus-per-task=16", "--account=proj42", "--time=04:00:00", "--partition=gpu", "--output=logs/%x-%j.out", "--qos=high"]) {
    assert.ok(h.includes(want), `${want} in ${JSON.stringify(h)}`);
  }
  const lines = s.split("\n");
  const srun = lines.find((l) => l.startsWith("srun "))!;
  assert.match(srun, /\/dist\/src\/cli\/bin\.js train /);
  assert.doesNotMatch(srun, /main\.js/);
  assert.match(srun, / --device cuda( |$)/);
  for (const k of ["--account", "--output", "--slurm-preamble", "--cpus-per-node", "--partition"]) assert.ok(!srun.includes(k), `${k} is for sbatch, not the ranks: ${srun}`);
  // the preamble runs after `set -e` and before srun; its #SBATCH line is in the header (sbatch reads only those)
  const at = (p: string) => lines.findIndex((l) => l === p);
  assert.ok(at("set -euo pipefail") < at("module load cuda/12.1") && at("module load cuda/12.1") < lines.indexOf(srun));
  assert.ok(at("#SBATCH --qos=high") < at("set -euo pipefail"));
});

test("train --emit slurm without a node size takes the whole node and splits it over the tasks at run time", () => {
  const r = emitTrain([]);
  assert.equal(r.status, 0, r.stderr);
  bashSyntaxOk(r.stdout);
  assert.ok(sbatch(r.stdout).includes("--exclusive"));
  assert.ok(!sbatch(r.stdout).some((l) => l.startsWith("--cpus-per-task=8")), "no hard-coded 8 CPUs");
  assert.match(r.stdout, /^export OMP_NUM_THREADS=\$\(\( \$\{SLURM_CPUS_ON_NODE:-4\} \/ 4 /m);
});

test("train --emit slurm keeps an explicit --device cpu, and refuses a missing preamble file in one line", () => {
  const cpu = emitTrain(["--device", "cpu"]);
  assert.equal(cpu.status, 0, cpu.stderr);
  const srun = cpu.stdout.split("\n").find((l) => l.startsWith("srun "))!;
  assert.match(srun, / --device cpu( |$)/);
  assert.doesNotMatch(srun, /--device cuda/);
  const missing = emitTrain(["--slurm-preamble", join(dir, "nope.sh")]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim().split("\n").length, 1, missing.stderr);
  assert.match(missing.stderr, /--slurm-preamble: .*nope\.sh: no such file/);
});

test("sweep run --emit slurm: the launcher, --account/--output/--time/--partition and the preamble", () => {
  const sweep = join(dir, "sweep");
  const d = spawnSync(process.execPath, [bin, "sweep", "design", "--out", sweep, "--objective", "clm", "--budgets", "1e13", "--corpus", "/shared/corpus"], { encoding: "utf8" });
  assert.equal(d.status, 0, d.stderr);
  const r = spawnSync(process.execPath, [bin, "sweep", "run", sweep, "--emit", "slurm", "--gpus-per-run", "1", "--account", "proj42", "--output", "logs/%A_%a.out",
    "--time", "01:00:00", "--partition", "gpu", "--slurm-preamble", preamble], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const s = readFileSync(join(sweep, "sweep.sbatch"), "utf8");
  bashSyntaxOk(s);
  const h = sbatch(s);
  for (const want of ["--account=proj42", "--output=logs/%A_%a.out", "--time=01:00:00", "--partition=gpu", "--qos=high", "--gpus-per-task=1"]) assert.ok(h.includes(want), `${want} in ${JSON.stringify(h)}`);
  const exec = s.split("\n").find((l) => l.startsWith("exec "))!;
  assert.match(exec, /\/dist\/src\/cli\/bin\.js sweep run-one /);
  assert.match(exec, / --device cuda/);
  assert.match(s, /^module load cuda\/12\.1$/m);
});

test("a sweep script's default log stays in the sweep's state folder", () => {
  const design = designSweep({ objectives: ["clm"], budgets: [1e15], centre: () => 3e6, centreSource: {}, corpus: "/c", uniqueTrainTokens: null });
  const s = slurmScript(design, { sweepDir: "/shared/sw", plmscale: "plmscale" });
  assert.ok(sbatch(s).includes("--output=/shared/sw/state/slurm-%A_%a.out"));
  bashSyntaxOk(s);
});

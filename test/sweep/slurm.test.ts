import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { arraySpec, shellQuote, slurmScript } from "../../src/sweep/slurm.js";
import { designSweep } from "../../src/sweep/design.js";

const design = designSweep({ objectives: ["clm", "mlm"], budgets: [1e15, 1e16, 1e17], centre: () => 3e6, centreSource: {}, corpus: "/c", uniqueTrainTokens: null });

test("array index lists are compacted", () => {
  assert.equal(arraySpec([0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
  assert.equal(arraySpec([3]), "3");
  assert.equal(shellQuote("/a b/c"), "'/a b/c'");
  assert.equal(shellQuote("/shared/sweep-1"), "/shared/sweep-1");
});

test("slurm script: one array task per point, each calling `sweep run-one SWEEP INDEX`", () => {
  const s = slurmScript(design, { sweepDir: "/shared/my sweep", plmscale: "node /opt/plmscale/dist/src/cli/main.js", partition: "gpu", gpusPerRun: 1, time: "01:00:00", maxConcurrent: 8 });
  const n = design.points.length;
  assert.equal(n, 24);
  assert.ok(s.startsWith("#!/bin/bash\n"));
  assert.match(s, new RegExp(`^#SBATCH --array=0-${n - 1}%8$`, "m"));
  assert.match(s, /^#SBATCH --partition=gpu$/m);
  assert.match(s, /^#SBATCH --gpus-per-task=1$/m);
  assert.match(s, /^#SBATCH --time=01:00:00$/m);
  const exec = s.split("\n").find((l) => l.startsWith("exec "))!;
  assert.equal(exec, `exec node /opt/plmscale/dist/src/cli/main.js sweep run-one '/shared/my sweep' "$SLURM_ARRAY_TASK_ID" --threads "$OMP_NUM_THREADS" --device cuda`);
  const cpu = slurmScript(design, { sweepDir: "/s", plmscale: "plmscale", indices: [2, 3, 9] });
  assert.match(cpu, /^#SBATCH --array=2-3,9$/m);
  assert.doesNotMatch(cpu, /gpus|--device cuda|--partition/);
});

test("the script is valid bash and runs run-one with the array index", () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-slurm-"));
  // a stand-in for plmscale that records its arguments
  const fake = join(dir, "fake-plmscale.sh");
  writeFileSync(fake, `#!/bin/bash\necho "$@" > ${dir}/args\n`, { mode: 0o755 });
  const script = join(dir, "sweep.sbatch");
  writeFileSync(script, slurmScript(design, { sweepDir: dir, plmscale: fake }));
  assert.equal(spawnSync("bash", ["-n", script]).status, 0, "bash -n");
  const r = spawnSync("bash", [script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: "7", SLURM_CPUS_PER_TASK: "4" } });
  assert.equal(r.status, 0, r.stderr.toString());
  const args = spawnSync("cat", [join(dir, "args")]).stdout.toString().trim();
  assert.equal(args, `sweep run-one ${dir} 7 --threads 4`);
});

// Rank from the environment (torchrun, Slurm, the local launcher) and the sbatch script of `train --emit slurm`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { firstSlurmHost, rankFromEnv } from "../../src/train/dist-env.js";
import { trainSlurmScript } from "../../src/train/slurm-train.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

test("torchrun variables: rank, world, local rank, TCP rendezvous at MASTER_ADDR:MASTER_PORT", () => {
  assert.deepEqual(rankFromEnv({ RANK: "3", WORLD_SIZE: "8", LOCAL_RANK: "1", MASTER_ADDR: "node7", MASTER_PORT: "1234" }), {
    rank: 3, worldSize: 8, localRank: 1, rendezvous: { kind: "tcp", host: "node7", port: 1234 }, source: "torchrun",
  });
  assert.equal(rankFromEnv({}), null);
  assert.equal(rankFromEnv({ RANK: "0", WORLD_SIZE: "1" }), null, "a world of one is a plain run");
  assert.throws(() => rankFromEnv({ RANK: "2", WORLD_SIZE: "2", MASTER_ADDR: "x" }), /rank 2 is outside a world of 2/);
  assert.throws(() => rankFromEnv({ RANK: "0", WORLD_SIZE: "2" }), /MASTER_ADDR is not set/);
  assert.throws(() => rankFromEnv({ RANK: "x", WORLD_SIZE: "2" }), /RANK=x/);
});

test("Slurm variables: SLURM_PROCID/NTASKS/LOCALID and the first host of the node list (default port 29500)", () => {
  const r = rankFromEnv({ SLURM_PROCID: "5", SLURM_NTASKS: "16", SLURM_LOCALID: "1", SLURM_JOB_NODELIST: "gpu[012-015,020],cpu1" })!;
  assert.deepEqual(r, { rank: 5, worldSize: 16, localRank: 1, rendezvous: { kind: "tcp", host: "gpu012", port: 29500 }, source: "slurm" });
  assert.equal(firstSlurmHost("a,b"), "a");
  assert.equal(firstSlurmHost("n[7]"), "n7");
  // RANK (torchrun inside an allocation) wins over SLURM_*
  assert.equal(rankFromEnv({ RANK: "1", WORLD_SIZE: "2", MASTER_ADDR: "h", SLURM_PROCID: "0", SLURM_NTASKS: "4" })!.worldSize, 2);
});

test("the local launcher's FileStore", () => {
  assert.deepEqual(rankFromEnv({ RANK: "1", WORLD_SIZE: "2", PLMSCALE_DIST_STORE: "file:/tmp/x/store" })!.rendezvous, { kind: "file", path: "/tmp/x/store" });
});

test("sbatch script: nodes × GPUs tasks, first node as MASTER_ADDR, srun of the same train arguments", () => {
  const s = trainSlurmScript({ nodes: 4, gpusPerNode: 8, plmscale: "node /opt/p/main.js", args: ["--data", "my corpus/", "--out", "runs/big"], partition: "gpu" });
  assert.match(s, /#SBATCH --nodes=4\n#SBATCH --ntasks-per-node=8\n#SBATCH --gpus-per-node=8/);
  assert.match(s, /#SBATCH --partition=gpu/);
  assert.match(s, /MASTER_ADDR=\$\(scontrol show hostnames "\$SLURM_JOB_NODELIST" \| head -n 1\)/);
  assert.match(s, /srun --kill-on-bad-exit=1 --cpus-per-task="\$OMP_NUM_THREADS" node \/opt\/p\/main.js train --data 'my corpus\/' --out runs\/big --device cuda\n/, "GPUs asked → CUDA");
  assert.throws(() => trainSlurmScript({ nodes: 0, gpusPerNode: 1, plmscale: "p", args: [] }), /--nodes must be a positive integer/);
});

test("train --emit slurm prints the script with the run's options and without the launch-only ones", () => {
  const r = spawnSync(process.execPath, [MAIN, "train", "--emit", "slurm", "--nodes", "2", "--gpus-per-node", "4", "--shard", "optimizer",
    "--objective", "mlm", "--params", "3e9", "--tokens", "60B", "--data", "corpus/", "--out", "runs/big", "--device", "cuda"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^#!\/bin\/bash/);
  assert.match(r.stdout, /2 node\(s\) x 4 GPU\(s\) = 8 ranks/);
  const srun = r.stdout.split("\n").find((l) => l.startsWith("srun"))!;
  for (const a of ["--shard optimizer", "--objective mlm", "--params 3e9", "--out runs/big", "--device cuda"]) assert.ok(srun.includes(a), `${a} in ${srun}`);
  for (const a of ["--emit", "--nodes", "--gpus-per-node"]) assert.ok(!srun.includes(a), `${a} not in ${srun}`);
  const bad = spawnSync(process.execPath, [MAIN, "train", "--shard", "zero3", "--data", "x", "--out", "y"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--shard: 'zero3' is not one of none, optimizer, full/);
});

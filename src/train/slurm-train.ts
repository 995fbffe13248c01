// `plmscale train … --emit slurm --nodes M --gpus-per-node G`: an sbatch script for one multi-node data-parallel
// run. srun starts M·G tasks (one per GPU); each picks its rank from SLURM_PROCID / SLURM_NTASKS /
// SLURM_LOCALID (src/train/dist-env.ts) and meets the others at the first node of the allocation (MASTER_ADDR,
// MASTER_PORT), where rank 0 serves the c10d TCPStore.
import { shellQuote } from "../core/shell.js";
import { UserError } from "../core/errors.js";

export interface TrainSlurmOptions {
  nodes: number;
  gpusPerNode: number;
  /** how to invoke plmscale on the compute nodes, e.g. "node /opt/plmscale/dist/src/cli/main.js" */
  plmscale: string;
  /** the train arguments (without --emit/--nodes/--gpus-per-node/--nproc) */
  args: string[];
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  port?: number;
  jobName?: string;
}

export function trainSlurmScript(o: TrainSlurmOptions): string {
  for (const [k, v] of [["--nodes", o.nodes], ["--gpus-per-node", o.gpusPerNode]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`${k} must be a positive integer, got ${v}`, 2);
  }
  const world = o.nodes * o.gpusPerNode;
  const cpus = o.cpusPerTask ?? 8;
  return [
    "#!/bin/bash",
    `# plmscale data-parallel training: ${o.nodes} node(s) x ${o.gpusPerNode} GPU(s) = ${world} ranks. Submit with: sbatch THIS_FILE`,
    `#SBATCH --job-name=${o.jobName ?? "plmscale-train"}`,
    `#SBATCH --nodes=${o.nodes}`,
    `#SBATCH --ntasks-per-node=${o.gpusPerNode}`,
    `#SBATCH --gpus-per-node=${o.gpusPerNode}`,
    `#SBATCH --cpus-per-task=${cpus}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    "set -euo pipefail",
    'export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    `export MASTER_PORT=\${MASTER_PORT:-${o.port ?? 29500}}`,
    `export OMP_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-${cpus}}`,
    "# one task per GPU; each task reads SLURM_PROCID/SLURM_NTASKS/SLURM_LOCALID",
    `srun --kill-on-bad-exit=1 ${o.plmscale} train ${o.args.map(shellQuote).join(" ")}`,
    "",
  ].join("\n");
}

// Slurm array script for a sweep: array task i runs `plmscale sweep run-one SWEEP i`, which trains point i in
// the same directory layout (skip if finished, resume from a checkpoint, retry once), so `sweep status`, `fit`
// and `report` work on a shared filesystem exactly as after a local run. With --gpus-per-run G > 1 the task
// gets G GPUs and `run-one --nproc G` trains the point with G data-parallel ranks (the trainer's own launcher,
// src/train/launch.ts: one process per GPU, cuda:LOCAL_RANK), so locking, resume and retry stay per point.
import type { SweepDesign } from "./types.js";
import { slurmCommonLines, type SlurmCommon } from "../train/slurm-train.js";

export interface SlurmOptions extends SlurmCommon {
  /** absolute path of the sweep directory (on the shared filesystem) */
  sweepDir: string;
  /** how to invoke plmscale on the compute nodes, e.g. "node /opt/plmscale/dist/src/cli/main.js" */
  plmscale: string;
  gpusPerRun?: number;
  cpusPerRun?: number;
  /** at most this many tasks at once (the %K of --array) */
  maxConcurrent?: number;
  /** restrict the array to these point indices (default: all) */
  indices?: number[];
}

export { shellQuote } from "../core/shell.js";
import { shellQuote } from "../core/shell.js";

/** Compact Slurm index list: [0,1,2,5,7,8] → "0-2,5,7-8". */
export function arraySpec(indices: number[]): string {
  const xs = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function slurmScript(design: SweepDesign, o: SlurmOptions): string {
  const indices = o.indices ?? design.points.map((p) => p.index);
  if (indices.length === 0) throw new Error("slurm: no runs left to submit");
  const gpus = o.gpusPerRun ?? 0;
  if (!(Number.isInteger(gpus) && gpus >= 0)) throw new RangeError(`--gpus-per-run must be a whole number, got ${gpus}`);
  // G > 1: one task, G ranks started by `run-one --nproc G` (one GPU each, cuda:LOCAL_RANK), threads split
  const ranks = Math.max(1, gpus);
  const cpus = o.cpusPerRun ?? design.train.threads * ranks;
  const array = arraySpec(indices) + (o.maxConcurrent ? `%${o.maxConcurrent}` : "");
  const dir = shellQuote(o.sweepDir);
  const common = slurmCommonLines(o, `${o.sweepDir}/state/slurm-%A_%a.out`);
  const lines = [
    "#!/bin/bash",
    `# plmscale IsoFLOP sweep: ${design.points.length} runs (${design.objectives.join(", ")}; budgets ${design.budgets.map((c) => c.toExponential(1)).join(", ")} FLOPs).`,
    "# Submit with: sbatch THIS_FILE    Progress: plmscale sweep status SWEEP",
    `#SBATCH --job-name=${o.jobName ?? "plmscale-sweep"}`,
    `#SBATCH --array=${array}`,
    "#SBATCH --ntasks=1",
    `#SBATCH --cpus-per-task=${cpus}`,
    ...(gpus > 0 ? [`#SBATCH --gpus-per-task=${gpus}`] : []),
    ...common.header,
    "set -euo pipefail",
    ...common.body,
    ranks > 1
      ? `export OMP_NUM_THREADS=$(( \${SLURM_CPUS_PER_TASK:-${cpus}} / ${ranks} > 0 ? \${SLURM_CPUS_PER_TASK:-${cpus}} / ${ranks} : 1 ))  # per rank`
      : `export OMP_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-${cpus}}`,
    `exec ${o.plmscale} sweep run-one ${dir} "$SLURM_ARRAY_TASK_ID" --threads "$OMP_NUM_THREADS"${gpus > 0 ? " --device cuda" : ""}${ranks > 1 ? ` --nproc ${ranks}` : ""}`,
    "",
  ];
  return lines.join("\n");
}

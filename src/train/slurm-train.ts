// `plmscale train … --emit slurm --nodes M --gpus-per-node G`: an sbatch script for one multi-node data-parallel
// run. srun starts M·G tasks (one per GPU); each picks its rank from SLURM_PROCID / SLURM_NTASKS /
// SLURM_LOCALID (src/train/dist-env.ts) and meets the others at the first node of the allocation (MASTER_ADDR,
// MASTER_PORT), where rank 0 serves the c10d TCPStore. GPUs asked → the ranks train on CUDA; the command is the
// launcher (dist/src/cli/bin.js, which preloads tcmalloc), never main.js directly.
import { readFileSync, existsSync } from "node:fs";
import { shellQuote } from "../core/shell.js";
import { UserError } from "../core/errors.js";

/** What every plmscale sbatch script can be given (train and sweep run alike). */
export interface SlurmCommon {
  partition?: string;
  /** wall-clock limit, Slurm syntax ("02:00:00") */
  time?: string;
  account?: string;
  /** Slurm's --output pattern (e.g. "logs/%x-%j.out") */
  output?: string;
  /** lines of a --slurm-preamble file: #SBATCH lines join the header, the rest (module load, exports) run first */
  preamble?: string;
  jobName?: string;
}

/** A --slurm-preamble file's text; a missing file is a usage error naming it. */
export function readPreamble(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  if (!existsSync(path)) throw new UserError(`--slurm-preamble: ${path}: no such file`, 2);
  return readFileSync(path, "utf8");
}

/** The #SBATCH lines of the common options (and the preamble's own), then the preamble's shell lines. */
export function slurmCommonLines(o: SlurmCommon, defaultOutput?: string): { header: string[]; body: string[] } {
  const pre = (o.preamble ?? "").split("\n").map((l) => l.trimEnd());
  const output = o.output ?? defaultOutput;
  const header = [
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(output ? [`#SBATCH --output=${output}`] : []),
    ...pre.filter((l) => l.startsWith("#SBATCH")),
  ];
  const body = pre.filter((l) => l !== "" && !l.startsWith("#SBATCH") && !l.startsWith("#!"));
  return { header, body: body.length ? ["# from --slurm-preamble", ...body] : [] };
}

export interface TrainSlurmOptions extends SlurmCommon {
  nodes: number;
  gpusPerNode: number;
  /** how to invoke plmscale on the compute nodes, e.g. "node /opt/plmscale/dist/src/cli/bin.js" */
  plmscale: string;
  /** the train arguments (without --emit/--nodes/--gpus-per-node/--nproc) */
  args: string[];
  /** CPUs of one node: each of its G tasks gets floor(C / G); unknown → the whole node (--exclusive), split at run time */
  cpusPerNode?: number;
  port?: number;
}

export function trainSlurmScript(o: TrainSlurmOptions): string {
  for (const [k, v] of [["--nodes", o.nodes], ["--gpus-per-node", o.gpusPerNode]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UserError(`${k} must be a positive integer, got ${v}`, 2);
  }
  if (o.cpusPerNode !== undefined && !(Number.isInteger(o.cpusPerNode) && o.cpusPerNode >= o.gpusPerNode)) {
    throw new UserError(`--cpus-per-node must be a whole number of at least --gpus-per-node (${o.gpusPerNode}), got ${o.cpusPerNode}`, 2);
  }
  // GPUs asked → CUDA, unless --device says otherwise (a dry run of the script on CPU nodes)
  const args = o.args.includes("--device") ? o.args : [...o.args, "--device", "cuda"];
  const onCuda = args[args.indexOf("--device") + 1] === "cuda";
  const world = o.nodes * o.gpusPerNode;
  const cpus = o.cpusPerNode !== undefined ? Math.floor(o.cpusPerNode / o.gpusPerNode) : undefined;
  const common = slurmCommonLines(o);
  return [
    "#!/bin/bash",
    `# plmscale data-parallel training: ${o.nodes} node(s) x ${o.gpusPerNode} GPU(s) = ${world} ranks${onCuda ? " on CUDA" : " (--device cpu)"}. Submit with: sbatch THIS_FILE`,
    `#SBATCH --job-name=${o.jobName ?? "plmscale-train"}`,
    `#SBATCH --nodes=${o.nodes}`,
    `#SBATCH --ntasks-per-node=${o.gpusPerNode}`,
    `#SBATCH --gpus-per-node=${o.gpusPerNode}`,
    cpus !== undefined ? `#SBATCH --cpus-per-task=${cpus}` : "#SBATCH --exclusive",
    ...common.header,
    "set -euo pipefail",
    ...common.body,
    'export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    `export MASTER_PORT=\${MASTER_PORT:-${o.port ?? 29500}}`,
    cpus !== undefined
      ? `export OMP_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-${cpus}}`
      : `export OMP_NUM_THREADS=$(( \${SLURM_CPUS_ON_NODE:-${o.gpusPerNode}} / ${o.gpusPerNode} > 0 ? \${SLURM_CPUS_ON_NODE:-${o.gpusPerNode}} / ${o.gpusPerNode} : 1 ))  # the node's CPUs split over its ${o.gpusPerNode} task(s)`,
    "# one task per GPU; each task reads SLURM_PROCID/SLURM_NTASKS/SLURM_LOCALID",
    `srun --kill-on-bad-exit=1${cpus !== undefined ? "" : ' --cpus-per-task="$OMP_NUM_THREADS"'} ${o.plmscale} train ${args.map(shellQuote).join(" ")}`,
    "",
  ].join("\n");
}

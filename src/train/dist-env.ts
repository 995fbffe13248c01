// Which rank this process is, from the environment, the way torchrun and Slurm say it: RANK / WORLD_SIZE /
// LOCAL_RANK / MASTER_ADDR / MASTER_PORT (torchrun, and `plmscale train --nproc`), or SLURM_PROCID /
// SLURM_NTASKS / SLURM_LOCALID with the first node of SLURM_JOB_NODELIST as the address (srun). The local
// launcher adds PLMSCALE_DIST_STORE=file:PATH (a FileStore: no port to pick on a shared machine).
import type { Rendezvous } from "../torch/distributed.js";
import { UserError } from "../core/errors.js";

export interface RankEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  rendezvous: Rendezvous;
  source: "plmscale" | "torchrun" | "slurm";
}

export const DEFAULT_MASTER_PORT = 29500;
export const STORE_ENV = "PLMSCALE_DIST_STORE";

function int(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`environment ${name}=${v}: expected a non-negative integer`, 2);
  return n;
}

/** The first host of a Slurm node list: "gpu[012-015,020],cpu1" → "gpu012"; "a,b" → "a". */
export function firstSlurmHost(nodelist: string): string {
  const m = /^([^,[]+)(?:\[([^\],-]+))?/.exec(nodelist.trim());
  if (!m) throw new UserError(`SLURM_JOB_NODELIST '${nodelist}': cannot read the first host`, 2);
  return m[1]! + (m[2] ?? "");
}

/** This process's rank, or null for a single-process run (no such variables, or a world of 1). */
export function rankFromEnv(env: NodeJS.ProcessEnv = process.env): RankEnv | null {
  let rank = int(env, "RANK"), worldSize = int(env, "WORLD_SIZE"), localRank = int(env, "LOCAL_RANK");
  let source: RankEnv["source"] = env[STORE_ENV] ? "plmscale" : "torchrun";
  if (rank === undefined && worldSize === undefined && env.SLURM_PROCID !== undefined) {
    rank = int(env, "SLURM_PROCID"), worldSize = int(env, "SLURM_NTASKS"), localRank = int(env, "SLURM_LOCALID");
    source = "slurm";
  }
  if (rank === undefined && worldSize === undefined) return null;
  if (rank === undefined || worldSize === undefined) throw new UserError("distributed launch: both RANK and WORLD_SIZE (or SLURM_PROCID and SLURM_NTASKS) must be set", 2);
  if (worldSize < 1 || rank >= worldSize) throw new UserError(`distributed launch: rank ${rank} is outside a world of ${worldSize}`, 2);
  if (worldSize === 1) return null;
  const store = env[STORE_ENV];
  let rendezvous: Rendezvous;
  if (store) {
    if (!store.startsWith("file:")) throw new UserError(`${STORE_ENV}=${store}: expected file:PATH`, 2);
    rendezvous = { kind: "file", path: store.slice(5) };
  } else {
    const host = env.MASTER_ADDR || (source === "slurm" && env.SLURM_JOB_NODELIST ? firstSlurmHost(env.SLURM_JOB_NODELIST) : undefined);
    if (!host) throw new UserError("distributed launch: MASTER_ADDR is not set (the address of rank 0's node)", 2);
    rendezvous = { kind: "tcp", host, port: int(env, "MASTER_PORT") ?? DEFAULT_MASTER_PORT };
  }
  return { rank, worldSize, localRank: localRank ?? rank, rendezvous, source };
}

/** The device a rank trains on: one GPU per rank, cuda:LOCAL_RANK, wrapped around the GPUs this process sees
 * (Slurm may bind one GPU per task: then every rank sees its own as cuda:0; two ranks may share one GPU). */
export function rankDevice(device: "cpu" | "cuda", localRank: number | undefined, cudaDevices: number): string {
  if (device !== "cuda" || localRank === undefined || cudaDevices < 1) return device;
  return `cuda:${localRank % cudaDevices}`;
}

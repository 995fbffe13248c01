// How many CPU threads libtorch gets. The default is decided from what this process may really use — its CPU
// affinity, its cgroup's CPU quota, the load other processes put on the machine — and from the size of the model,
// not from the core count alone: on a 2-core VM a 4×128 CLM (context 256) trained 3× slower with 2 threads than
// with 1 when quiet and ~9× slower when loaded (docs/BENCHMARKS.md, issue 23). PLMSCALE_THREADS, then
// OMP_NUM_THREADS, when set, are taken as asked; `--threads N` on any compute command sets PLMSCALE_THREADS.
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";

/** What bounds this process's CPU use. */
export interface CpuFacts {
  /** cores the OS reports */
  cores: number;
  /** CPUs in this process's affinity mask (/proc/self/status Cpus_allowed_list); null where unknown */
  affinity: number | null;
  /** the cgroup's CPU quota in CPUs (cgroup v2 cpu.max, v1 cfs_quota_us / cfs_period_us); null when unlimited */
  quota: number | null;
  /** 1-minute load average of the machine */
  load1: number;
}

/** Number of CPUs in a Linux CPU list such as "0-3,8,10-11"; null when it cannot be read. */
export function parseCpuList(s: string): number | null {
  let n = 0;
  for (const part of s.trim().split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return null;
    n += b - a + 1;
  }
  return n > 0 ? n : null;
}

/** CPUs allowed by a cgroup v2 `cpu.max` line ("max 100000" → null, "150000 100000" → 1.5). */
export function parseCpuMax(s: string): number | null {
  const [q, p] = s.trim().split(/\s+/);
  if (q === undefined || q === "max") return null;
  return cfsQuota(Number(q), Number(p ?? 100000));
}

/** CPUs allowed by a cgroup v1 CFS quota (quota -1: unlimited). */
export function cfsQuota(quotaUs: number, periodUs: number): number | null {
  if (!Number.isFinite(quotaUs) || !Number.isFinite(periodUs) || quotaUs <= 0 || periodUs <= 0) return null;
  return quotaUs / periodUs;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** This process's CPU facts, read from /proc and /sys (each missing file just leaves its bound unknown). */
export function readCpuFacts(): CpuFacts {
  const status = readOr("/proc/self/status");
  const list = status ? /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1] : undefined;
  const v2 = readOr("/sys/fs/cgroup/cpu.max");
  let quota = v2 !== null ? parseCpuMax(v2) : null;
  if (v2 === null) {
    const q = readOr("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") ?? readOr("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us");
    const p = readOr("/sys/fs/cgroup/cpu/cpu.cfs_period_us") ?? readOr("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us");
    if (q !== null && p !== null) quota = cfsQuota(Number(q), Number(p));
  }
  return { cores: availableParallelism(), affinity: list ? parseCpuList(list) : null, quota, load1: loadavg()[0] };
}

/** CPUs this process may use: the least of cores, affinity and quota (a fractional quota rounds down, at least 1). */
export function usableCpus(f: CpuFacts): number {
  const bound = Math.min(f.cores, f.affinity ?? Infinity, f.quota ?? Infinity);
  return Math.max(1, Math.floor(bound + 1e-9));
}

/**
 * Models narrower than this get one thread by default: their ops are too small to split (measured on the
 * 2-core VM: 4×128 and 6×320 CLMs both lost with 2 threads, quiet and loaded; docs/BENCHMARKS.md issue 23).
 */
export const SMALL_MODEL_WIDTH = 512;

export interface ThreadChoice {
  threads: number;
  /** where the number came from, for logs and `doctor` */
  source: "flag" | "PLMSCALE_THREADS" | "OMP_NUM_THREADS" | "auto";
  /** set when the machine is busier than the CPUs this process may use */
  busy?: string;
}

/** A positive integer thread count from an environment value, or undefined. */
function envCount(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v.split(",")[0]); // OMP_NUM_THREADS may list counts per nesting level
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * The thread count: `asked` (a run's config or --threads) when > 0, then PLMSCALE_THREADS, then
 * OMP_NUM_THREADS, else automatic — the usable CPUs less the other processes' load (at least 1), and 1 for a
 * model narrower than SMALL_MODEL_WIDTH when its width is known.
 */
export function chooseThreads(o: { asked?: number; env?: NodeJS.ProcessEnv; facts: CpuFacts; dModel?: number }): ThreadChoice {
  const env = o.env ?? process.env;
  const usable = usableCpus(o.facts);
  const busy = o.facts.load1 > usable
    ? `the machine is busier than the CPUs this process may use (load ${o.facts.load1.toFixed(1)} on ${usable} CPU${usable === 1 ? "" : "s"}); training and inference will be slower than on a quiet machine`
    : undefined;
  const withBusy = (c: ThreadChoice): ThreadChoice => (busy ? { ...c, busy } : c);
  if (o.asked !== undefined && o.asked > 0) return withBusy({ threads: o.asked, source: "flag" });
  const p = envCount(env.PLMSCALE_THREADS);
  if (p !== undefined) return withBusy({ threads: p, source: "PLMSCALE_THREADS" });
  const omp = envCount(env.OMP_NUM_THREADS);
  if (omp !== undefined) return withBusy({ threads: omp, source: "OMP_NUM_THREADS" });
  const free = Math.max(1, Math.min(usable, Math.round(usable - o.facts.load1)));
  const threads = o.dModel !== undefined && o.dModel < SMALL_MODEL_WIDTH ? 1 : free;
  return withBusy({ threads, source: "auto" });
}

let warned = false;

/** Print the busy-machine warning at most once per process. */
export function warnBusyOnce(c: ThreadChoice, warn: (line: string) => void = (l) => process.stderr.write(l + "\n")): void {
  if (!c.busy || warned) return;
  warned = true;
  warn(`plmscale: warning: ${c.busy}`);
}

/**
 * OpenMP's wait policy for this process when the user set none: PASSIVE (idle threads sleep instead of
 * spinning). Spinning workers took the cores from the main thread between ops on a shared 2-core machine: a
 * tiny CLM at 2 threads ran at 522 tokens/s with the default policy and 2,108 with PASSIVE (loaded VM).
 * Must be in the environment before libgomp loads (the addon's first load).
 */
export function ompWaitEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env.OMP_WAIT_POLICY !== undefined || env.GOMP_SPINCOUNT !== undefined ? {} : { OMP_WAIT_POLICY: "PASSIVE" };
}

// plmscale doctor: what the engine found — addon, libtorch version and build, BLAS, threads, allocator, CUDA.
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { defineRun } from "../command.js";
import { UserError } from "../../core/errors.js";

export interface DoctorReport {
  node: string;
  addon: string;
  torchVersion: string;
  cudaBuild: boolean;
  blas: string[];
  threads: number;
  cores: number;
  /** CPUs this process may use (affinity, cgroup quota) */
  usableCpus: number;
  mallocTuned: boolean;
  /** tcmalloc preloaded by the plmscale launcher (or by the user) */
  tcmalloc: boolean;
  attention: string;
  fusedAdamW: boolean;
  cuda: { available: boolean; devices: number; memory?: { allocated: number; reserved: number } };
  config: string;
}

/** Shared libraries of BLAS flavours mapped into this process (Debian resolves libblas.so.3 by alternatives). */
function loadedBlas(): string[] {
  try {
    const maps = readFileSync("/proc/self/maps", "utf8");
    const libs = new Set<string>();
    for (const line of maps.split("\n")) {
      const m = /\s(\/\S*(?:openblas|mkl|blis|libblas|atlas)\S*\.so[.\d]*)$/.exec(line);
      if (m) libs.add(m[1]!);
    }
    return [...libs];
  } catch {
    return [];
  }
}

/** Why the engine cannot load, and how to fix it: where the addon was looked for and how to build it. */
function engineMissing(addonPath: string, why: string): UserError {
  const from = process.env.PLMSCALE_ADDON ? " (from PLMSCALE_ADDON)" : "";
  const lines = existsSync(addonPath)
    ? [`the native addon at ${addonPath}${from} exists but does not load: ${why}`, "Rebuild it against the libtorch on this machine:"]
    : [`the native addon is not built: no file at ${addonPath}${from}.`, "Build it (a C++ compiler and libtorch are needed: Debian's libtorch-dev, or LIBTORCH=<dir> / a Python torch for CUDA):"];
  return new UserError([...lines, "  bash scripts/build-native.sh    (or: npm run setup)", "Commands that need no tensors (plan, fit, report, sweep design|status|fit) work without it."].join("\n"), 3);
}

export async function doctor(): Promise<DoctorReport> {
  const { addonPath, loadNative } = await import("../../torch/native.js");
  try {
    loadNative();
  } catch (e) {
    throw engineMissing(addonPath, (e as Error).message);
  }
  const torch = await import("../../torch/index.js");
  const info = torch.buildInfo();
  const available = torch.cuda.isAvailable();
  const devices = available ? torch.cuda.deviceCount() : 0;
  let memory: DoctorReport["cuda"]["memory"];
  if (available && info.cudaBuild) {
    const m = torch.cuda.memoryStats(0);
    memory = { allocated: m.allocated, reserved: m.reserved };
  }
  return {
    node: process.version,
    addon: addonPath,
    torchVersion: info.torchVersion,
    cudaBuild: info.cudaBuild,
    blas: loadedBlas(),
    threads: torch.getNumThreads(),
    cores: availableParallelism(),
    usableCpus: torch.usableCpus(torch.readCpuFacts()),
    mallocTuned: info.mallocTuned,
    tcmalloc: (process.env.LD_PRELOAD ?? "").includes("tcmalloc"),
    attention: torch.F.attentionImpl(),
    fusedAdamW: torch.hasOp("_fused_adamw_"),
    cuda: { available, devices, ...(memory ? { memory } : {}) },
    config: info.config,
  };
}

export default defineRun({
  async run(args) {
    const r = await doctor();
    return args.values.verbose ? r : { ...r, config: r.config.split("\n").find((l) => l.includes("BLAS_INFO"))?.trim() ?? "" };
  },
  human(r, io) {
    const row = (k: string, v: string) => io.out(`${k.padEnd(12)} ${v}`);
    row("node", r.node);
    row("addon", `${r.addon}${existsSync(r.addon) ? "" : " (missing)"}`);
    row("libtorch", `${r.torchVersion} (${r.cudaBuild ? "CUDA build" : "CPU build"})`);
    row("BLAS", r.blas.length ? r.blas.join(", ") : "(none found in process maps)");
    row("threads", `${r.threads} intra-op (${r.usableCpus} usable of ${r.cores} cores)`);
    row("malloc", r.tcmalloc ? "tcmalloc (preloaded by the plmscale launcher; PLMSCALE_MALLOC=default for glibc)" : r.mallocTuned ? "raised mmap/trim thresholds (set PLMSCALE_MALLOC=default to disable)" : "glibc defaults");
    row("attention", r.attention);
    row("AdamW", r.fusedAdamW ? "fused (_fused_adamw_)" : "foreach");
    row("CUDA", r.cuda.available ? `${r.cuda.devices} device(s)` : "not available");
    if (r.config.includes("\n")) io.out(r.config);
  },
});

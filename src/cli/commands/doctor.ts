// plmscale doctor: what the engine found — addon, libtorch version and build, BLAS, threads, allocator, CUDA.
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { defineCommand } from "../command.js";
import { UserError } from "../../core/errors.js";

export interface DoctorReport {
  node: string;
  addon: string;
  torchVersion: string;
  cudaBuild: boolean;
  blas: string[];
  threads: number;
  cores: number;
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

export async function doctor(): Promise<DoctorReport> {
  let torch: typeof import("../../torch/index.js");
  try {
    torch = await import("../../torch/index.js");
  } catch (e) {
    throw new UserError(`the native engine is not usable: ${(e as Error).message}\nBuild it with 'npm run setup' (or 'bash scripts/build-native.sh').`, 3);
  }
  const { addonPath } = await import("../../torch/native.js");
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
    mallocTuned: info.mallocTuned,
    tcmalloc: (process.env.LD_PRELOAD ?? "").includes("tcmalloc"),
    attention: torch.F.attentionImpl(),
    fusedAdamW: torch.hasOp("_fused_adamw_"),
    cuda: { available, devices, ...(memory ? { memory } : {}) },
    config: info.config,
  };
}

export const doctorCommand = defineCommand({
  name: "doctor",
  summary: "show what the tensor engine found (libtorch, BLAS, threads, allocator, CUDA)",
  usage: ["[--verbose] [--json]"],
  description: `Loads the native addon and reports the libtorch version and build flavour, the BLAS library in use,
intra-op threads (PLMSCALE_THREADS), whether malloc thresholds are raised (PLMSCALE_MALLOC=default
turns that off), the attention and AdamW implementations chosen by probing, and CUDA devices.
When the addon is missing it says where it looked and how to build it (exit code 3).`,
  options: { verbose: { type: "boolean", description: "also print libtorch's build configuration" } },
  examples: ["plmscale doctor"],
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
    row("threads", `${r.threads} intra-op (${r.cores} cores)`);
    row("malloc", r.tcmalloc ? "tcmalloc (preloaded by the plmscale launcher; PLMSCALE_MALLOC=default for glibc)" : r.mallocTuned ? "raised mmap/trim thresholds (set PLMSCALE_MALLOC=default to disable)" : "glibc defaults");
    row("attention", r.attention);
    row("AdamW", r.fusedAdamW ? "fused (_fused_adamw_)" : "foreach");
    row("CUDA", r.cuda.available ? `${r.cuda.devices} device(s)` : "not available");
    if (r.config.includes("\n")) io.out(r.config);
  },
});

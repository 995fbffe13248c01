// Runtime and device facts: threads, seed, CUDA queries, memory statistics, autocast (bf16 on GPU).
import { native, whenNativeLoaded } from "./native.js";
import { chooseThreads, readCpuFacts, warnBusyOnce, type ThreadChoice } from "./threads.js";
import { UserError } from "../core/errors.js";
import { dtypeCode, dtypeFromCode, type DType } from "./dtype.js";

export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (device?: number): void => native.cudaSynchronize(device),
  /** bytes currently allocated / reserved by the caching allocator, and their peaks (CUDA builds only) */
  memoryStats: (device = 0, resetPeak = false) => native.cudaMemoryStats(device, resetPeak),
  emptyCache: (): void => native.cudaEmptyCache(),
};

/**
 * Run fn with CUDA autocast (mixed precision; bf16 by default), like `with torch.autocast("cuda", dtype)`.
 * Synchronous only; the previous state is restored even when fn throws.
 */
export function autocast<T>(fn: () => T, dtype: DType = "bfloat16"): T {
  const [prevOn, prevDt] = native.setAutocast(true, dtypeCode(dtype));
  try {
    return fn();
  } finally {
    native.setAutocast(prevOn, prevDt);
  }
}

export function autocastState(): { enabled: boolean; dtype: DType } {
  const [on, dt] = native.setAutocast(false, dtypeCode("bfloat16"));
  native.setAutocast(on, dt);
  return { enabled: on, dtype: dtypeFromCode(dt) };
}

/**
 * The one check that CUDA is there, before anything runs on it: one line naming what was asked (`what`, e.g.
 * "--device cuda") and why it cannot be had — a CPU-only build of the addon, or no visible GPU. Exit 2 for a
 * flag (a usage error), 1 for a device read from a run's config.
 */
export function requireCuda(what: string, exitCode = 2): void {
  if (native.cudaIsAvailable()) return;
  const why = native.buildInfo().cudaBuild
    ? "no CUDA device is visible to this process (check the driver and CUDA_VISIBLE_DEVICES)"
    : "this plmscale addon was built against a CPU-only libtorch (rebuild it with LIBTORCH=<a CUDA PyTorch install>, or use --device cpu)";
  throw new UserError(`${what}: CUDA is not available: ${why}`, exitCode);
}

export function buildInfo() {
  return native.buildInfo();
}

/**
 * Choose and set the thread count (chooseThreads: `asked` > 0, PLMSCALE_THREADS, OMP_NUM_THREADS, else from the
 * usable CPUs, the load and the model's width), warning once when the machine is busier than its CPUs.
 */
export function applyThreads(o: { asked?: number; dModel?: number; warn?: (line: string) => void } = {}): ThreadChoice {
  const c = chooseThreads({ asked: o.asked, dModel: o.dModel, facts: readCpuFacts() });
  native.setNumThreads(c.threads);
  warnBusyOnce(c, o.warn);
  return c;
}

// The default when the addon loads (not when this module is imported: importing torch/ must not load libtorch);
// a model's width refines it in train and loadModel.
whenNativeLoaded((n) => n.setNumThreads(chooseThreads({ facts: readCpuFacts() }).threads));

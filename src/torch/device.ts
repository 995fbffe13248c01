// Runtime and device facts: threads, seed, CUDA queries, memory statistics, autocast (bf16 on GPU).
import { availableParallelism } from "node:os";
import { native, whenNativeLoaded } from "./native.js";
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

export function buildInfo() {
  return native.buildInfo();
}

// Default thread count: every core Node reports, unless PLMSCALE_THREADS says otherwise. Set when the addon
// loads, not when this module is imported: importing torch/ must not load libtorch (plan, fit, report).
const envThreads = Number(process.env.PLMSCALE_THREADS ?? "");
whenNativeLoaded((n) => n.setNumThreads(Number.isInteger(envThreads) && envThreads > 0 ? envThreads : availableParallelism()));

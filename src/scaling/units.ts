// Compute units: FLOPs ↔ PF-days ↔ GPU-hours at a stated model-FLOPs utilisation (MFU).

/** Peak dense bf16 tensor throughput, FLOP/s (vendor datasheets, without structured sparsity), and memory
 * (GB = 1e9 bytes as datasheets state it; the A100 entry is the 80 GB model). */
export const GPUS: Record<string, { label: string; peakFlops: number; memoryGB: number }> = {
  h100: { label: "NVIDIA H100 SXM", peakFlops: 989e12, memoryGB: 80 },
  "h100-pcie": { label: "NVIDIA H100 PCIe", peakFlops: 756e12, memoryGB: 80 },
  h200: { label: "NVIDIA H200 SXM", peakFlops: 989e12, memoryGB: 141 },
  a100: { label: "NVIDIA A100 SXM/PCIe", peakFlops: 312e12, memoryGB: 80 },
  l40s: { label: "NVIDIA L40S", peakFlops: 362e12, memoryGB: 48 },
  b200: { label: "NVIDIA B200", peakFlops: 2250e12, memoryGB: 192 },
  mi250x: { label: "AMD MI250X", peakFlops: 383e12, memoryGB: 128 },
  mi300x: { label: "AMD MI300X", peakFlops: 1307e12, memoryGB: 192 },
};

export const SECONDS_PER_DAY = 86_400;
/** 1 PF-day = 1e15 FLOP/s for a day = 8.64e19 FLOPs (the released fits' reference compute). */
export const PF_DAY = 1e15 * SECONDS_PER_DAY;

export function gpuPeak(gpu: string): number {
  const g = GPUS[gpu.toLowerCase()];
  if (!g) throw new Error(`unknown GPU '${gpu}' (known: ${Object.keys(GPUS).join(", ")})`);
  return g.peakFlops;
}

function checkMfu(mfu: number): void {
  if (!(mfu > 0 && mfu <= 1)) throw new RangeError(`MFU must be in (0, 1], got ${mfu}`);
}

export function flopsToPfDays(C: number): number {
  return C / PF_DAY;
}

export function pfDaysToFlops(pfDays: number): number {
  return pfDays * PF_DAY;
}

/** GPU-hours to deliver C FLOPs on `gpu` at utilisation `mfu`. */
export function flopsToGpuHours(C: number, gpu: string, mfu: number): number {
  checkMfu(mfu);
  return C / (gpuPeak(gpu) * mfu * 3600);
}

/** FLOPs delivered by `hours` GPU-hours on `gpu` at utilisation `mfu`. */
export function gpuHoursToFlops(hours: number, gpu: string, mfu: number): number {
  checkMfu(mfu);
  if (!(hours > 0)) throw new RangeError(`GPU-hours must be positive, got ${hours}`);
  return hours * 3600 * gpuPeak(gpu) * mfu;
}

/** Wall-clock seconds for C FLOPs on `gpus` GPUs at utilisation `mfu`. */
export function wallSeconds(C: number, gpu: string, mfu: number, gpus = 1): number {
  return (flopsToGpuHours(C, gpu, mfu) * 3600) / gpus;
}

// Loads the native addon (native/build/plmscale.node) and declares its raw interface. Everything here
// speaks in integer tensor handles; src/torch/tensor.ts wraps them in Tensor objects.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export interface NativeAddon {
  fromBuffer(data: ArrayBufferView, dtype: number, shape: number[]): number;
  toBuffer(h: number): ArrayBuffer;
  release(h: number): void;
  isValid(h: number): boolean;
  liveTensorCount(): number;
  shape(h: number): number[];
  /** [dtypeCode, deviceType, deviceIndex, requiresGrad] */
  meta(h: number): [number, string, number, boolean];
  item(h: number): number | boolean;
  /** release handle h when obj is garbage-collected (leak backstop) */
  track(obj: object, h: number): void;
  /** Test hook: handle-generation limits; with `gen`, first sets every free slot's generation to gen. */
  debugHandleGenerations(gen?: number): { maxGeneration: number; retiredSlots: number; freeSlots: number };
  resolveOp(name: string, overload: string): number;
  schemaOf(id: number): string;
  callOp(id: number, ...args: unknown[]): any;
  opCount(): number;
  setRequiresGrad(h: number, flag: boolean): void;
  backward(h: number, grad: number | null, retainGraph: boolean): void;
  grad(h: number): number | null;
  setGrad(h: number, grad: number | null): void;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  setAutocast(enabled: boolean, dtype: number): [boolean, number];
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(device?: number): void;
  cudaMemoryStats(device?: number, resetPeak?: boolean): { allocated: number; allocatedPeak: number; reserved: number; reservedPeak: number };
  cudaEmptyCache(): void;
  buildInfo(): { torchVersion: string; cudaBuild: boolean; mallocTuned: boolean; config: string; parallelInfo: string };
}

/** Repository root (this file is src/torch/native.ts, compiled to dist/src/torch/native.js). */
function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, "package.json")) && existsSync(join(d, "native"))) return d;
    d = dirname(d);
  }
  return process.cwd();
}

export const addonPath = process.env.PLMSCALE_ADDON ?? join(repoRoot(), "native", "build", "plmscale.node");

function load(): NativeAddon {
  if (!existsSync(addonPath)) {
    throw new Error(`plmscale native addon not found at ${addonPath}: run 'bash scripts/build-native.sh' (or 'npm run setup')`);
  }
  const require = createRequire(import.meta.url);
  return require(addonPath) as NativeAddon;
}

export const native: NativeAddon = load();

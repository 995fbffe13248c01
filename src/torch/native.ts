// The native addon (native/build/plmscale.node), loaded on first use, and its raw interface. Everything here
// speaks in integer tensor handles; src/torch/tensor.ts wraps them in Tensor objects.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { ompWaitEnv } from "./threads.js";

export interface NativeAddon {
  fromBuffer(data: ArrayBufferView, dtype: number, shape: number[]): number;
  toBuffer(h: number): ArrayBuffer;
  release(h: number): void;
  /** release the first `count` handles of the array (default all) in one call; stale ones are skipped */
  releaseMany(handles: Float64Array, count?: number): void;
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
  // c10d (native/src/distributed.cc; src/torch/distributed.ts wraps these). Ids are plain numbers.
  distAvailable(): boolean;
  distStoreCreate(kind: "file" | "tcp", pathOrHost: string, port: number, worldSize: number, isServer: boolean, timeoutMs: number): number;
  distStoreSet(store: number, key: string, value: string): void;
  distStoreGet(store: number, key: string): string;
  distStoreAdd(store: number, key: string, delta: number): number;
  distGroupCreate(store: number, rank: number, worldSize: number, timeoutMs: number, backend: string, host: string): number;
  /** each returns a work id when async, else waits (throws "rank r/W op failed: …") */
  distAllReduce(group: number, h: number, op: string, async: boolean, timeoutMs: number): number | undefined;
  distBroadcast(group: number, h: number, root: number, async: boolean, timeoutMs: number): number | undefined;
  distAllGather(group: number, outputs: number[], input: number, async: boolean, timeoutMs: number): number | undefined;
  distReduceScatter(group: number, output: number, inputs: number[], op: string, async: boolean, timeoutMs: number): number | undefined;
  distBarrier(group: number, async: boolean, timeoutMs: number): number | undefined;
  distWait(work: number, timeoutMs: number): void;
  distIsCompleted(work: number): boolean;
  distDestroy(id: number): void;
  /** blasThreads: OpenBLAS's thread count (set with setNumThreads), -1 when this process has no OpenBLAS */
  buildInfo(): { torchVersion: string; cudaBuild: boolean; mallocTuned: boolean; config: string; parallelInfo: string; blasThreads: number };
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

/** The one message for a missing addon (doctor and the first tensor call both show it). */
export function addonMissingMessage(path = addonPath): string {
  return `plmscale native addon not found at ${path}: run 'bash scripts/build-native.sh' (or 'npm run setup')`;
}

let loaded: NativeAddon | undefined;
const onLoad: ((addon: NativeAddon) => void)[] = [];

/** Run `f` with the addon once it is loaded (now, if it already is): settings that must not load it themselves. */
export function whenNativeLoaded(f: (addon: NativeAddon) => void): void {
  if (loaded) f(loaded);
  else onLoad.push(f);
}

/** Load the addon now (idempotent); throws with addonMissingMessage when it is not built. */
export function loadNative(): NativeAddon {
  if (loaded) return loaded;
  if (!existsSync(addonPath)) throw new Error(addonMissingMessage());
  // libgomp reads its wait policy once, when libtorch loads with the addon
  Object.assign(process.env, ompWaitEnv());
  const require = createRequire(import.meta.url);
  loaded = require(addonPath) as NativeAddon;
  // From now on every method of `native` is the addon's own function: no indirection on the hot path.
  for (const k of METHODS) (native as unknown as Record<string, unknown>)[k] = loaded[k];
  for (const f of onLoad.splice(0)) f(loaded);
  return loaded;
}

/** True once the addon has been loaded into this process (commands that never need it must leave it false). */
export function nativeLoaded(): boolean {
  return loaded !== undefined;
}

// Every method of NativeAddon, checked by the compiler in both directions (a missing or extra key fails tsc).
const METHOD_SET = {
  fromBuffer: 1, toBuffer: 1, release: 1, releaseMany: 1, isValid: 1, liveTensorCount: 1, shape: 1, meta: 1, item: 1, track: 1,
  resolveOp: 1, schemaOf: 1, callOp: 1, opCount: 1, setRequiresGrad: 1, backward: 1, grad: 1, setGrad: 1,
  setGradEnabled: 1, isGradEnabled: 1, setAutocast: 1, setNumThreads: 1, getNumThreads: 1, manualSeed: 1,
  cudaIsAvailable: 1, cudaDeviceCount: 1, cudaSynchronize: 1, cudaMemoryStats: 1, cudaEmptyCache: 1, buildInfo: 1,
  debugHandleGenerations: 1,
  distAvailable: 1, distStoreCreate: 1, distStoreSet: 1, distStoreGet: 1, distStoreAdd: 1, distGroupCreate: 1,
  distAllReduce: 1, distBroadcast: 1, distAllGather: 1, distReduceScatter: 1, distBarrier: 1, distWait: 1,
  distIsCompleted: 1, distDestroy: 1,
} satisfies Record<keyof NativeAddon, 1>;
const METHODS = Object.keys(METHOD_SET) as (keyof NativeAddon)[];

/**
 * The addon as a lazily resolved handle: importing torch/ loads nothing, so commands that never touch a tensor
 * (plan, fit, report, --help) run without libtorch. The first call of any method loads the addon (or throws the
 * "not found … build-native.sh" error) and replaces every stub by the real function.
 */
export const native: NativeAddon = Object.fromEntries(
  METHODS.map((k) => [k, (...args: unknown[]) => (loadNative()[k] as (...a: unknown[]) => unknown)(...args)]),
) as unknown as NativeAddon;

// Allocator choice. Measured in bench:engine (docs/BENCHMARKS.md): glibc malloc page-faulted large training
// buffers in afresh on every step until the addon's mallopt at load also disabled mmap (M_MMAP_MAX=0, issue 14);
// since then glibc and tcmalloc (Debian libtcmalloc-minimal4) are within ~5% on the CPU training step, where
// tcmalloc had been ~2× cheaper. tcmalloc must be in place before the process starts (LD_PRELOAD), so a
// launcher re-executes node with it: see `preloadEnv()`; PLMSCALE_MALLOC=default (or glibc) keeps glibc.
import { existsSync } from "node:fs";

const CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
  "/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4",
  "/usr/lib64/libtcmalloc_minimal.so.4",
];

/** Path of tcmalloc's shared library on this machine, or null. */
export function tcmallocPath(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** True when this process already runs with tcmalloc preloaded. */
export function usingTcmalloc(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.LD_PRELOAD ?? "").includes("tcmalloc");
}

/**
 * Environment for a child process (or a re-exec of this one) that should run with tcmalloc, or null when
 * tcmalloc is missing, already preloaded, or PLMSCALE_MALLOC asks for glibc.
 */
export function preloadEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | null {
  const mode = env.PLMSCALE_MALLOC;
  if (mode === "default" || mode === "glibc" || usingTcmalloc(env)) return null;
  const lib = tcmallocPath();
  if (!lib) return null;
  return { ...env, LD_PRELOAD: env.LD_PRELOAD ? `${lib}:${env.LD_PRELOAD}` : lib };
}

/**
 * glibc's environment tunables equal to the mallopt() settings the addon applies at load (native/src/addon.cc):
 * for a peer process (a Python benchmark) that should run under the same allocator settings as plmscale.
 */
export const TUNED_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(1024 * 1024 * 1024),
  MALLOC_MMAP_MAX_: "0",
};

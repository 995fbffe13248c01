#!/usr/bin/env node
// The `plmscale` executable. Before anything loads libtorch it re-executes node with tcmalloc preloaded
// (Debian libtcmalloc-minimal4), which bench:engine measured at ~2× less CPU per training step than glibc malloc
// under Node (docs/BENCHMARKS.md). PLMSCALE_MALLOC=default keeps glibc; without tcmalloc nothing changes.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { preloadEnv } from "../torch/allocator.js";
import { parentWatchEnv } from "../core/parent-watch.js";

const env = preloadEnv();
if (env) {
  const mainPath = fileURLToPath(new URL("./main.js", import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, mainPath, ...process.argv.slice(2)], { stdio: "inherit", env: { ...env, ...parentWatchEnv() } });
  // Ctrl-C reaches the child through the terminal's process group; the launcher only waits for it.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      if (sig !== "SIGINT") child.kill(sig);
    });
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
  child.on("error", (e) => {
    console.error(`plmscale: could not start node: ${e.message}`);
    process.exit(1);
  });
} else {
  const { main } = await import("./main.js");
  process.exit(await main(process.argv.slice(2)));
}

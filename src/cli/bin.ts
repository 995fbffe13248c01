#!/usr/bin/env node
// The `plmscale` executable. Before a command that runs libtorch (its declaration says `engine: true`) loads it,
// the launcher re-executes node with tcmalloc preloaded (Debian libtcmalloc-minimal4), which bench:engine measured
// at ~2× less CPU per training step than glibc malloc under Node (docs/BENCHMARKS.md). PLMSCALE_MALLOC=default
// keeps glibc; without tcmalloc nothing changes. Commands without the engine (plan, fit, --help) run in this
// process: one node start-up instead of two.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { preloadEnv } from "../torch/allocator.js";
import { findCommand } from "./registry.js";
import { parentWatchEnv } from "../core/parent-watch.js";

const argv = process.argv.slice(2);
const needsEngine = findCommand(argv)?.cmd.engine === true && !argv.includes("--help") && !argv.includes("-h");
const env = needsEngine ? preloadEnv() : null;
if (env) {
  const mainPath = fileURLToPath(new URL("./main.js", import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, mainPath, ...argv], { stdio: "inherit", env: { ...env, ...parentWatchEnv() } });
  // Every signal is forwarded: `kill -INT PID`, `timeout -s INT` and job supervisors signal this PID only. A
  // terminal's Ctrl-C reaches the child twice (its process group, and from here); main.ts counts SIGINTs that
  // arrive within a second of each other as one.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      child.kill(sig);
    });
  }
  // a child killed by a signal exits as a shell reports it: 128 + the signal number (SIGINT 130, SIGKILL 137)
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  child.on("error", (e) => {
    console.error(`plmscale: could not start node: ${e.message}`);
    process.exit(1);
  });
} else {
  const { runProcess } = await import("./main.js");
  await runProcess(argv);
}

// Child tools (mmseqs, mkdssp, blastdbcmd) stop with their parent. Each is spawned as the leader of its own
// process group (mmseqs's workflows start further mmseqs processes), tracked while it runs, and its whole group
// is SIGKILLed when this process exits (any path through process.exit or the end of the event loop) or is
// stopped by SIGTERM/SIGHUP/SIGINT (the handlers are installed only while a child runs, then the signal is
// raised again so the exit status is what it would have been). Not covered: the parent's own SIGKILL, which no
// handler sees; the child then runs to its end.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

const running = new Set<ChildProcess>();
const SIGNALS = ["SIGTERM", "SIGHUP"] as const;

function killAll(): void {
  for (const c of running) {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  killAll();
  uninstall();
  // without a handler of ours left, the default action (or main.ts's handler) takes over
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}
const handlers = new Map(SIGNALS.map((s) => [s, () => onSignal(s)] as const));

function install(): void {
  process.on("exit", killAll);
  for (const [s, h] of handlers) process.on(s, h);
}
function uninstall(): void {
  process.off("exit", killAll);
  for (const [s, h] of handlers) process.off(s, h);
}

/** spawn(), with the child (and every process it starts) stopped when this process exits or is signalled. */
export function spawnTool(command: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...opts, detached: true });
  if (running.size === 0) install();
  running.add(child);
  const forget = () => {
    running.delete(child);
    if (running.size === 0) uninstall();
  };
  child.on("exit", forget);
  child.on("error", forget);
  // an abort (Ctrl-C) stops the whole group, not only its leader
  opts.signal?.addEventListener("abort", () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, { once: true });
  return child;
}

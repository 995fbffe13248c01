// A child plmscale process that must not outlive the process that started it (the launcher in bin.ts, or a
// sweep pool): the parent passes its PID in PLMSCALE_PARENT_PID, and the child polls its own parent PID. When
// the parent dies — even by SIGKILL, which it cannot forward — the child is re-parented and notices within
// `intervalMs`, then stops the way Ctrl-C stops it (finish the step, checkpoint, release the run lock).
// Polling rather than prctl(PR_SET_PDEATHSIG): no native code before the addon loads, and it also works
// for a parent that is a thread-less Node process on any Linux.
export const PARENT_ENV = "PLMSCALE_PARENT_PID";

/** Env entries a parent adds to a child that must stop when the parent dies. */
export function parentWatchEnv(): Record<string, string> {
  return { [PARENT_ENV]: String(process.pid) };
}

/**
 * Start watching when PLMSCALE_PARENT_PID names our parent; onGone runs once when the parent is gone.
 * Returns a function that stops the watch.
 */
export function watchParent(onGone: (parentPid: number) => void, intervalMs = 500): () => void {
  const expected = Number(process.env[PARENT_ENV]);
  if (!Number.isInteger(expected) || expected <= 1 || process.ppid !== expected) return () => {};
  const timer = setInterval(() => {
    if (process.ppid === expected) return;
    clearInterval(timer);
    onGone(expected);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

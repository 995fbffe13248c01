// One writer per run (and one executor per sweep point): an advisory lock file taken atomically with
// O_CREAT|O_EXCL, holding who owns it, refreshed by a heartbeat. A lock whose owner is gone is stale and is
// taken over with a message. "Gone" does not rest on a PID alone (docs/RELIABILITY.md):
//   same host   — the PID does not exist, is a zombie, or now belongs to a process started at another time
//                 (PID reuse: /proc/PID/stat field 22, the start time in clock ticks since boot);
//   other host  — the heartbeat (the lock file's mtime) is older than `staleMs`: we cannot see its processes.
// A takeover is serialised by a short-lived second file (LOCK.takeover), so two processes that both find the
// same stale lock cannot both win.
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { UserError } from "./errors.js";

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken */
  since: string;
  /** /proc start time of the owner (Linux), to tell a reused PID from the owner */
  pidStart: string | null;
  /** what holds it, e.g. "plmscale train" */
  what: string;
  /** random token: release() removes only its own lock */
  token: string;
}

export type LockState =
  | { state: "free" }
  | { state: "held"; owner: LockOwner }
  | { state: "stale"; owner: LockOwner | null; why: string };

export interface LockOptions {
  /** what is locked, for messages: "run runs/clm-tiny" */
  resource: string;
  /** what takes the lock, recorded in it and shown to a refused second writer: "plmscale train" */
  what: string;
  /** ms between heartbeats (default 10 s) */
  heartbeatMs?: number;
  /** a lock from another host whose heartbeat is older than this is stale (default 60 s) */
  staleMs?: number;
  /** told when a stale lock is taken over */
  onTakeover?: (message: string) => void;
}

export interface Lock {
  readonly path: string;
  readonly owner: LockOwner;
  release(): void;
}

/** Raised when another live process holds the lock; the message says who. */
export class LockHeldError extends UserError {
  constructor(readonly path: string, readonly owner: LockOwner, resource: string) {
    super(`${resource} in use by PID ${owner.pid} on ${owner.host} since ${owner.since} (${owner.what}; lock file ${path})`);
    this.name = "LockHeldError";
  }
}

/** The start time of a local process (field 22 of /proc/PID/stat), null where /proc is not there. */
export function processStartTime(pid: number): string | null {
  const s = procStat(pid);
  if (!s) return null;
  return s.fields[19] ?? null; // fields after "(comm) ": [0]=state … [19]=starttime (field 22 overall)
}

function procStat(pid: number): { state: string; fields: string[] } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: the fields start after the LAST ')'
  const fields = text.slice(text.lastIndexOf(")") + 2).trim().split(/\s+/);
  return { state: fields[0] ?? "?", fields };
}

/** Is a process on this host alive, and still the one that was recorded? Zombies count as dead. */
export function localOwnerAlive(pid: number, pidStart: string | null): { alive: boolean; why: string } {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return { alive: false, why: `process ${pid} no longer exists` };
  }
  const st = procStat(pid);
  if (!st) return { alive: true, why: "alive (no /proc to inspect)" };
  if (st.state === "Z" || st.state === "X") return { alive: false, why: `process ${pid} is a zombie (exited, not yet reaped)` };
  if (pidStart !== null && st.fields[19] !== pidStart) return { alive: false, why: `PID ${pid} now belongs to another process` };
  return { alive: true, why: "alive" };
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    return typeof o.pid === "number" && typeof o.host === "string" ? o : null;
  } catch {
    return null;
  }
}

/** What a lock file says now, judged as acquireLock judges it. */
export function inspectLock(path: string, staleMs = 60_000): LockState {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return { state: "free" };
  }
  const owner = readOwner(path);
  if (!owner) {
    // a lock file is written in one write right after creation; give a writer a moment before calling it torn
    return Date.now() - mtimeMs > 5_000 ? { state: "stale", owner: null, why: "the lock file is unreadable" } : { state: "held", owner: unknownOwner() };
  }
  if (owner.host === hostname()) {
    const live = localOwnerAlive(owner.pid, owner.pidStart);
    return live.alive ? { state: "held", owner } : { state: "stale", owner, why: live.why };
  }
  const age = Date.now() - mtimeMs;
  return age > staleMs
    ? { state: "stale", owner, why: `no heartbeat from ${owner.host} for ${Math.round(age / 1000)} s` }
    : { state: "held", owner };
}

function unknownOwner(): LockOwner {
  return { pid: -1, host: "?", since: "?", pidStart: null, what: "a process still writing the lock", token: "" };
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(owner) + "\n");
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Take over a stale lock under the takeover guard; true when the stale file was removed by us. */
function removeStale(path: string, seen: LockOwner | null, staleMs: number): boolean {
  const guard = `${path}.takeover`;
  const me: LockOwner = { ...newOwner("takeover"), token: randomBytes(8).toString("hex") };
  if (!tryCreate(guard, me)) {
    // a guard left by a taker that died mid-takeover expires after a few seconds
    try {
      if (Date.now() - statSync(guard).mtimeMs > 10_000) unlinkSync(guard);
    } catch { /* gone meanwhile */ }
    return false;
  }
  try {
    const now = inspectLock(path, staleMs);
    if (now.state !== "stale") return now.state === "free";
    if ((now.owner?.token ?? null) !== (seen?.token ?? null)) return false; // changed hands meanwhile
    const aside = `${path}.stale-${process.pid}`;
    renameSync(path, aside);
    unlinkSync(aside);
    return true;
  } finally {
    try { unlinkSync(guard); } catch { /* ignore */ }
  }
}

function newOwner(what: string): LockOwner {
  return {
    pid: process.pid, host: hostname(), since: new Date().toISOString(), pidStart: processStartTime(process.pid),
    what, token: randomBytes(12).toString("hex"),
  };
}

/**
 * Take the lock at `path` or throw LockHeldError naming its owner. A stale lock is taken over (onTakeover says
 * whose it was and why it was judged dead). The heartbeat keeps the file's mtime fresh until release().
 */
export function acquireLock(path: string, o: LockOptions): Lock {
  const owner = newOwner(o.what);
  const staleMs = o.staleMs ?? 60_000;
  for (let tries = 0; tries < 5; tries++) {
    if (tryCreate(path, owner)) return heldLock(path, owner, o.heartbeatMs ?? 10_000);
    const st = inspectLock(path, staleMs);
    if (st.state === "held") throw new LockHeldError(path, st.owner, o.resource);
    if (st.state === "stale") {
      if (removeStale(path, st.owner, staleMs)) {
        const who = st.owner ? `PID ${st.owner.pid} on ${st.owner.host} since ${st.owner.since}` : "an unknown owner";
        o.onTakeover?.(`taking over a stale lock ${path} held by ${who}: ${st.why}`);
      }
    }
    // free, or someone else is taking over: try again
  }
  const last = inspectLock(path, staleMs);
  throw new LockHeldError(path, last.state === "held" ? last.owner : unknownOwner(), o.resource);
}

function heldLock(path: string, owner: LockOwner, heartbeatMs: number): Lock {
  const beat = setInterval(() => {
    const t = new Date();
    try { utimesSync(path, t, t); } catch { /* removed under us: release() reports nothing either */ }
  }, heartbeatMs);
  beat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(beat);
    process.off("exit", release);
    // remove only our own lock: a takeover after a long stall may have given it to someone else
    if (readOwner(path)?.token === owner.token) {
      try { unlinkSync(path); } catch { /* already gone */ }
    }
  };
  process.on("exit", release);
  return { path, owner, release };
}

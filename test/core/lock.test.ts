// The run lock with real processes: a second writer is refused, dead owners (killed, zombie, reused PID,
// silent other host) are taken over, and two takers of one stale lock cannot both win.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { acquireLock, inspectLock, LockHeldError, processStartTime, type LockOwner } from "../../src/core/lock.js";

const lockModule = fileURLToPath(new URL("../../src/core/lock.js", import.meta.url));

/** A script that takes the lock at argv[2], prints "locked <pid>" (or "refused <message>"), then idles. */
function takerScript(dir: string): string {
  const p = join(dir, "take.mjs");
  writeFileSync(p, `
import { acquireLock } from ${JSON.stringify(lockModule)};
try {
  acquireLock(process.argv[2], { resource: "run X", what: "test taker", onTakeover: (m) => console.log("takeover " + m) });
  console.log("locked " + process.pid);
  // argv[4] == "die": end by SIGKILL after the idle time, leaving the lock file behind as a crash would
  setTimeout(() => { if (process.argv[4] === "die") process.kill(process.pid, "SIGKILL"); }, Number(process.argv[3] ?? 60000));
} catch (e) { console.log("refused " + e.message); }
`);
  return p;
}

function waitLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`no '${prefix}' line; got: ${buf}`)), 20_000);
    child.stdout!.on("data", (b: Buffer) => {
      buf += b.toString();
      const line = buf.split("\n").find((l) => l.startsWith(prefix));
      if (line) { clearTimeout(timer); resolve(line); }
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r())));
}

function fresh(): { dir: string; lock: string } {
  const dir = mkdtempSync(join(tmpdir(), "plm-lock-"));
  return { dir, lock: join(dir, ".lock") };
}

test("a second process is refused with the owner's PID and host; release frees the lock", async () => {
  const { dir, lock } = fresh();
  const script = takerScript(dir);
  const a = spawn(process.execPath, [script, lock], { stdio: ["ignore", "pipe", "inherit"] });
  const locked = await waitLine(a, "locked ");
  const pid = Number(locked.split(" ")[1]);
  assert.throws(() => acquireLock(lock, { resource: "run X", what: "me" }), (e: unknown) => {
    assert.ok(e instanceof LockHeldError);
    assert.match((e as Error).message, new RegExp(`^run X in use by PID ${pid} on \\S+ since \\d{4}-`));
    return true;
  });
  a.kill("SIGTERM");
  await exited(a);
  // SIGTERM ends node without running 'exit' handlers, so the file stays; it is stale now (process gone)
  const st = inspectLock(lock);
  assert.equal(st.state, "stale");
  const mine = acquireLock(lock, { resource: "run X", what: "me" });
  assert.equal(JSON.parse(readFileSync(lock, "utf8")).pid, process.pid);
  mine.release();
  assert.equal(existsSync(lock), false);
});

test("a lock left by a SIGKILLed owner is taken over with a message naming it", async () => {
  const { dir, lock } = fresh();
  const a = spawn(process.execPath, [takerScript(dir), lock], { stdio: ["ignore", "pipe", "inherit"] });
  const pid = Number((await waitLine(a, "locked ")).split(" ")[1]);
  a.kill("SIGKILL");
  await exited(a);
  const msgs: string[] = [];
  const l = acquireLock(lock, { resource: "run X", what: "me", onTakeover: (m) => msgs.push(m) });
  assert.equal(msgs.length, 1);
  assert.match(msgs[0]!, new RegExp(`held by PID ${pid} .*process ${pid} no longer exists`));
  l.release();
});

test("a zombie owner (exited, not reaped) is dead, not running", async () => {
  const { dir, lock } = fresh();
  // bash starts the taker in the background and then becomes `sleep`, which never reaps it: once the taker
  // exits it stays a zombie until sleep ends
  const script = takerScript(dir);
  const sh = spawn("bash", ["-c", `"${process.execPath}" "${script}" "${lock}" 300 die & exec sleep 20`], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const pid = Number((await waitLine(sh, "locked ")).split(" ")[1]);
    // give the taker time to exit after its 300 ms idle
    for (let i = 0; i < 100 && readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]![0] !== "Z"; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]![0], "Z", "the taker should be a zombie now");
    process.kill(pid, 0); // a PID check alone would call it alive
    const st = inspectLock(lock);
    assert.equal(st.state, "stale");
    assert.match((st as { why: string }).why, /zombie/);
  } finally {
    sh.kill("SIGKILL");
    await exited(sh);
  }
});

function writeOwner(lock: string, o: Partial<LockOwner>): void {
  const base: LockOwner = { pid: process.pid, host: "elsewhere.example", since: "2026-01-01T00:00:00.000Z", pidStart: null, what: "x", token: "t" };
  writeFileSync(lock, JSON.stringify({ ...base, ...o }));
}

test("a live PID that was reused by another process does not keep the lock", () => {
  const { lock } = fresh();
  // our own PID, but a start time that is not ours: the recorded owner died and its PID came back
  writeOwner(lock, { host: hostname(), pid: process.pid, pidStart: "1" });
  assert.ok(processStartTime(process.pid) !== "1");
  const st = inspectLock(lock);
  assert.equal(st.state, "stale");
  writeOwner(lock, { host: hostname(), pid: process.pid, pidStart: processStartTime(process.pid) });
  assert.equal(inspectLock(lock).state, "held");
});

test("another host's lock is held while its heartbeat is fresh and stale after staleMs", () => {
  const { lock } = fresh();
  writeOwner(lock, { host: "node17.cluster", pid: 4242 });
  assert.equal(inspectLock(lock, 60_000).state, "held");
  assert.throws(() => acquireLock(lock, { resource: "run X", what: "me" }), /in use by PID 4242 on node17\.cluster/);
  const old = new Date(Date.now() - 120_000);
  utimesSync(lock, old, old);
  const st = inspectLock(lock, 60_000);
  assert.equal(st.state, "stale");
  assert.match((st as { why: string }).why, /no heartbeat from node17\.cluster for 1[12]\d s/);
  const l = acquireLock(lock, { resource: "run X", what: "me", staleMs: 60_000 });
  l.release();
});

test("the heartbeat refreshes the lock's mtime", async () => {
  const { lock } = fresh();
  const l = acquireLock(lock, { resource: "run X", what: "me", heartbeatMs: 50 });
  const old = new Date(Date.now() - 120_000);
  utimesSync(lock, old, old);
  await new Promise((r) => setTimeout(r, 300));
  l.release();
  // released: file gone; before release its mtime had been refreshed (checked through a second lock below)
  const l2 = acquireLock(lock, { resource: "run X", what: "me", heartbeatMs: 50 });
  utimesSync(lock, old, old);
  await new Promise((r) => setTimeout(r, 300));
  const age = Date.now() - statMtime(lock);
  l2.release();
  assert.ok(age < 5_000, `mtime should be fresh, age ${age} ms`);
});

test("release() leaves a lock that changed hands alone", () => {
  const { lock } = fresh();
  const l = acquireLock(lock, { resource: "run X", what: "me" });
  writeOwner(lock, { host: "other", pid: 1, token: "someone-else" });
  l.release();
  assert.equal(existsSync(lock), true);
});

test("eight processes racing for one stale lock: exactly one wins", async () => {
  const { dir, lock } = fresh();
  writeOwner(lock, { host: "gone.example", pid: 1 });
  const old = new Date(Date.now() - 600_000);
  utimesSync(lock, old, old);
  const script = takerScript(dir);
  const kids = Array.from({ length: 8 }, () => spawn(process.execPath, [script, lock, "3000"], { stdio: ["ignore", "pipe", "inherit"] }));
  const lines = await Promise.all(kids.map((k) => Promise.race([waitLine(k, "locked "), waitLine(k, "refused ")])));
  await Promise.all(kids.map((k) => { k.kill("SIGKILL"); return exited(k); }));
  const winners = lines.filter((l) => l.startsWith("locked "));
  assert.equal(winners.length, 1, lines.join("\n"));
  assert.equal(lines.filter((l) => l.startsWith("refused ")).length, 7);
});

test("the lock is gone after the owner process exits normally", () => {
  const { dir, lock } = fresh();
  const r = spawnSync(process.execPath, [takerScript(dir), lock, "10"], { encoding: "utf8" });
  assert.match(r.stdout, /^locked \d+/);
  assert.equal(existsSync(lock), false);
});

function statMtime(p: string): number {
  return statSync(p).mtimeMs;
}

// `plmscale train … --nproc N`: start N local ranks of the same command and supervise them. Each rank is a
// child `node main.js train …` with RANK / WORLD_SIZE / LOCAL_RANK and a FileStore rendezvous in a fresh
// temporary directory (PLMSCALE_DIST_STORE), in its own process group so that Ctrl-C reaches the launcher
// only, which forwards exactly one SIGINT to every rank (the ranks agree in the next step's all-reduce to stop
// together; rank 0 checkpoints). A rank that exits with an error or dies by a signal stops the job: the others
// see "connection closed by peer" in their next collective at once; any rank still running `killAfterMs`
// later (default 10 s) is SIGKILLed. The first rank to fail is reported with the tail of its stderr.
// Children get PLMSCALE_PARENT_PID, so they stop if the launcher itself is killed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { parentWatchEnv } from "../core/parent-watch.js";
import { STORE_ENV } from "./dist-env.js";

export interface LaunchOptions {
  nproc: number;
  /** the CLI entry (dist/src/cli/main.js) and the arguments after it, without --nproc */
  mainPath: string;
  args: string[];
  /** Ctrl-C of the launcher: forwarded once as SIGINT to every rank */
  signal?: AbortSignal;
  /** after the first failure, SIGKILL ranks still running this much later */
  killAfterMs?: number;
  /** stderr lines of the ranks, prefixed "[rank r] " */
  err?: (line: string) => void;
}

export interface RankExit {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string[];
}

export const DEFAULT_KILL_AFTER_MS = 10_000;

function describeExit(e: RankExit): string {
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

/** Runs the ranks to completion; resolves with each rank's exit, throws UserError naming the first failed rank. */
export async function launchLocal(o: LaunchOptions): Promise<RankExit[]> {
  if (!Number.isInteger(o.nproc) || o.nproc < 1) throw new UserError(`--nproc must be a positive integer, got ${o.nproc}`, 2);
  const err = o.err ?? ((l) => process.stderr.write(l + "\n"));
  const killAfter = o.killAfterMs ?? DEFAULT_KILL_AFTER_MS;
  const dir = mkdtempSync(join(tmpdir(), "plmscale-dist-"));
  const children: ChildProcess[] = [];
  const exits: (RankExit | undefined)[] = new Array(o.nproc).fill(undefined);
  let firstFailure: RankExit | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const killAll = (sig: NodeJS.Signals) => {
    children.forEach((c, r) => {
      if (!exits[r]) c.kill(sig);
    });
  };
  const onExit = () => killAll("SIGKILL"); // the launcher exits (2nd Ctrl-C, uncaught error): no orphans
  process.on("exit", onExit);
  const onAbort = () => killAll("SIGINT");
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const done = Array.from({ length: o.nproc }, (_, rank) => new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, o.mainPath, ...o.args], {
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
        env: {
          ...process.env, ...parentWatchEnv(),
          RANK: String(rank), WORLD_SIZE: String(o.nproc), LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: String(o.nproc),
          [STORE_ENV]: `file:${join(dir, "store")}`,
        },
      });
      children[rank] = child;
      const tail: string[] = [];
      let partial = "";
      child.stderr!.setEncoding("utf8").on("data", (s: string) => {
        const lines = (partial + s).split("\n");
        partial = lines.pop()!;
        for (const l of lines) {
          err(`[rank ${rank}] ${l}`);
          tail.push(l);
          if (tail.length > 20) tail.shift();
        }
      });
      child.on("error", (e) => tail.push(`could not start: ${e.message}`));
      child.on("close", (code, signal) => {
        if (partial) err(`[rank ${rank}] ${partial}`), tail.push(partial);
        const e: RankExit = { rank, code, signal, stderrTail: tail };
        exits[rank] = e;
        if ((code !== 0 || signal) && !firstFailure) {
          firstFailure = e;
          if (!o.signal?.aborted || code !== 130) {
            // the others notice the dead peer in their next collective; make sure within killAfter
            killTimer = setTimeout(() => killAll("SIGKILL"), killAfter);
            killTimer.unref();
          }
        }
        resolve();
      });
    }));
    await Promise.all(done);
  } finally {
    if (killTimer) clearTimeout(killTimer);
    process.off("exit", onExit);
    o.signal?.removeEventListener("abort", onAbort);
    rmSync(dir, { recursive: true, force: true });
  }
  const all = exits as RankExit[];
  if (firstFailure) {
    const f = firstFailure;
    if (all.every((e) => e.code === 130)) throw new UserError(f.stderrTail.filter((l) => l.trim()).at(-1)?.replace(/^plmscale train: /, "") ?? "interrupted", 130);
    const why = f.stderrTail.filter((l) => l.trim()).slice(-3).join(" | ");
    throw new UserError(`rank ${f.rank} of ${o.nproc} ${describeExit(f)}${why ? `: ${why}` : ""}; stopped the other ranks`, f.code === 2 ? 2 : 1);
  }
  return all;
}

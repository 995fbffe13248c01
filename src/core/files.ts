// File helpers every layer shares. One atomic writer: write a temp file beside the target, fsync it, rename
// over the target, fsync the directory, so a power cut or SIGKILL leaves the old file or the new one, never
// half of one. A writer killed before its rename leaves its temp file; removeStaleTemps recognises exactly
// the names tempPathFor makes.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createHash } from "node:crypto";

const TEMP_NAME = /^\..+\.tmp-\d+$/;

/** The temp file a writer in this process uses for `path`: hidden, same directory (rename stays atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on directories; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function fsyncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write all of `data` to `fd` (at `position`, or the current offset). writeSync may write fewer bytes than
 * asked, e.g. on a nearly full disk, without an error: the next write then raises ENOSPC. Ignoring the count
 * lost data silently (a corpus build failed later with "staging file shorter than its records").
 */
export function writeAll(fd: number, data: Uint8Array, position?: number): void {
  let off = 0;
  while (off < data.length) {
    const n = writeSync(fd, data, off, data.length - off, position === undefined ? null : position + off);
    if (n <= 0) throw Object.assign(new Error("no space left on device, write"), { code: "ENOSPC" });
    off += n;
  }
}

/** Replace `path` atomically and durably with `data`. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, "w");
    try {
      writeAll(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(path));
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Build directory `out` whole or not at all: `fill` writes into a hidden temp sibling (tempPathFor), every file
 * is fsynced, and the directory is renamed into place (an existing `out` — empty, or one the caller may replace —
 * is swapped out and removed after). A failure (a full disk) removes the temp directory and leaves `out` as it
 * was; a kill leaves only the hidden temp, which is never taken for a result.
 */
export function writeDirAtomic<T>(out: string, fill: (dir: string) => T): T {
  const tmp = tempPathFor(out);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  mkdirSync(tmp);
  let result: T;
  try {
    result = fill(tmp);
    fsyncTree(tmp);
    if (existsSync(out)) {
      const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
      rmSync(old, { recursive: true, force: true });
      renameSync(out, old);
      renameSync(tmp, out);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(dirname(out));
  return result;
}

function fsyncTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) fsyncTree(p);
    else if (e.isFile()) fsyncFile(p);
  }
  fsyncDir(dir);
}

/** Remove temp files left in `dir` by writers killed before their rename; returns the names removed. */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (TEMP_NAME.test(name)) {
      rmSync(join(dir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/** Parse a JSON file; errors name the file (`what`, default its name) and the reason. */
export function readJson<T>(path: string, what = basename(path)): T {
  if (!existsSync(path)) throw new Error(`${what} not found: ${path}`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${what} is not readable: ${path} (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${path} (${(e as Error).message})`);
  }
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

// Crash-safe file writes: write a temp file in the same directory, fsync it, rename over the target,
// then fsync the directory so the rename itself survives a power cut or SIGKILL.
import { closeSync, fsyncSync, openSync, renameSync, writeSync, rmSync, readdirSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

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

/** Replace `path` atomically with `data`. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, "w");
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Remove leftover temp files of earlier (killed) writers in `dir`. */
export function removeStaleTemps(dir: string): void {
  for (const name of readdirSync(dir)) if (/^\..*\.tmp-\d+$/.test(name)) rmSync(join(dir, name), { force: true });
}

// Per-item results on disk, so an interrupted evaluation resumes where it stopped: one JSON line per finished
// item, appended (and flushed) as soon as it is done. The first line records what the items were computed
// with (checkpoint and the options that change results); a rerun with other settings is refused rather than
// mixing results. A line cut short by a crash is ignored and its item recomputed.
import { writeFileAtomic } from "../core/files.js";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../core/errors.js";

export class ItemStore<T> {
  private readonly done = new Map<string, T>();

  /** Open (creating) `path`; `meta` must equal the stored one when the file exists. */
  constructor(readonly path: string, meta: Record<string, unknown>) {
    const metaLine = JSON.stringify({ meta });
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) {
      writeFileSync(path, metaLine + "\n");
      return;
    }
    const lines = readFileSync(path, "utf8").split("\n");
    if (lines[0] !== metaLine) {
      throw new UserError(
        `${path} holds results computed with other settings (${lines[0]?.slice(0, 200)}); now ${metaLine.slice(0, 200)}. ` +
          "Give another --out, or delete the file to recompute",
      );
    }
    for (const l of lines.slice(1)) {
      if (!l) continue;
      try {
        const rec = JSON.parse(l) as { key: string; value: T };
        this.done.set(rec.key, rec.value);
      } catch {
        // a partial last line from an interrupted write: recompute that item
      }
    }
  }

  get size(): number {
    return this.done.size;
  }
  has(key: string): boolean {
    return this.done.has(key);
  }
  get(key: string): T | undefined {
    return this.done.get(key);
  }
  put(key: string, value: T): void {
    appendFileSync(this.path, JSON.stringify({ key, value }) + "\n");
    this.done.set(key, value);
  }
  values(): Map<string, T> {
    return this.done;
  }
}

/** Write a file atomically (core/files.ts: temp, fsync, rename), creating its folder. */
export function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, text);
}

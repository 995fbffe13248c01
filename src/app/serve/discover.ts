// What `serve PATH…` shows: the runs and sweeps found under each served path. A sweep is a directory with
// sweep.json (src/sweep/layout.ts; its runs are the design's points, listed before they start); a run is a
// directory with config.json, metrics.jsonl or result.json (src/train/rundir.ts); any other directory is
// searched a few levels down (a study or a folder of sweeps). Symbolic links are never followed while
// searching, and a run or sweep whose real path leaves the served trees is left out.
import { existsSync, lstatSync, readdirSync, realpathSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { UserError } from "../../core/errors.js";
import { DESIGN_FILE, pointPaths, readDesign } from "../../sweep/layout.js";
import type { SweepDesign, SweepPoint } from "../../sweep/types.js";

export interface ServedRoot {
  /** short unique label used in URLs */
  name: string;
  /** the path as given, resolved */
  path: string;
  /** its real path: the boundary for every file the server reads */
  real: string;
}

export interface SweepEntry {
  key: string;
  dir: string;
  design: SweepDesign;
}

export interface RunEntry {
  /** "<root name>/<path inside the root>", unique, used in /run/<key> URLs */
  key: string;
  /** display name (the sweep point's id or the directory name) */
  name: string;
  dir: string;
  sweep?: { key: string; dir: string; point: SweepPoint };
}

export interface Discovery {
  sweeps: SweepEntry[];
  runs: RunEntry[];
  /** sweep.json files that could not be read (shown on the page) */
  problems: string[];
}

const MAX_DEPTH = 4;
const SKIP = new Set(["checkpoints", "node_modules", "state", "configs", "shards", ".git"]);
const RUN_FILES = ["config.json", "metrics.jsonl", "result.json"];

export function makeRoots(paths: string[]): ServedRoot[] {
  if (paths.length === 0) throw new UserError("give at least one run, sweep or directory", 2);
  const used = new Set<string>();
  return paths.map((path) => {
    if (!existsSync(path)) throw new UserError(`${path} does not exist`, 2);
    const real = realpathSync(path);
    if (!lstatSync(real).isDirectory()) throw new UserError(`${path} is not a directory (give a run, sweep or folder of them)`, 2);
    let name = basename(real) || "root";
    for (let i = 2; used.has(name); i++) name = `${basename(real)}-${i}`;
    used.add(name);
    return { name, path, real };
  });
}

/** True when `real` (a real path) is one of the roots or lies under one. */
export function insideRoots(real: string, roots: readonly ServedRoot[]): ServedRoot | undefined {
  return roots.find((r) => real === r.real || real.startsWith(r.real.endsWith(sep) ? r.real : r.real + sep));
}

function realInside(path: string, roots: readonly ServedRoot[]): boolean {
  try { return insideRoots(realpathSync(path), roots) !== undefined; } catch { return true; /* not created yet */ }
}

const keyOf = (root: ServedRoot, dir: string) => {
  const rel = relative(root.real, dir).split(sep).join("/");
  return rel ? `${root.name}/${rel}` : root.name;
};

export function discover(roots: readonly ServedRoot[]): Discovery {
  const out: Discovery = { sweeps: [], runs: [], problems: [] };
  const seen = new Set<string>();
  const visit = (root: ServedRoot, dir: string, depth: number) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    if (existsSync(join(dir, DESIGN_FILE))) {
      let design: SweepDesign;
      try { design = readDesign(dir); } catch (e) { out.problems.push((e as Error).message); return; }
      const key = keyOf(root, dir);
      out.sweeps.push({ key, dir, design });
      for (const point of design.points) {
        const run = pointPaths(dir, point).run;
        if (!realInside(run, roots)) { out.problems.push(`${key}: run ${point.id} is a link out of the served paths; skipped`); continue; }
        out.runs.push({ key: keyOf(root, run), name: point.id, dir: run, sweep: { key, dir, point } });
      }
      return;
    }
    if (RUN_FILES.some((f) => existsSync(join(dir, f)))) {
      out.runs.push({ key: keyOf(root, dir), name: depth === 0 ? basename(dir) : relative(root.real, dir).split(sep).join("/"), dir });
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let names: string[];
    try { names = readdirSync(dir).sort(); } catch { return; }
    for (const n of names) {
      if (n.startsWith(".") || SKIP.has(n)) continue;
      const p = join(dir, n);
      let st;
      try { st = lstatSync(p); } catch { continue; }
      if (st.isDirectory()) visit(root, p, depth + 1); // lstat: a symlink is not a directory, so never followed
    }
  };
  for (const r of roots) visit(r, r.real, 0);
  return out;
}

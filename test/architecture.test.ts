// The layer rule of ARCHITECTURE.md, checked over the real import graph: every import in src/**/*.ts (static,
// type-only, re-exports and dynamic import()) must point to the same layer or one below it, scaling/ never
// imports torch/, and no two layers import each other. The checker itself is tested on planted fixture trees.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Bottom to top (native/ is C++ and imports nothing from src/). */
export const LAYERS = ["core", "torch", "scaling", "data", "model", "train", "eval", "interop", "sweep", "report", "app", "cli"] as const;
/** Imports the order allows but the design forbids: pure math stays free of tensors. */
const FORBIDDEN: [string, string][] = [["scaling", "torch"]];

const SRC = resolve(fileURLToPath(new URL("../../src", import.meta.url)));

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function layerOf(src: string, file: string): string {
  return relative(src, file).split(sep)[0]!;
}

/** Every violation of the layer rule under `src`, one line each (empty when the tree is clean). */
export function layerViolations(src: string): string[] {
  const problems: string[] = [];
  const edges = new Map<string, Map<string, string>>(); // layer → layer → one example "file → import"
  for (const file of tsFiles(src)) {
    const from = layerOf(src, file);
    const rel = relative(src, file);
    if (!(LAYERS as readonly string[]).includes(from)) {
      problems.push(`${rel}: folder src/${from}/ is in no layer (add it to ARCHITECTURE.md and LAYERS)`);
      continue;
    }
    for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (!fileName.startsWith(".")) continue; // node: builtins and packages
      const target = resolve(dirname(file), fileName);
      if (relative(src, target).startsWith("..")) continue; // outside src/ (package.json)
      const to = layerOf(src, target);
      if (to === from) continue;
      const where = `${rel} imports ${fileName}`;
      const fi = LAYERS.indexOf(from as never), ti = LAYERS.indexOf(to as never);
      if (ti < 0) problems.push(`${where}: src/${to}/ is in no layer`);
      else if (ti > fi) problems.push(`upward import: ${where} (${from} → ${to})`);
      if (FORBIDDEN.some(([a, b]) => a === from && b === to)) problems.push(`forbidden import: ${where} (${from} must not import ${to})`);
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, where);
    }
  }
  for (const cycle of layerCycles(edges)) {
    const path = cycle.map((l, i) => edges.get(l)!.get(cycle[(i + 1) % cycle.length]!)!);
    problems.push(`import cycle between layers ${[...cycle, cycle[0]].join(" → ")}: ${path.join("; ")}`);
  }
  return problems;
}

/** Elementary cycles of the layer graph (each reported once, starting from its smallest layer name). */
function layerCycles(edges: Map<string, Map<string, string>>): string[][] {
  const cycles: string[][] = [];
  const walk = (start: string, at: string, path: string[]) => {
    for (const next of edges.get(at)?.keys() ?? []) {
      if (next === start) cycles.push([...path]);
      else if (next > start && !path.includes(next)) walk(start, next, [...path, next]);
    }
  };
  for (const start of [...edges.keys()].sort()) walk(start, start, [start]);
  return cycles;
}

function plant(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "plmscale-arch-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test("src/ imports only point down the layer order, scaling/ stays free of torch/, no layer cycles", () => {
  const files = tsFiles(SRC);
  assert.ok(files.length > 100, `only ${files.length} files found under ${SRC}`);
  assert.deepEqual(layerViolations(SRC), []);
});

test("the checker finds a planted upward import, static or dynamic, and names the file", () => {
  const root = plant({
    "core/files.ts": 'import { x } from "../report/html.js";\nexport const y = x;\n',
    "report/html.ts": "export const x = 1;\n",
    "scaling/fit.ts": 'export async function f() { return import("../cli/main.js"); }\n',
    "cli/main.ts": 'import "../scaling/fit.js";\n',
  });
  const v = layerViolations(root);
  assert.ok(v.includes("upward import: core/files.ts imports ../report/html.js (core → report)"), v.join("\n"));
  assert.ok(v.includes("upward import: scaling/fit.ts imports ../cli/main.js (scaling → cli)"), v.join("\n"));
  assert.ok(v.some((l) => l.startsWith("import cycle between layers cli → scaling → cli")), v.join("\n"));
  assert.equal(v.filter((l) => l.startsWith("upward")).length, 2, v.join("\n"));
});

test("the checker finds type-only cycles, forbidden edges and folders outside every layer", () => {
  const root = plant({
    "model/index.ts": 'import type { TrainConfig } from "../train/config.js";\nexport type M = TrainConfig;\n',
    "train/config.ts": 'import type { M } from "../model/index.js";\nexport type TrainConfig = { m?: M };\n',
    "scaling/pure.ts": 'export { Tensor } from "../torch/tensor.js";\n',
    "torch/tensor.ts": "export class Tensor {}\n",
    "misc/util.ts": "export const z = 0;\n",
  });
  const v = layerViolations(root);
  assert.ok(v.includes("upward import: model/index.ts imports ../train/config.js (model → train)"), v.join("\n"));
  assert.ok(v.some((l) => l.startsWith("import cycle between layers model → train → model")), v.join("\n"));
  assert.ok(v.includes("forbidden import: scaling/pure.ts imports ../torch/tensor.js (scaling must not import torch)"), v.join("\n"));
  assert.ok(v.some((l) => l.startsWith("misc/util.ts: folder src/misc/ is in no layer")), v.join("\n"));
});

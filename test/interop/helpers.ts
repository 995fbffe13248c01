// Shared helpers for interop tests: python3-torch discovery, runs with random weights, logits of id lists.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../../src/torch/index.js";
import { createModel, type ProteinLM } from "../../src/model/index.js";
import { parseTrainConfig, type TrainConfig } from "../../src/train/config.js";
import type { ModelConfig } from "../../src/model/config.js";
import type { Objective } from "../../src/core/objective.js";
import { createRunDir } from "../../src/train/rundir.js";
import { writeCheckpoint } from "../../src/train/checkpoint.js";
import { MODEL_FILE, STATE_FILE } from "../../src/train/state-io.js";
export { tmp } from "../data/helpers.js";

export const PY_DIR = fileURLToPath(new URL("../../../test/interop/py/", import.meta.url));

let python: string | null | undefined;
/** A Python whose `import torch` works (Debian's python3-torch), or null: tests that need it then skip. */
export function pythonWithTorch(): string | null {
  if (python !== undefined) return python;
  python = null;
  for (const p of [process.env.PLMSCALE_PYTHON, "/usr/bin/python3", "python3"]) {
    if (!p) continue;
    const r = spawnSync(p, ["-c", "import torch"], { encoding: "utf8" });
    if (r.status === 0) return (python = p);
  }
  return python;
}

export function runPython(script: string, args: string[]): string {
  const py = pythonWithTorch();
  if (!py) throw new Error("no python3 with torch");
  const r = spawnSync(py, [join(PY_DIR, script), ...args], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export const SMALL: ModelConfig = { layers: 2, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 48, activation: "gelu", bias: true, dropout: 0 };

/** A model whose every parameter is random (LayerNorm weights around 1, biases non-zero), so a misplaced
 *  tensor changes the logits. */
export function randomModel(objective: Objective, cfg: ModelConfig, seed: number): ProteinLM {
  torch.manualSeed(seed);
  const m = createModel(objective, cfg).eval();
  torch.noGrad(() =>
    torch.tidy(() => {
      for (const [name, p] of m.namedParameters()) {
        const noise = torch.randn(p.shape);
        if (/(ln\d|norm)\.weight$/.test(name)) p.copy_(noise.mul(0.2).add(1));
        else if (name.endsWith("bias")) p.copy_(noise.mul(0.1));
        else p.copy_(noise.mul(name === "embed.weight" ? 0.5 : 0.15));
      }
    }),
  );
  return m;
}

export function trainConfigFor(objective: Objective, model: ModelConfig): TrainConfig {
  return parseTrainConfig({ objective, model, batchTokens: model.context * 4, data: { corpus: "" } });
}

/** A run directory holding `model` as its only checkpoint (step 0). */
export function writeRun(dir: string, objective: Objective, model: ProteinLM): string {
  const config = trainConfigFor(objective, model.cfg);
  const p = createRunDir(dir, config);
  writeCheckpoint(p.checkpoints, 0, (d) => {
    writeFileSync(join(d, MODEL_FILE), torch.encodeSafetensors(model.stateDict(), { format: "plmscale-1" }));
    writeFileSync(join(d, STATE_FILE), JSON.stringify({ step: 0, tokens: 0, flops: 0, sampler: null, elapsed: 0, trainLoss: 0, objective, N: model.nonEmbeddingParams() }));
  });
  return dir;
}

/** Logits [T, V] of one sequence of token ids, one row, positions 0..T−1. */
export function logitsOf(model: ProteinLM, ids: number[]): Float32Array {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const T = ids.length;
      const input = torch.tensor(Int32Array.from(ids), [1, T], { dtype: "int64" });
      const position = torch.arange(0, T).to("int64").reshape(1, T);
      return new Float32Array(model.forward({ input, position, mask: null }).to("float32").contiguous().bytes().slice().buffer);
    }),
  );
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Run reference.py on an export: logits of each sequence (and greedy ids when asked). */
export function referenceLogits(exportDir: string, work: string, sequences: number[][], greedy?: { prompt: number[]; maxNew: number }) {
  const req = join(work, "request.json"), out = join(work, "reference.bin");
  writeFileSync(req, JSON.stringify({ sequences, ...(greedy ? { greedy: { prompt: greedy.prompt, max_new: greedy.maxNew } } : {}) }));
  runPython("reference.py", [exportDir, req, out]);
  const raw = readFileSync(out);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const extra = existsSync(out + ".json") ? (JSON.parse(readFileSync(out + ".json", "utf8")) as { greedy?: number[] }) : {};
  const per: Float32Array[] = [];
  let at = 0;
  for (const s of sequences) {
    per.push(all.subarray(at, at + s.length * 33));
    at += s.length * 33;
  }
  if (at !== all.length) throw new Error(`reference returned ${all.length} logits, expected ${at}`);
  return { logits: per, greedy: extra.greedy };
}

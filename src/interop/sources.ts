// Where imported weights come from: a Hugging Face model directory (config.json + model.safetensors or
// pytorch_model.bin) or a single PyTorch checkpoint file (fair-esm's .pt, or a state dict saved with
// torch.save). Everything is read without executing anything (torch/pt-checkpoint.ts).
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensors, dispose, type Tensor } from "../torch/index.js";
import { TorchCheckpoint, findStateDict, PickleError, ZipFormatError, type PtTensor } from "../torch/pt-checkpoint.js";
import { PyObject } from "../torch/pickle.js";
import { UserError } from "../core/errors.js";
import type { SourceTensors } from "./names.js";

export interface OpenedSource {
  tensors: SourceTensors;
  /** config.json of a model directory, or null */
  hfConfig: Record<string, unknown> | null;
  /** the fair-esm checkpoint's model arguments (cfg.model / args), as plain values, or null */
  fairArgs: Record<string, unknown> | null;
  /** the file the weights were read from */
  weightsFile: string;
  close(): void;
}

function fromTorchFile(path: string): { tensors: SourceTensors; fairArgs: Record<string, unknown> | null; close(): void } {
  let ck: TorchCheckpoint;
  try {
    ck = new TorchCheckpoint(path);
  } catch (e) {
    if (e instanceof PickleError || e instanceof ZipFormatError) throw new UserError(e.message);
    throw e;
  }
  let sd: Map<string, PtTensor>;
  try {
    sd = findStateDict(ck.root, path);
  } catch (e) {
    ck.close();
    throw e instanceof PickleError ? new UserError(e.message) : e;
  }
  let fairArgs: Record<string, unknown> | null = null;
  if (ck.root instanceof Map) {
    // fair-esm ESM-2: {"model": state dict, "cfg": {"model": Namespace(...)}}; ESM-1: {"args": Namespace(...)}
    const cfg = ck.root.get("cfg");
    const ns = cfg instanceof Map ? cfg.get("model") : ck.root.get("args");
    const state = ns instanceof PyObject ? ns.state : ns;
    if (state instanceof Map) fairArgs = Object.fromEntries([...state].filter(([k]) => typeof k === "string")) as Record<string, unknown>;
  }
  return {
    fairArgs,
    tensors: {
      names: () => [...sd.keys()],
      get: (name) => {
        const t = sd.get(name);
        if (!t) throw new UserError(`${path}: no tensor ${name}`);
        try {
          return ck.tensor(t);
        } catch (e) {
          throw e instanceof PickleError ? new UserError(e.message) : e;
        }
      },
    },
    close: () => ck.close(),
  };
}

export function openSource(from: string): OpenedSource {
  if (!existsSync(from)) throw new UserError(`--from: ${from} not found`, 2);
  if (statSync(from).isDirectory()) {
    const cfgPath = join(from, "config.json");
    if (!existsSync(cfgPath)) throw new UserError(`--from: ${from} is a directory without config.json (expected a Hugging Face model directory)`, 2);
    let hfConfig: Record<string, unknown>;
    try {
      hfConfig = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new UserError(`${cfgPath} is not valid JSON: ${(e as Error).message}`);
    }
    const st = join(from, "model.safetensors"), bin = join(from, "pytorch_model.bin");
    if (existsSync(st)) {
      let tensors: Map<string, Tensor>;
      try {
        tensors = loadSafetensors(st).tensors;
      } catch (e) {
        throw new UserError(`${st}: ${(e as Error).message}`);
      }
      return {
        hfConfig, fairArgs: null, weightsFile: st,
        tensors: {
          names: () => [...tensors.keys()],
          get: (n) => {
            const t = tensors.get(n);
            if (!t) throw new UserError(`${st}: no tensor ${n}`);
            return t.clone();
          },
        },
        close: () => dispose([...tensors.values()]),
      };
    }
    if (existsSync(bin)) return { ...fromTorchFile(bin), hfConfig, weightsFile: bin, fairArgs: null };
    if (existsSync(join(from, "model.safetensors.index.json")) || existsSync(join(from, "pytorch_model.bin.index.json"))) {
      throw new UserError(`${from}: sharded checkpoints (*.index.json) are not supported; save the model unsharded (save_pretrained(..., max_shard_size="100GB"))`);
    }
    throw new UserError(`${from}: no model.safetensors or pytorch_model.bin`);
  }
  const f = fromTorchFile(from);
  return { ...f, hfConfig: null, weightsFile: from };
}

// Where imported weights come from: a Hugging Face model directory (config.json + model.safetensors or
// pytorch_model.bin) or a single PyTorch checkpoint file (fair-esm's .pt, or a state dict saved with
// torch.save). Everything is read without executing anything (torch/pt-checkpoint.ts).
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fromBytes, type DType } from "../torch/index.js";
import { BYTES_PER_ELEMENT } from "../torch/dtype.js";
import { TorchCheckpoint, findStateDict, PickleError, ZipFormatError, type PtTensor } from "../torch/pt-checkpoint.js";
import { PyObject } from "../torch/pickle.js";
import { damagedInput, UserError } from "../core/errors.js";
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
    if (e instanceof PickleError || e instanceof ZipFormatError) throw damagedInput(e.message);
    throw e;
  }
  let sd: Map<string, PtTensor>;
  try {
    sd = findStateDict(ck.root, path);
  } catch (e) {
    ck.close();
    throw e instanceof PickleError ? damagedInput(e.message) : e;
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
          throw e instanceof PickleError || e instanceof ZipFormatError ? damagedInput(e.message) : e;
        }
      },
    },
    close: () => ck.close(),
  };
}

/** safetensors read tensor by tensor through a file descriptor (ESM-2 650M in fp32 is 2.6 GB, above what
 *  one readFileSync returns). Header checks as torch/safetensors.ts: offsets inside the data, sizes matching. */
function fromSafetensorsFile(path: string): { tensors: SourceTensors; close(): void } {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  const read = (at: number, n: number): Buffer => {
    const b = Buffer.alloc(n);
    let done = 0;
    while (done < n) {
      const k = readSync(fd, b, done, n - done, at + done);
      if (k === 0) throw damagedInput(`${path}: truncated`);
      done += k;
    }
    return b;
  };
  try {
    if (size < 8) throw damagedInput(`${path}: not a safetensors file (shorter than its header length)`);
    const n = Number(read(0, 8).readBigUInt64LE(0));
    if (n > size - 8 || n > 100_000_000) throw damagedInput(`${path}: header length ${n} exceeds the file`);
    let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    try {
      header = JSON.parse(read(8, n).toString("utf8"));
    } catch (e) {
      throw damagedInput(`${path}: header is not valid JSON (${(e as Error).message})`);
    }
    delete (header as Record<string, unknown>).__metadata__;
    const dataStart = 8 + n;
    for (const [name, e] of Object.entries(header)) {
      const dtype = ST_DTYPE[e.dtype];
      const numel = e.shape.reduce((a, d) => a * d, 1);
      const [b, end] = e.data_offsets;
      if (!dtype) throw damagedInput(`${path}: tensor ${name} has unsupported dtype ${e.dtype}`);
      if (!(b >= 0 && end >= b && dataStart + end <= size && end - b === numel * BYTES_PER_ELEMENT[dtype])) {
        throw damagedInput(`${path}: tensor ${name} has invalid data_offsets [${b}, ${end}] for ${e.dtype}[${e.shape}]`);
      }
    }
    return {
      tensors: {
        names: () => Object.keys(header),
        get: (name) => {
          const e = header[name];
          if (!e) throw new UserError(`${path}: no tensor ${name}`);
          return fromBytes(read(dataStart + e.data_offsets[0], e.data_offsets[1] - e.data_offsets[0]), ST_DTYPE[e.dtype]!, e.shape);
        },
      },
      close: () => closeSync(fd),
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

const ST_DTYPE: Record<string, DType> = { F64: "float64", F32: "float32", F16: "float16", BF16: "bfloat16", I64: "int64", I32: "int32", I16: "int16", I8: "int8", U8: "uint8", BOOL: "bool" };

/** fair-esm's download location for its checkpoints (esm/pretrained.py: load_model_and_alphabet_hub). */
export const FAIR_ESM_URL = "https://dl.fbaipublicfiles.com/fair-esm/models/";

/** Where a missing model file comes from: fair-esm's URL for a .pt, the Hub's facebook/NAME for its directory. */
function whereFrom(from: string): string {
  const name = basename(from).replace(/\.pt$/i, "");
  if (!/\.pt$/i.test(from)) return "";
  const esm = /^esm/i.test(name);
  return `; fair-esm checkpoints download from ${FAIR_ESM_URL}NAME.pt${esm ? ` (here ${FAIR_ESM_URL}${name}.pt, its contact regression ${FAIR_ESM_URL.replace(/models\/$/, "regression/")}${name}-contact-regression.pt)` : ""}, e.g. with curl -LO; ESM-2 is also a Hugging Face directory: git clone https://huggingface.co/facebook/${esm ? name : "esm2_t6_8M_UR50D"}`;
}

export function openSource(from: string): OpenedSource {
  if (!existsSync(from)) throw new UserError(`--from: ${from} not found${whereFrom(from)}`, 2);
  if (statSync(from).isDirectory()) {
    const cfgPath = join(from, "config.json");
    if (!existsSync(cfgPath)) throw new UserError(`--from: ${from} is a directory without config.json (expected a Hugging Face model directory)`, 2);
    let hfConfig: Record<string, unknown>;
    try {
      hfConfig = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw damagedInput(`${cfgPath} is not valid JSON: ${(e as Error).message}`);
    }
    const st = join(from, "model.safetensors"), bin = join(from, "pytorch_model.bin");
    if (existsSync(st)) return { ...fromSafetensorsFile(st), hfConfig, fairArgs: null, weightsFile: st };
    if (existsSync(bin)) return { ...fromTorchFile(bin), hfConfig, weightsFile: bin, fairArgs: null };
    if (existsSync(join(from, "model.safetensors.index.json")) || existsSync(join(from, "pytorch_model.bin.index.json"))) {
      throw new UserError(`${from}: sharded checkpoints (*.index.json) are not supported; save the model unsharded (save_pretrained(..., max_shard_size="100GB"))`);
    }
    throw new UserError(`${from}: no model.safetensors or pytorch_model.bin`);
  }
  const f = fromTorchFile(from);
  return { ...f, hfConfig: null, weightsFile: from };
}

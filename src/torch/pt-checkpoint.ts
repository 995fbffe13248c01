// Reading PyTorch `.pt` / `.bin` checkpoints (torch.save's ZIP format, torch ≥ 1.6) without executing them:
// `<root>/data.pkl` is unpickled by the restricted unpickler (pickle.ts) with a short allow-list of globals,
// tensors are rebuilt from `<root>/data/<key>` storages by dtype, shape, stride and offset (views and shared
// storages included), and anything else named in the pickle is refused with its name.
import { closeSync, openSync, readSync } from "node:fs";
import { fromBytes, type TensorOptions } from "./create.js";
import { BYTES_PER_ELEMENT, type DType } from "./dtype.js";
import type { Tensor } from "./tensor.js";
import { PickleError, PyObject, unpickle, type GlobalStandIn } from "./pickle.js";
import { ZipReader } from "./zip.js";

export { PickleError } from "./pickle.js";
export { ZipFormatError } from "./zip.js";

/** A tensor as the pickle describes it; its bytes are read by TorchCheckpoint.bytes / .tensor. */
export interface PtTensor {
  kind: "tensor";
  dtype: DType;
  shape: number[];
  stride: number[];
  offset: number;
  storage: PtStorage;
}

export interface PtStorage {
  kind: "storage";
  key: string;
  dtype: DType;
  /** elements, as the persistent id declares them */
  numel: number;
}

const STORAGE_DTYPE: Record<string, DType> = {
  FloatStorage: "float32", DoubleStorage: "float64", HalfStorage: "float16", BFloat16Storage: "bfloat16",
  LongStorage: "int64", IntStorage: "int32", ShortStorage: "int16", CharStorage: "int8", ByteStorage: "uint8", BoolStorage: "bool",
};
const TORCH_DTYPES = new Set(["float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32", "int", "int16", "int8", "uint8", "bool"]);

class StandIn implements GlobalStandIn {
  constructor(readonly qualname: string, private readonly fn: (args: unknown[]) => unknown) {}
  call(args: unknown[]): unknown {
    return this.fn(args);
  }
}

function rebuildTensor(args: unknown[], where: string): PtTensor {
  const [storage, offset, size, stride] = args;
  if (!isStorage(storage)) throw new PickleError(`${where}: tensor rebuild without a storage`);
  if (!isIntList(size) || !isIntList(stride) || size.length !== stride.length || typeof offset !== "number") {
    throw new PickleError(`${where}: tensor rebuild with malformed size/stride/offset`);
  }
  return { kind: "tensor", dtype: storage.dtype, shape: [...size], stride: [...stride], offset, storage };
}

/** The allow-list: every global a state dict (or a fair-esm checkpoint's dict) needs, as inert JS stand-ins. */
export function ptGlobal(module: string, name: string, where: string): GlobalStandIn | null {
  const q = `${module}.${name}`;
  if (module === "torch._utils") {
    if (name === "_rebuild_tensor_v2" || name === "_rebuild_tensor") return new StandIn(q, (a) => rebuildTensor(a, where));
    if (name === "_rebuild_parameter" || name === "_rebuild_parameter_with_state") {
      return new StandIn(q, (a) => {
        if (!isTensor(a[0])) throw new PickleError(`${where}: ${q} of a non-tensor`);
        return a[0];
      });
    }
    return null;
  }
  if (module === "torch") {
    const dt = STORAGE_DTYPE[name];
    if (dt) return Object.assign(new StandIn(q, () => { throw new PickleError(`${where}: ${q} cannot be called`); }), { storageDtype: dt });
    if (TORCH_DTYPES.has(name)) return new StandIn(q, () => { throw new PickleError(`${where}: ${q} cannot be called`); });
    if (name === "Size") return new StandIn(q, (a) => (Array.isArray(a[0]) ? [...(a[0] as unknown[])] : []));
    return null;
  }
  if (module === "collections" && name === "OrderedDict") {
    return new StandIn(q, (a) => {
      const m = new Map<unknown, unknown>();
      if (Array.isArray(a[0])) for (const kv of a[0] as unknown[]) if (Array.isArray(kv) && kv.length === 2) m.set(kv[0], kv[1]);
      return m;
    });
  }
  if (module === "argparse" && name === "Namespace") return new StandIn(q, () => new PyObject(q)); // fair-esm's args
  if ((module === "copyreg" || module === "copy_reg") && name === "_reconstructor") {
    // (cls, object, None): cls.__new__ of an allow-listed class; nothing else is constructed
    return new StandIn(q, (a) => {
      if (!(a[0] instanceof StandIn) || a[0].qualname !== "argparse.Namespace") throw new PickleError(`${where}: ${q} of ${(a[0] as StandIn)?.qualname ?? "a non-class"} is not allowed`);
      return a[0].call([]);
    });
  }
  if ((module === "builtins" || module === "__builtin__") && name === "object") return new StandIn(q, () => { throw new PickleError(`${where}: ${q} cannot be called`); });
  if (module === "_codecs" && name === "encode") {
    // protocol-2 pickles write bytes as _codecs.encode(text, "latin1")
    return new StandIn(q, (a) => {
      if (typeof a[0] !== "string" || (a[1] !== "latin1" && a[1] !== "latin-1" && a[1] !== undefined)) throw new PickleError(`${where}: ${q} with unsupported arguments`);
      return new Uint8Array(Buffer.from(a[0], "latin1"));
    });
  }
  return null;
}

/** bytes from the start of the storage to the end of the tensor's last element (0 for an empty tensor) */
function extentBytes(t: PtTensor): number {
  if (t.shape.some((d) => d === 0)) return 0;
  let last = t.offset;
  for (let i = 0; i < t.shape.length; i++) last += (t.shape[i]! - 1) * t.stride[i]!;
  return (last + 1) * BYTES_PER_ELEMENT[t.dtype];
}

export function isTensor(v: unknown): v is PtTensor {
  return typeof v === "object" && v !== null && (v as PtTensor).kind === "tensor";
}
function isStorage(v: unknown): v is PtStorage {
  return typeof v === "object" && v !== null && (v as PtStorage).kind === "storage";
}
function isIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);
}

export const LEGACY_HINT =
  "convert it once with Python, for a file you trust: python3 -c \"import torch; torch.save(torch.load('IN.pt', map_location='cpu', weights_only=True), 'OUT.pt')\" (torch >= 1.13 writes the ZIP format and weights_only refuses code)";

/** An opened checkpoint: the unpickled root object and its storages, read on demand (cached: shared storages). */
export class TorchCheckpoint {
  readonly root: unknown;
  private readonly zip: ZipReader;
  private readonly prefix: string;
  private readonly storages = new Map<string, Buffer>();
  /** bytes of each storage that its tensors reach (the most any read of it inflates) */
  private readonly used = new Map<string, number>();

  constructor(readonly path: string) {
    const fd = openSync(path, "r");
    const magic = Buffer.alloc(4);
    try {
      readSync(fd, magic, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
    if (magic[0] === 0x80 && magic[1] !== undefined && magic[1] <= 5) {
      throw new PickleError(`${path} is a legacy (pre-1.6, non-ZIP) PyTorch checkpoint, which cannot be read without executing it; ${LEGACY_HINT}`);
    }
    if (magic.readUInt32LE(0) !== 0x04034b50) throw new PickleError(`${path} is not a PyTorch ZIP checkpoint (no ZIP signature)`);
    this.zip = new ZipReader(path);
    try {
      const pkl = [...this.zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
      if (!pkl) throw new PickleError(`${path}: no <name>/data.pkl in the archive (not a torch.save file)`);
      this.prefix = pkl.slice(0, -"data.pkl".length);
      const order = this.zip.entries.has(`${this.prefix}byteorder`) ? this.zip.readEntry(`${this.prefix}byteorder`, 16).toString("utf8").trim() : "little";
      if (order !== "little") throw new PickleError(`${path}: storages are ${order}-endian; only little-endian checkpoints are supported`);
      this.root = unpickle(this.zip.readEntry(pkl), {
        source: `${path}:${pkl}`,
        resolveGlobal: (m, n) => ptGlobal(m, n, path),
        persistentLoad: (pid) => this.persistent(pid),
      });
      this.measureUse();
    } catch (e) {
      this.zip.close();
      throw e;
    }
  }

  private persistent(pid: unknown): PtStorage {
    // ('storage', storage_type, key, location, numel)
    if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) throw new PickleError(`${this.path}: unsupported persistent id ${JSON.stringify(pid)}`);
    const type = pid[1] as { storageDtype?: DType; qualname?: string };
    if (!type || !type.storageDtype) throw new PickleError(`${this.path}: persistent id with storage type ${type?.qualname ?? "?"}`);
    const key = String(pid[2]);
    if (!/^[0-9A-Za-z_]+$/.test(key)) throw new PickleError(`${this.path}: storage key '${key}' is malformed`);
    const numel = pid[4];
    if (!Number.isSafeInteger(numel) || (numel as number) < 0) throw new PickleError(`${this.path}: storage ${key} declares ${String(numel)} elements`);
    return { kind: "storage", key, dtype: type.storageDtype, numel: numel as number };
  }

  /** Every tensor in the pickle, and from them the bytes each storage must supply (tensors are only described
   *  here; no storage is read). A tensor reaching past its storage's declared size is refused now. */
  private measureUse(): void {
    const seen = new Set<unknown>();
    const walk = (v: unknown): void => {
      if (typeof v !== "object" || v === null || seen.has(v)) return;
      seen.add(v);
      if (isTensor(v)) {
        const end = extentBytes(v);
        if (end > v.storage.numel * BYTES_PER_ELEMENT[v.storage.dtype]) {
          throw new PickleError(`${this.path}: tensor [${v.shape}] at offset ${v.offset} with stride [${v.stride}] needs ${end} bytes of storage ${v.storage.key}, which declares ${v.storage.numel} elements`);
        }
        this.used.set(v.storage.key, Math.max(this.used.get(v.storage.key) ?? 0, end));
      } else if (v instanceof Map) for (const [k, x] of v) (walk(k), walk(x));
      else if (v instanceof Set || Array.isArray(v)) for (const x of v) walk(x);
      else if (v instanceof PyObject) walk(v.state);
    };
    walk(this.root);
  }

  private storageBytes(s: PtStorage): Buffer {
    let b = this.storages.get(s.key);
    if (!b) {
      const name = `${this.prefix}data/${s.key}`;
      const entry = this.zip.entries.get(name);
      if (!entry) throw new PickleError(`${this.path}: storage ${name} is missing from the archive`);
      const declared = s.numel * BYTES_PER_ELEMENT[s.dtype];
      if (entry.size !== declared) {
        throw new PickleError(`${this.path}: storage ${name} holds ${entry.size} bytes in the archive but the pickle declares ${s.numel} ${s.dtype} elements (${declared} bytes)`);
      }
      b = this.zip.readEntry(name, this.used.get(s.key) ?? 0);
      this.storages.set(s.key, b);
    }
    return b;
  }

  /** The tensor's elements, contiguous and row-major (a strided view is gathered element by element). */
  bytes(t: PtTensor): Uint8Array {
    const es = BYTES_PER_ELEMENT[t.dtype];
    const src = this.storageBytes(t.storage);
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (numel === 0) return new Uint8Array(0);
    let last = t.offset;
    for (let i = 0; i < t.shape.length; i++) last += (t.shape[i]! - 1) * t.stride[i]!;
    if ((last + 1) * es > src.length) {
      throw new PickleError(`${this.path}: tensor [${t.shape}] at offset ${t.offset} with stride [${t.stride}] reaches element ${last}, beyond its storage of ${src.length / es} elements`);
    }
    let contiguous = true;
    for (let i = t.shape.length - 1, want = 1; i >= 0; i--) {
      if (t.shape[i] !== 1 && t.stride[i] !== want) contiguous = false;
      want *= t.shape[i]!;
    }
    if (contiguous) return new Uint8Array(src.buffer, src.byteOffset + t.offset * es, numel * es).slice();
    const out = new Uint8Array(numel * es);
    const idx = new Array<number>(t.shape.length).fill(0);
    for (let n = 0; n < numel; n++) {
      let e = t.offset;
      for (let i = 0; i < idx.length; i++) e += idx[i]! * t.stride[i]!;
      out.set(src.subarray(e * es, (e + 1) * es), n * es);
      for (let i = idx.length - 1; i >= 0; i--) {
        if (++idx[i]! < t.shape[i]!) break;
        idx[i] = 0;
      }
    }
    return out;
  }

  tensor(t: PtTensor, opts?: TensorOptions): Tensor {
    return fromBytes(this.bytes(t), t.dtype, t.shape, opts);
  }

  close(): void {
    this.storages.clear();
    this.zip.close();
  }
}

/** The name → tensor map of a checkpoint: the root itself, or its "model" / "state_dict" / "module" entry. */
export function findStateDict(root: unknown, path: string): Map<string, PtTensor> {
  const asDict = (v: unknown): Map<string, PtTensor> | null => {
    if (!(v instanceof Map) || v.size === 0) return null;
    const out = new Map<string, PtTensor>();
    for (const [k, x] of v) {
      if (typeof k !== "string" || !isTensor(x)) return null;
      out.set(k, x);
    }
    return out;
  };
  const direct = asDict(root);
  if (direct) return direct;
  if (root instanceof Map) {
    for (const key of ["model", "state_dict", "module", "model_state_dict"]) {
      const d = asDict(root.get(key));
      if (d) return d;
    }
  }
  throw new PickleError(`${path}: no state dict found (expected a dict of tensors, or one under "model" / "state_dict")`);
}

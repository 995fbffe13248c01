// Creating tensors: from JS data (typed arrays, nested number arrays) and by factory ops (zeros, randn, …),
// plus the multi-tensor functions (cat, stack, where).
import { native } from "./native.js";
import { op } from "./ops.js";
import { Tensor } from "./tensor.js";
import { dtypeCode, dtypeOfArray, type DType, type TypedArray } from "./dtype.js";

export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

const O = {
  zeros: op("zeros"), ones: op("ones"), full: op("full"), empty: op("empty", "memory_format"), randn: op("randn"),
  rand: op("rand"), randint: op("randint", "low"), arange: op("arange", "start_step"), cat: op("cat"),
  stack: op("stack"), where: op("where", "self"), zerosLike: op("zeros_like"), onesLike: op("ones_like"),
  normal_: op("normal_"), uniform_: op("uniform_"), eye: op("eye"), to: op("to", "dtype_layout"),
};

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let x: Nested = data;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = x[0] as Nested;
  }
  return shape;
}

function flattenInto(data: Nested, out: number[], shape: number[], depth: number): void {
  if (!Array.isArray(data)) {
    if (depth !== shape.length) throw new TypeError("ragged nested array: every row must have the same length");
    out.push(typeof data === "boolean" ? (data ? 1 : 0) : data);
    return;
  }
  if (data.length !== shape[depth]) throw new TypeError("ragged nested array: every row must have the same length");
  for (const v of data) flattenInto(v, out, shape, depth + 1);
}

function toTypedArray(values: ArrayLike<number>, dtype: DType): TypedArray {
  switch (dtype) {
    case "float64": return Float64Array.from(values);
    case "int32": return Int32Array.from(values);
    case "int16": return Int16Array.from(values);
    case "int8": return Int8Array.from(values);
    case "uint8": case "bool": return Uint8Array.from(values, (v) => (dtype === "bool" ? (v ? 1 : 0) : v));
    case "int64": {
      const a = new BigInt64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (!Number.isInteger(v)) throw new TypeError(`int64 tensor from a non-integer value ${v}`);
        a[i] = BigInt(v);
      }
      return a;
    }
    default: return Float32Array.from(values);
  }
}

function finish(t: Tensor, opts: TensorOptions | undefined, storedAs: DType): Tensor {
  let out = t;
  const want = opts?.dtype ?? storedAs;
  if (want !== storedAs || (opts?.device && opts.device !== "cpu")) {
    out = t.to(opts?.device ?? "cpu", want);
    t.dispose();
  }
  if (opts?.requiresGrad) out.requiresGrad_(true);
  return out;
}

/**
 * A tensor from JS data: a typed array (+ shape), a nested number array, or a number (0-d).
 * Default dtype: the typed array's own, float32 for numbers; float16/bfloat16 are converted from float32.
 */
export function tensor(data: TypedArray | Nested, shape?: number[] | TensorOptions, opts?: TensorOptions): Tensor {
  if (shape !== undefined && !Array.isArray(shape)) {
    opts = shape;
    shape = undefined;
  }
  let arr: TypedArray;
  let dims: number[];
  let stored: DType;
  if (ArrayBuffer.isView(data)) {
    arr = data as TypedArray;
    if (arr instanceof Uint16Array) {
      if (opts?.dtype !== "float16" && opts?.dtype !== "bfloat16") throw new TypeError("a Uint16Array needs dtype float16 or bfloat16");
      stored = opts.dtype;
    } else stored = dtypeOfArray(arr);
    dims = (shape as number[] | undefined) ?? [arr.length];
  } else {
    const flat: number[] = [];
    const inferred = inferShape(data);
    flattenInto(data, flat, inferred, 0);
    dims = (shape as number[] | undefined) ?? inferred;
    const want = opts?.dtype ?? (typeof (Array.isArray(data) ? flat : data) === "boolean" ? "bool" : "float32");
    stored = want === "float16" || want === "bfloat16" ? "float32" : want;
    arr = toTypedArray(flat, stored);
  }
  return finish(new Tensor(native.fromBuffer(arr, dtypeCode(stored), dims)), opts, stored);
}

/** A tensor from raw little-endian bytes of the given dtype (used by safetensors). */
export function fromBytes(bytes: Uint8Array, dtype: DType, shape: number[], opts?: TensorOptions): Tensor {
  return finish(new Tensor(native.fromBuffer(bytes, dtypeCode(dtype), shape)), opts, dtype);
}

function factory(fn: (...a: unknown[]) => number, shape: number[], opts: TensorOptions | undefined): Tensor {
  const t = new Tensor(fn(shape, dtypeCode(opts?.dtype ?? "float32"), null, opts?.device ?? null, null));
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

export function zeros(shape: number[], opts?: TensorOptions): Tensor { return factory(O.zeros, shape, opts); }
export function ones(shape: number[], opts?: TensorOptions): Tensor { return factory(O.ones, shape, opts); }
export function randn(shape: number[], opts?: TensorOptions): Tensor { return factory(O.randn, shape, opts); }
export function rand(shape: number[], opts?: TensorOptions): Tensor { return factory(O.rand, shape, opts); }
export function empty(shape: number[], opts?: TensorOptions): Tensor { return factory(O.empty, shape, opts); }

export function full(shape: number[], value: number | boolean, opts?: TensorOptions): Tensor {
  const dt = opts?.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  const t = new Tensor(O.full(shape, value, dtypeCode(dt), null, opts?.device ?? null, null));
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Integers uniformly in [low, high) (int64 by default). */
export function randint(low: number, high: number, shape: number[], opts?: TensorOptions): Tensor {
  return new Tensor(O.randint(low, high, shape, dtypeCode(opts?.dtype ?? "int64"), null, opts?.device ?? null, null));
}

/** [start, end) by step; int64 unless a dtype is given. */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  return new Tensor(O.arange(start, end, step, dtypeCode(opts?.dtype ?? "int64"), null, opts?.device ?? null, null));
}

export function eye(n: number, opts?: TensorOptions): Tensor {
  return new Tensor(O.eye(n, dtypeCode(opts?.dtype ?? "float32"), null, opts?.device ?? null, null));
}

export function zerosLike(t: Tensor): Tensor { return new Tensor(O.zerosLike(t.handle)); }
export function onesLike(t: Tensor): Tensor { return new Tensor(O.onesLike(t.handle)); }

/** In-place N(mean, std²) fill (for initialisation; not recorded by autograd when called under noGrad). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor { O.normal_(t.handle, mean, std, null); return t; }
export function uniform_(t: Tensor, from = 0, to = 1): Tensor { O.uniform_(t.handle, from, to, null); return t; }

export function cat(tensors: Tensor[], dim = 0): Tensor { return new Tensor(O.cat(tensors.map((t) => t.handle), dim)); }
export function stack(tensors: Tensor[], dim = 0): Tensor { return new Tensor(O.stack(tensors.map((t) => t.handle), dim)); }
/** cond ? a : b elementwise */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor { return new Tensor(O.where(cond.handle, a.handle, b.handle)); }

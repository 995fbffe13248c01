// Creating tensors: from JS data (typed arrays, nested number arrays) and by factory ops (zeros, randn, …),
// plus the multi-tensor functions (cat, stack, where).
import { native } from "./native.js";
import { Tensor } from "./tensor.js";
import * as A from "./generated/ops.js";
import { dtypeCode, dtypeOfArray, type DType, type TypedArray } from "./dtype.js";

export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let x: Nested = data;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = x[0] as Nested;
  }
  return shape;
}

/** "[1][0]" for flat index 2 of shape [2, 2]: where a bad value sits, as the caller wrote it. */
function position(flatIndex: number, shape: number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flatIndex % shape[d]!);
    flatIndex = Math.floor(flatIndex / shape[d]!);
  }
  return idx.length ? idx.map((i) => `[${i}]`).join("") : "(the scalar)";
}

function flattenInto(data: Nested, out: number[], shape: number[], depth: number): void {
  if (!Array.isArray(data)) {
    if (depth !== shape.length) throw new TypeError("ragged nested array: every row must have the same length");
    // JS would turn "a" into NaN and null into 0 without a word: only numbers and booleans are tensor values
    if (typeof data !== "number" && typeof data !== "boolean") {
      const shown = typeof data === "string" ? JSON.stringify(data) : String(data);
      throw new TypeError(`tensor(): the value at ${position(out.length, shape)} is ${shown} (${data === null ? "null" : typeof data}); expected a number or a boolean`);
    }
    out.push(typeof data === "boolean" ? (data ? 1 : 0) : data);
    return;
  }
  if (data.length !== shape[depth]) throw new TypeError("ragged nested array: every row must have the same length");
  for (const v of data) flattenInto(v, out, shape, depth + 1);
}

/** Integer dtypes' ranges; int64 is limited to the integers a JS number holds exactly. */
const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
/** Largest finite value of the narrow float dtypes: a finite value beyond it would become ±Infinity. */
const FLOAT_MAX: Partial<Record<DType, number>> = { float32: 3.4028234663852886e38, bfloat16: 3.3895313892515355e38, float16: 65504 };

/**
 * Check every value against the dtype it is stored as (`want` is the dtype asked for, e.g. float16 stored via
 * float32): integers in range for integer dtypes (uint8 300 would wrap to 44, int32 2^40 to 0), finite values
 * that stay finite for floats. Booleans accept any number (non-zero is true), as torch.tensor does.
 */
function checkValues(values: ArrayLike<number>, want: DType, shape: number[]): void {
  const range = INT_RANGE[want];
  const max = FLOAT_MAX[want];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (range) {
      if (!Number.isInteger(v)) throw new RangeError(`tensor(): the value at ${position(i, shape)} is ${v}, a non-integer; dtype ${want} holds integers`);
      if (v < range[0] || v > range[1]) throw new RangeError(`tensor(): the value at ${position(i, shape)} is ${v}, outside dtype ${want} (${range[0]} to ${range[1]})`);
    } else if (max !== undefined && Number.isFinite(v) && Math.abs(v) > max) {
      throw new RangeError(`tensor(): the value at ${position(i, shape)} is ${v}, beyond dtype ${want}'s largest finite value (${max}); it would become ${v > 0 ? "" : "-"}Infinity`);
    }
  }
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
    // converting to another dtype would wrap or overflow just as silently as JS numbers would
    if (opts?.dtype && opts.dtype !== stored && !(arr instanceof BigInt64Array) && !(arr instanceof Uint16Array)) checkValues(arr, opts.dtype, dims);
  } else {
    const flat: number[] = [];
    const inferred = inferShape(data);
    flattenInto(data, flat, inferred, 0);
    dims = (shape as number[] | undefined) ?? inferred;
    let leaf: Nested = data;
    while (Array.isArray(leaf)) leaf = leaf[0] as Nested;
    const want = opts?.dtype ?? (typeof leaf === "boolean" ? "bool" : "float32");
    stored = want === "float16" || want === "bfloat16" ? "float32" : want;
    checkValues(flat, want, dims);
    arr = toTypedArray(flat, stored);
  }
  return finish(new Tensor(native.fromBuffer(arr, dtypeCode(stored), dims)), opts, stored);
}

/** A tensor from raw little-endian bytes of the given dtype (used by safetensors). */
export function fromBytes(bytes: Uint8Array, dtype: DType, shape: number[], opts?: TensorOptions): Tensor {
  return finish(new Tensor(native.fromBuffer(bytes, dtypeCode(dtype), shape)), opts, dtype);
}

type Factory = (size: number[], dtype?: DType | null, layout?: number | null, device?: string | null) => Tensor;

function factory(fn: Factory, shape: number[], opts: TensorOptions | undefined): Tensor {
  const t = fn(shape, opts?.dtype ?? "float32", undefined, opts?.device);
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

export function zeros(shape: number[], opts?: TensorOptions): Tensor { return factory(A.zeros, shape, opts); }
export function ones(shape: number[], opts?: TensorOptions): Tensor { return factory(A.ones, shape, opts); }
export function randn(shape: number[], opts?: TensorOptions): Tensor { return factory(A.randn, shape, opts); }
export function rand(shape: number[], opts?: TensorOptions): Tensor { return factory(A.rand, shape, opts); }
export function empty(shape: number[], opts?: TensorOptions): Tensor { return factory(A.emptyMemoryFormat, shape, opts); }

export function full(shape: number[], value: number | boolean, opts?: TensorOptions): Tensor {
  const dt = opts?.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  const t = A.full(shape, value, dt, undefined, opts?.device);
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Integers uniformly in [low, high) (int64 by default). */
export function randint(low: number, high: number, shape: number[], opts?: TensorOptions): Tensor {
  return A.randintLow(low, high, shape, opts?.dtype ?? "int64", undefined, opts?.device);
}

/** [start, end) by step; int64 unless a dtype is given. */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  return A.arangeStartStep(start, end, step, opts?.dtype ?? "int64", undefined, opts?.device);
}

export function eye(n: number, opts?: TensorOptions): Tensor {
  return A.eye(n, opts?.dtype ?? "float32", undefined, opts?.device);
}

export function zerosLike(t: Tensor): Tensor { return A.zerosLike(t); }
export function onesLike(t: Tensor): Tensor { return A.onesLike(t); }

/** In-place N(mean, std²) fill (for initialisation; not recorded by autograd when called under noGrad). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor { return A.normal_(t, mean, std); }
export function uniform_(t: Tensor, from = 0, to = 1): Tensor { return A.uniform_(t, from, to); }

export function cat(tensors: Tensor[], dim = 0): Tensor { return A.cat(tensors, dim); }
export function stack(tensors: Tensor[], dim = 0): Tensor { return A.stack(tensors, dim); }
/** cond ? a : b elementwise */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor { return A.whereSelf(cond, a, b); }

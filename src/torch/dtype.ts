// Data types: names used in the TS API, c10::ScalarType codes used by the addon, typed-array mapping.
export type DType = "uint8" | "int8" | "int16" | "int32" | "int64" | "float16" | "float32" | "float64" | "bool" | "bfloat16";

// c10::ScalarType enum values (stable across libtorch versions).
export const DTYPE_CODE: Record<DType, number> = {
  uint8: 0, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7, bool: 11, bfloat16: 15,
};
const CODE_DTYPE = new Map<number, DType>(Object.entries(DTYPE_CODE).map(([k, v]) => [v, k as DType]));

export function dtypeCode(d: DType): number {
  const c = DTYPE_CODE[d];
  if (c === undefined) throw new TypeError(`unknown dtype '${d}' (expected one of ${Object.keys(DTYPE_CODE).join(", ")})`);
  return c;
}

export function dtypeFromCode(code: number): DType {
  const d = CODE_DTYPE.get(code);
  if (!d) throw new TypeError(`unsupported scalar type code ${code}`);
  return d;
}

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float16: 2, float32: 4, float64: 8, bool: 1, bfloat16: 2,
};

export function isFloating(d: DType): boolean {
  return d === "float16" || d === "float32" || d === "float64" || d === "bfloat16";
}

export type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array | Uint16Array;

/** The dtype a typed array holds natively (Uint16Array is ambiguous: pass dtype float16/bfloat16 explicitly). */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Uint8Array) return "uint8";
  if (a instanceof BigInt64Array) return "int64";
  throw new TypeError("a Uint16Array needs an explicit dtype (float16 or bfloat16)");
}

/** Typed array view over raw bytes for a dtype (float16/bfloat16 come back as raw Uint16Array bits). */
export function viewBytes(buf: ArrayBuffer, d: DType): TypedArray {
  switch (d) {
    case "float32": return new Float32Array(buf);
    case "float64": return new Float64Array(buf);
    case "int32": return new Int32Array(buf);
    case "int16": return new Int16Array(buf);
    case "int8": return new Int8Array(buf);
    case "uint8": case "bool": return new Uint8Array(buf);
    case "int64": return new BigInt64Array(buf);
    case "float16": case "bfloat16": return new Uint16Array(buf);
  }
}

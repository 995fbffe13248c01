// safetensors (https://github.com/huggingface/safetensors) read/write, byte-compatible with the reference:
// u64 little-endian header length N, then N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__": {string: string}} padded with spaces to a multiple of 8, then the raw little-endian data.
// Files are written by core/files.ts's atomic writer (temp file, fsync, rename, fsync directory), so a crash
// never leaves a half-written file in place and core's removeStaleTemps recognises a killed writer's temp file.
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../core/files.js";
import { Tensor } from "./tensor.js";
import { fromBytes, type TensorOptions } from "./create.js";
import type { DType } from "./dtype.js";
import { BYTES_PER_ELEMENT } from "./dtype.js";

const TO_ST: Record<DType, string> = {
  float64: "F64", float32: "F32", float16: "F16", bfloat16: "BF16", int64: "I64", int32: "I32", int16: "I16",
  int8: "I8", uint8: "U8", bool: "BOOL",
};
const FROM_ST = new Map<string, DType>(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));

export type Metadata = Record<string, string>;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Serialise named tensors (+ string metadata) into one safetensors buffer. */
export function encodeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Metadata): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new TypeError(`safetensors metadata '${k}' must be a string (JSON.stringify objects)`);
    }
    header.__metadata__ = metadata;
  }
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === "__metadata__") throw new Error("'__metadata__' is reserved in safetensors");
    const bytes = t.bytes();
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const jsonBytes0 = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - (jsonBytes0 % 8)) % 8); // pad so the data starts 8-byte aligned
  const head = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const b of blobs) {
    out.set(b, pos);
    pos += b.length;
  }
  return out;
}

/** Parse a safetensors buffer. Validates offsets (contiguous, in bounds, matching dtype × shape). */
export function decodeSafetensors(buf: Uint8Array, opts?: TensorOptions): { tensors: Map<string, Tensor>; metadata: Metadata } {
  if (buf.length < 8) throw new Error("safetensors: file shorter than its 8-byte header length");
  const n = Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true));
  if (n > buf.length - 8 || n > 100_000_000) throw new Error(`safetensors: header length ${n} exceeds the file`);
  let header: Record<string, HeaderEntry | Metadata>;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, n).toString("utf8"));
  } catch (e) {
    throw new Error(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const metadata = (header.__metadata__ as Metadata | undefined) ?? {};
  const tensors = new Map<string, Tensor>();
  try {
    for (const [name, e0] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const e = e0 as HeaderEntry;
      const dtype = FROM_ST.get(e.dtype);
      if (!dtype) throw new Error(`safetensors: tensor '${name}' has unsupported dtype ${e.dtype}`);
      const [b, end] = e.data_offsets;
      const numel = e.shape.reduce((a, d) => a * d, 1);
      if (!(b >= 0 && end >= b && end <= dataLen) || end - b !== numel * BYTES_PER_ELEMENT[dtype]) {
        throw new Error(`safetensors: tensor '${name}' has invalid data_offsets [${b}, ${end}] for ${e.dtype}[${e.shape}]`);
      }
      const bytes = buf.subarray(dataStart + b, dataStart + end);
      tensors.set(name, fromBytes(bytes, dtype, e.shape, opts));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/** Write atomically and durably (core/files.ts writeFileAtomic). */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Metadata): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string, opts?: TensorOptions): { tensors: Map<string, Tensor>; metadata: Metadata } {
  return decodeSafetensors(readFileSync(path), opts);
}

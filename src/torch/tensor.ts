// The Tensor class: a handle to a libtorch tensor plus ergonomic methods (hand-written facades over cached
// operator ids). Creation from JS data lives in create.ts; nn functions in functional.ts.
import { native } from "./native.js";
import { NativeHandle } from "./scope.js";
import { op } from "./ops.js";
import { dtypeCode, dtypeFromCode, viewBytes, type DType, type TypedArray } from "./dtype.js";

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | number;

const O = {
  addT: op("add", "Tensor"), addS: op("add", "Scalar"), subT: op("sub", "Tensor"), subS: op("sub", "Scalar"),
  mulT: op("mul", "Tensor"), mulS: op("mul", "Scalar"), divT: op("div", "Tensor"), divS: op("div", "Scalar"),
  add_T: op("add_", "Tensor"), add_S: op("add_", "Scalar"), mul_T: op("mul_", "Tensor"), mul_S: op("mul_", "Scalar"),
  sub_T: op("sub_", "Tensor"), div_S: op("div_", "Scalar"), zero_: op("zero_"), fill_S: op("fill_", "Scalar"),
  copy_: op("copy_"), powTS: op("pow", "Tensor_Scalar"), powTT: op("pow", "Tensor_Tensor"),
  matmul: op("matmul"), mm: op("mm"), bmm: op("bmm"), neg: op("neg"), exp: op("exp"), log: op("log"),
  sqrt: op("sqrt"), rsqrt: op("rsqrt"), abs: op("abs"), tanh: op("tanh"), sigmoid: op("sigmoid"), relu: op("relu"),
  sin: op("sin"), cos: op("cos"), square: op("square"), reciprocal: op("reciprocal"),
  sumAll: op("sum"), sumDim: op("sum", "dim_IntList"), meanAll: op("mean"), meanDim: op("mean", "dim"),
  maxAll: op("max"), minAll: op("min"), maxDim: op("max", "dim"), argmax: op("argmax"), argmin: op("argmin"),
  varDim: op("var", "correction"), stdDim: op("std", "correction"), norm: op("linalg_vector_norm"),
  reshape: op("reshape"), view: op("view"), permute: op("permute"), transpose: op("transpose", "int"),
  contiguous: op("contiguous"), unsqueeze: op("unsqueeze"), squeezeDim: op("squeeze", "dim"), squeeze: op("squeeze"),
  flatten: op("flatten", "using_ints"), expand: op("expand"), narrow: op("narrow"), slice: op("slice", "Tensor"),
  select: op("select", "int"), indexSelect: op("index_select"), gather: op("gather"), index: op("index", "Tensor"),
  indexPut_: op("index_put_"), maskedFill: op("masked_fill", "Scalar"), maskedFill_: op("masked_fill_", "Scalar"),
  where: op("where", "self"), to: op("to", "dtype_layout"), clone: op("clone"), detach: op("detach"),
  eqT: op("eq", "Tensor"), eqS: op("eq", "Scalar"), neT: op("ne", "Tensor"), neS: op("ne", "Scalar"),
  ltT: op("lt", "Tensor"), ltS: op("lt", "Scalar"), gtT: op("gt", "Tensor"), gtS: op("gt", "Scalar"),
  leS: op("le", "Scalar"), geS: op("ge", "Scalar"), logicalNot: op("logical_not"), logicalAnd: op("logical_and"),
  clampS: op("clamp"), softmax: op("softmax", "int"), logSoftmax: op("log_softmax", "int"), chunk: op("chunk"),
  split: op("split", "Tensor"), repeat: op("repeat"), tril: op("tril"), triu: op("triu"), isfinite: op("isfinite"),
  allAll: op("all"), anyAll: op("any"), cumsum: op("cumsum"), topk: op("topk"), sort: op("sort"),
  t: op("t"), lerp_: op("lerp_", "Scalar"), addcmul_: op("addcmul_"), addcdiv_: op("addcdiv_"),
};

function h(t: Tensor): number {
  return t.handle;
}

export class Tensor extends NativeHandle {
  private _shape: number[] | undefined;
  private _dtype: DType | undefined;

  /** Wrap an addon handle (internal: use the creation functions in create.ts). */
  constructor(handle: number) {
    super(handle);
  }

  // ---- metadata ----
  get shape(): number[] {
    return (this._shape ??= native.shape(this.handle));
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
  size(dim: number): number {
    const s = this.shape;
    return s[dim < 0 ? s.length + dim : dim]!;
  }
  get dtype(): DType {
    return (this._dtype ??= dtypeFromCode(native.meta(this.handle)[0]));
  }
  get device(): string {
    const m = native.meta(this.handle);
    return m[2] >= 0 ? `${m[1]}:${m[2]}` : m[1];
  }
  get requiresGrad(): boolean {
    return native.meta(this.handle)[3];
  }
  override toString(): string {
    return `Tensor(shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ---- read-back ----
  /** Values as a typed array in this tensor's dtype (float16/bfloat16 convert to Float32Array; int64 → BigInt64Array). */
  data(): TypedArray {
    const d = this.dtype;
    if (d === "float16" || d === "bfloat16") {
      const f = this.to("float32");
      try {
        return viewBytes(native.toBuffer(f.handle), "float32");
      } finally {
        f.dispose();
      }
    }
    return viewBytes(native.toBuffer(this.handle), d);
  }
  /** Values as plain numbers (int64 converted with Number()). */
  toArray(): number[] {
    const a = this.data();
    return a instanceof BigInt64Array ? Array.from(a, Number) : Array.from(a as ArrayLike<number>, Number);
  }
  /** Raw bytes in this tensor's dtype (row-major, copied to CPU). */
  bytes(): Uint8Array {
    return new Uint8Array(native.toBuffer(this.handle));
  }
  item(): number {
    return Number(native.item(this.handle));
  }

  // ---- arithmetic ----
  add(o: TensorOrScalar, alpha = 1): Tensor {
    return new Tensor(typeof o === "number" ? O.addS(h(this), o, alpha) : O.addT(h(this), h(o), alpha));
  }
  sub(o: TensorOrScalar, alpha = 1): Tensor {
    return new Tensor(typeof o === "number" ? O.subS(h(this), o, alpha) : O.subT(h(this), h(o), alpha));
  }
  mul(o: TensorOrScalar): Tensor {
    return new Tensor(typeof o === "number" ? O.mulS(h(this), o) : O.mulT(h(this), h(o)));
  }
  div(o: TensorOrScalar): Tensor {
    return new Tensor(typeof o === "number" ? O.divS(h(this), o) : O.divT(h(this), h(o)));
  }
  pow(e: TensorOrScalar): Tensor {
    return new Tensor(typeof e === "number" ? O.powTS(h(this), e) : O.powTT(h(this), h(e)));
  }
  matmul(o: Tensor): Tensor {
    return new Tensor(O.matmul(h(this), h(o)));
  }
  mm(o: Tensor): Tensor {
    return new Tensor(O.mm(h(this), h(o)));
  }
  bmm(o: Tensor): Tensor {
    return new Tensor(O.bmm(h(this), h(o)));
  }
  neg(): Tensor { return new Tensor(O.neg(h(this))); }
  exp(): Tensor { return new Tensor(O.exp(h(this))); }
  log(): Tensor { return new Tensor(O.log(h(this))); }
  sqrt(): Tensor { return new Tensor(O.sqrt(h(this))); }
  rsqrt(): Tensor { return new Tensor(O.rsqrt(h(this))); }
  abs(): Tensor { return new Tensor(O.abs(h(this))); }
  tanh(): Tensor { return new Tensor(O.tanh(h(this))); }
  sigmoid(): Tensor { return new Tensor(O.sigmoid(h(this))); }
  relu(): Tensor { return new Tensor(O.relu(h(this))); }
  sin(): Tensor { return new Tensor(O.sin(h(this))); }
  cos(): Tensor { return new Tensor(O.cos(h(this))); }
  square(): Tensor { return new Tensor(O.square(h(this))); }
  reciprocal(): Tensor { return new Tensor(O.reciprocal(h(this))); }
  clamp(min: number | null, max: number | null = null): Tensor {
    return new Tensor(O.clampS(h(this), min, max));
  }

  // ---- in-place (return this) ----
  add_(o: TensorOrScalar, alpha = 1): this {
    if (typeof o === "number") O.add_S(h(this), o, alpha);
    else O.add_T(h(this), h(o), alpha);
    return this;
  }
  sub_(o: Tensor, alpha = 1): this { O.sub_T(h(this), h(o), alpha); return this; }
  mul_(o: TensorOrScalar): this {
    if (typeof o === "number") O.mul_S(h(this), o);
    else O.mul_T(h(this), h(o));
    return this;
  }
  div_(s: number): this { O.div_S(h(this), s); return this; }
  zero_(): this { O.zero_(h(this)); return this; }
  fill_(v: Scalar): this { O.fill_S(h(this), v); return this; }
  copy_(src: Tensor): this { O.copy_(h(this), h(src), false); return this; }
  lerp_(end: Tensor, weight: number): this { O.lerp_(h(this), h(end), weight); return this; }
  addcmul_(a: Tensor, b: Tensor, value = 1): this { O.addcmul_(h(this), h(a), h(b), value); return this; }
  addcdiv_(a: Tensor, b: Tensor, value = 1): this { O.addcdiv_(h(this), h(a), h(b), value); return this; }
  maskedFill_(mask: Tensor, v: Scalar): this { O.maskedFill_(h(this), h(mask), v); return this; }
  /** self[indices] = values (indices: one Tensor or null per leading dim). */
  indexPut_(indices: (Tensor | null)[], values: Tensor, accumulate = false): this {
    O.indexPut_(h(this), indices.map((t) => (t ? h(t) : null)), h(values), accumulate);
    return this;
  }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(dim === undefined ? O.sumAll(h(this)) : O.sumDim(h(this), dim, keepdim));
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(dim === undefined ? O.meanAll(h(this)) : O.meanDim(h(this), dim, keepdim));
  }
  max(): Tensor { return new Tensor(O.maxAll(h(this))); }
  min(): Tensor { return new Tensor(O.minAll(h(this))); }
  /** [values, indices] along dim */
  maxDim(dim: number, keepdim = false): [Tensor, Tensor] {
    const [v, i] = O.maxDim(h(this), dim, keepdim) as [number, number];
    return [new Tensor(v), new Tensor(i)];
  }
  argmax(dim?: number, keepdim = false): Tensor { return new Tensor(O.argmax(h(this), dim ?? null, keepdim)); }
  argmin(dim?: number, keepdim = false): Tensor { return new Tensor(O.argmin(h(this), dim ?? null, keepdim)); }
  var(dim: number | number[], correction = 1, keepdim = false): Tensor {
    return new Tensor(O.varDim(h(this), dim, correction, keepdim));
  }
  std(dim: number | number[], correction = 1, keepdim = false): Tensor {
    return new Tensor(O.stdDim(h(this), dim, correction, keepdim));
  }
  /** vector p-norm over all elements (or dims) */
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(O.norm(h(this), p, dim ?? null, keepdim));
  }
  cumsum(dim: number): Tensor { return new Tensor(O.cumsum(h(this), dim)); }
  all(): Tensor { return new Tensor(O.allAll(h(this))); }
  any(): Tensor { return new Tensor(O.anyAll(h(this))); }
  topk(k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
    const [v, i] = O.topk(h(this), k, dim, largest, sorted) as [number, number];
    return [new Tensor(v), new Tensor(i)];
  }
  sort(dim = -1, descending = false): [Tensor, Tensor] {
    const [v, i] = O.sort(h(this), dim, descending) as [number, number];
    return [new Tensor(v), new Tensor(i)];
  }
  softmax(dim: number): Tensor { return new Tensor(O.softmax(h(this), dim, null)); }
  logSoftmax(dim: number): Tensor { return new Tensor(O.logSoftmax(h(this), dim, null)); }

  // ---- comparisons / masks ----
  eq(o: TensorOrScalar): Tensor { return new Tensor(typeof o === "number" ? O.eqS(h(this), o) : O.eqT(h(this), h(o))); }
  ne(o: TensorOrScalar): Tensor { return new Tensor(typeof o === "number" ? O.neS(h(this), o) : O.neT(h(this), h(o))); }
  lt(o: TensorOrScalar): Tensor { return new Tensor(typeof o === "number" ? O.ltS(h(this), o) : O.ltT(h(this), h(o))); }
  gt(o: TensorOrScalar): Tensor { return new Tensor(typeof o === "number" ? O.gtS(h(this), o) : O.gtT(h(this), h(o))); }
  le(s: number): Tensor { return new Tensor(O.leS(h(this), s)); }
  ge(s: number): Tensor { return new Tensor(O.geS(h(this), s)); }
  logicalNot(): Tensor { return new Tensor(O.logicalNot(h(this))); }
  logicalAnd(o: Tensor): Tensor { return new Tensor(O.logicalAnd(h(this), h(o))); }
  isfinite(): Tensor { return new Tensor(O.isfinite(h(this))); }
  maskedFill(mask: Tensor, v: Scalar): Tensor { return new Tensor(O.maskedFill(h(this), h(mask), v)); }
  tril(diagonal = 0): Tensor { return new Tensor(O.tril(h(this), diagonal)); }
  triu(diagonal = 0): Tensor { return new Tensor(O.triu(h(this), diagonal)); }

  // ---- movement ----
  reshape(...shape: number[]): Tensor { return new Tensor(O.reshape(h(this), shape)); }
  view(...shape: number[]): Tensor { return new Tensor(O.view(h(this), shape)); }
  permute(...dims: number[]): Tensor { return new Tensor(O.permute(h(this), dims)); }
  transpose(d0: number, d1: number): Tensor { return new Tensor(O.transpose(h(this), d0, d1)); }
  /** 2-D transpose */
  t(): Tensor { return new Tensor(O.t(h(this))); }
  contiguous(): Tensor { return new Tensor(O.contiguous(h(this))); }
  unsqueeze(dim: number): Tensor { return new Tensor(O.unsqueeze(h(this), dim)); }
  squeeze(dim?: number): Tensor { return new Tensor(dim === undefined ? O.squeeze(h(this)) : O.squeezeDim(h(this), dim)); }
  flatten(start = 0, end = -1): Tensor { return new Tensor(O.flatten(h(this), start, end)); }
  expand(...shape: number[]): Tensor { return new Tensor(O.expand(h(this), shape, false)); }
  repeat(...times: number[]): Tensor { return new Tensor(O.repeat(h(this), times)); }
  narrow(dim: number, start: number, length: number): Tensor { return new Tensor(O.narrow(h(this), dim, start, length)); }
  /** self[start:end:step] along dim (null = open end) */
  slice(dim: number, start: number | null, end: number | null, step = 1): Tensor {
    return new Tensor(O.slice(h(this), dim, start, end, step));
  }
  select(dim: number, index: number): Tensor { return new Tensor(O.select(h(this), dim, index)); }
  indexSelect(dim: number, index: Tensor): Tensor { return new Tensor(O.indexSelect(h(this), dim, h(index))); }
  gather(dim: number, index: Tensor): Tensor { return new Tensor(O.gather(h(this), dim, h(index), false)); }
  /** advanced indexing self[i0, i1, …] with a Tensor or null (= full slice) per leading dim */
  index(indices: (Tensor | null)[]): Tensor { return new Tensor(O.index(h(this), indices.map((t) => (t ? h(t) : null)))); }
  chunk(chunks: number, dim = 0): Tensor[] { return (O.chunk(h(this), chunks, dim) as number[]).map((x) => new Tensor(x)); }
  split(size: number, dim = 0): Tensor[] { return (O.split(h(this), size, dim) as number[]).map((x) => new Tensor(x)); }

  // ---- conversion ----
  /** Convert dtype and/or move to a device ("cpu", "cuda", "cuda:1"). */
  to(dtypeOrDevice: DType | string, dtype?: DType): Tensor {
    let dt: DType | undefined = dtype;
    let dev: string | undefined;
    if (isDTypeName(dtypeOrDevice)) dt = dtypeOrDevice;
    else dev = dtypeOrDevice;
    return new Tensor(O.to(h(this), dt === undefined ? null : dtypeCode(dt), null, dev ?? null, null, false, false, null));
  }
  float(): Tensor { return this.to("float32"); }
  long(): Tensor { return this.to("int64"); }
  cuda(index = 0): Tensor { return this.to(`cuda:${index}`); }
  cpu(): Tensor { return this.to("cpu"); }
  clone(): Tensor { return new Tensor(O.clone(h(this), null)); }
  detach(): Tensor { return new Tensor(O.detach(h(this))); }

  // ---- autograd ----
  requiresGrad_(flag = true): this {
    native.setRequiresGrad(this.handle, flag);
    return this;
  }
  /** Backpropagate from this tensor (scalar, or with an explicit gradient of the same shape). */
  backward(gradient?: Tensor, retainGraph = false): void {
    native.backward(this.handle, gradient ? gradient.handle : null, retainGraph);
  }
  /** The accumulated gradient as a new handle (null before backward). Dispose it or call inside tidy(). */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handle, g ? g.handle : null);
  }
  /** Drop the gradient (set_to_none). */
  zeroGrad(): void {
    native.setGrad(this.handle, null);
  }
}

const DTYPE_NAMES = new Set(["uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "bool", "bfloat16"]);
function isDTypeName(s: string): s is DType {
  return DTYPE_NAMES.has(s);
}

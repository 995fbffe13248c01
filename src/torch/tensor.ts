// The Tensor class: a handle to a libtorch tensor plus ergonomic methods. Every method calls a typed wrapper
// generated from src/torch/schemas.txt (generated/ops.ts), so each call is checked against the op's schema
// by tsc. Creation from JS data lives in create.ts; nn functions in functional.ts.
import { native } from "./native.js";
import { NativeHandle } from "./scope.js";
import * as A from "./generated/ops.js";
import { dtypeFromCode, viewBytes, type DType, type TypedArray } from "./dtype.js";

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | number;

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
    return typeof o === "number" ? A.addScalar(this, o, alpha) : A.addTensor(this, o, alpha);
  }
  sub(o: TensorOrScalar, alpha = 1): Tensor {
    return typeof o === "number" ? A.subScalar(this, o, alpha) : A.subTensor(this, o, alpha);
  }
  mul(o: TensorOrScalar): Tensor {
    return typeof o === "number" ? A.mulScalar(this, o) : A.mulTensor(this, o);
  }
  div(o: TensorOrScalar): Tensor {
    return typeof o === "number" ? A.divScalar(this, o) : A.divTensor(this, o);
  }
  pow(e: TensorOrScalar): Tensor {
    return typeof e === "number" ? A.powTensorScalar(this, e) : A.powTensorTensor(this, e);
  }
  matmul(o: Tensor): Tensor { return A.matmul(this, o); }
  mm(o: Tensor): Tensor { return A.mm(this, o); }
  bmm(o: Tensor): Tensor { return A.bmm(this, o); }
  neg(): Tensor { return A.neg(this); }
  exp(): Tensor { return A.exp(this); }
  log(): Tensor { return A.log(this); }
  sqrt(): Tensor { return A.sqrt(this); }
  rsqrt(): Tensor { return A.rsqrt(this); }
  abs(): Tensor { return A.abs(this); }
  tanh(): Tensor { return A.tanh(this); }
  sigmoid(): Tensor { return A.sigmoid(this); }
  relu(): Tensor { return A.relu(this); }
  sin(): Tensor { return A.sin(this); }
  cos(): Tensor { return A.cos(this); }
  square(): Tensor { return A.square(this); }
  reciprocal(): Tensor { return A.reciprocal(this); }
  clamp(min: number | null, max: number | null = null): Tensor { return A.clamp(this, min, max); }

  // ---- in-place (return this) ----
  add_(o: TensorOrScalar, alpha = 1): this {
    if (typeof o === "number") A.add_Scalar(this, o, alpha);
    else A.add_Tensor(this, o, alpha);
    return this;
  }
  sub_(o: Tensor, alpha = 1): this { A.sub_Tensor(this, o, alpha); return this; }
  mul_(o: TensorOrScalar): this {
    if (typeof o === "number") A.mul_Scalar(this, o);
    else A.mul_Tensor(this, o);
    return this;
  }
  div_(s: number): this { A.div_Scalar(this, s); return this; }
  zero_(): this { A.zero_(this); return this; }
  fill_(v: Scalar): this { A.fill_Scalar(this, v); return this; }
  copy_(src: Tensor): this { A.copy_(this, src); return this; }
  lerp_(end: Tensor, weight: number): this { A.lerp_Scalar(this, end, weight); return this; }
  addcmul_(a: Tensor, b: Tensor, value = 1): this { A.addcmul_(this, a, b, value); return this; }
  addcdiv_(a: Tensor, b: Tensor, value = 1): this { A.addcdiv_(this, a, b, value); return this; }
  maskedFill_(mask: Tensor, v: Scalar): this { A.maskedFill_Scalar(this, mask, v); return this; }
  /** self[indices] = values (indices: one Tensor or null per leading dim). */
  indexPut_(indices: (Tensor | null)[], values: Tensor, accumulate = false): this {
    A.indexPut_(this, indices, values, accumulate);
    return this;
  }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? A.sum(this) : A.sumDimIntList(this, dim, keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? A.mean(this) : A.meanDim(this, dim, keepdim);
  }
  max(): Tensor { return A.max(this); }
  min(): Tensor { return A.min(this); }
  /** [values, indices] along dim */
  maxDim(dim: number, keepdim = false): [Tensor, Tensor] { return A.maxDim(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return A.argmax(this, dim ?? null, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return A.argmin(this, dim ?? null, keepdim); }
  var(dim: number | number[], correction = 1, keepdim = false): Tensor {
    return A.varCorrection(this, dim, correction, keepdim);
  }
  std(dim: number | number[], correction = 1, keepdim = false): Tensor {
    return A.stdCorrection(this, dim, correction, keepdim);
  }
  /** vector p-norm over all elements (or dims) */
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    return A.linalgVectorNorm(this, p, dim ?? null, keepdim);
  }
  cumsum(dim: number): Tensor { return A.cumsum(this, dim); }
  all(): Tensor { return A.all(this); }
  any(): Tensor { return A.any(this); }
  topk(k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] { return A.topk(this, k, dim, largest, sorted); }
  sort(dim = -1, descending = false): [Tensor, Tensor] { return A.sort(this, dim, descending); }
  softmax(dim: number): Tensor { return A.softmaxInt(this, dim); }
  logSoftmax(dim: number): Tensor { return A.logSoftmaxInt(this, dim); }

  // ---- comparisons / masks ----
  eq(o: TensorOrScalar): Tensor { return typeof o === "number" ? A.eqScalar(this, o) : A.eqTensor(this, o); }
  ne(o: TensorOrScalar): Tensor { return typeof o === "number" ? A.neScalar(this, o) : A.neTensor(this, o); }
  lt(o: TensorOrScalar): Tensor { return typeof o === "number" ? A.ltScalar(this, o) : A.ltTensor(this, o); }
  gt(o: TensorOrScalar): Tensor { return typeof o === "number" ? A.gtScalar(this, o) : A.gtTensor(this, o); }
  le(s: number): Tensor { return A.leScalar(this, s); }
  ge(s: number): Tensor { return A.geScalar(this, s); }
  logicalNot(): Tensor { return A.logicalNot(this); }
  logicalAnd(o: Tensor): Tensor { return A.logicalAnd(this, o); }
  isfinite(): Tensor { return A.isfinite(this); }
  maskedFill(mask: Tensor, v: Scalar): Tensor { return A.maskedFillScalar(this, mask, v); }
  tril(diagonal = 0): Tensor { return A.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return A.triu(this, diagonal); }

  // ---- movement ----
  reshape(...shape: number[]): Tensor { return A.reshape(this, shape); }
  view(...shape: number[]): Tensor { return A.view(this, shape); }
  permute(...dims: number[]): Tensor { return A.permute(this, dims); }
  transpose(d0: number, d1: number): Tensor { return A.transposeInt(this, d0, d1); }
  /** 2-D transpose */
  t(): Tensor { return A.t(this); }
  contiguous(): Tensor { return A.contiguous(this); }
  unsqueeze(dim: number): Tensor { return A.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return dim === undefined ? A.squeeze(this) : A.squeezeDim(this, dim); }
  flatten(start = 0, end = -1): Tensor { return A.flattenUsingInts(this, start, end); }
  expand(...shape: number[]): Tensor { return A.expand(this, shape); }
  repeat(...times: number[]): Tensor { return A.repeat(this, times); }
  narrow(dim: number, start: number, length: number): Tensor { return A.narrow(this, dim, start, length); }
  /** self[start:end:step] along dim (null = open end) */
  slice(dim: number, start: number | null, end: number | null, step = 1): Tensor {
    return A.sliceTensor(this, dim, start, end, step);
  }
  select(dim: number, index: number): Tensor { return A.selectInt(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return A.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return A.gather(this, dim, index); }
  /** out-of-place scatter-add: self with src added at index along dim */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return A.scatterAdd(this, dim, index, src); }
  /** advanced indexing self[i0, i1, …] with a Tensor or null (= full slice) per leading dim */
  index(indices: (Tensor | null)[]): Tensor { return A.indexTensor(this, indices); }
  chunk(chunks: number, dim = 0): Tensor[] { return A.chunk(this, chunks, dim); }
  split(size: number, dim = 0): Tensor[] { return A.splitTensor(this, size, dim); }
  /** views of consecutive lengths `sizes` (summing to the dim's size) along `dim` */
  splitWithSizes(sizes: number[], dim = 0): Tensor[] { return A.splitWithSizes(this, sizes, dim); }
  /** the slices along `dim`, that dim removed (views) */
  unbind(dim = 0): Tensor[] { return A.unbindInt(this, dim); }

  // ---- conversion ----
  /** Convert dtype and/or move to a device ("cpu", "cuda", "cuda:1"). */
  to(dtypeOrDevice: DType | string, dtype?: DType): Tensor {
    let dt: DType | undefined = dtype;
    let dev: string | undefined;
    if (isDTypeName(dtypeOrDevice)) dt = dtypeOrDevice;
    else dev = dtypeOrDevice;
    return A.toDtypeLayout(this, dt, undefined, dev); // layout, pin_memory, … take the schema defaults
  }
  float(): Tensor { return this.to("float32"); }
  long(): Tensor { return this.to("int64"); }
  cuda(index = 0): Tensor { return this.to(`cuda:${index}`); }
  cpu(): Tensor { return this.to("cpu"); }
  clone(): Tensor { return A.clone(this); }
  detach(): Tensor { return A.detach(this); }

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

  // ---- storage ----
  /**
   * In place: this tensor takes `source`'s storage, offset, sizes and strides (aten::set_, no copy); its old
   * storage is released when nothing else holds it. Run it under noGrad on a parameter: --shard full points a
   * block's parameters at an all-gathered buffer before use and at an empty tensor after (src/train/fsdp.ts).
   */
  set_(source: Tensor): this {
    A.set_SourceTensor(this, source);
    this._shape = undefined;
    return this;
  }
}

const DTYPE_NAMES = new Set(["uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "bool", "bfloat16"]);
function isDTypeName(s: string): s is DType {
  return DTYPE_NAMES.has(s);
}

// generated — do not edit. Source: src/torch/schemas.txt; regenerate with `node dist/scripts/gen-ops.js`.
// Typed wrappers over the boxed dispatcher: positional arguments in schema order, undefined = schema default.
/* eslint-disable */
import { native } from "../native.js";
import { opId } from "../ops.js";
import { Tensor } from "../tensor.js";
import { dtypeCode, type DType } from "../dtype.js";
void dtypeCode;
export type { DType };

/** `aten::scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float dropout_p=0., bool is_causal=False, *, float? scale=None) -> Tensor` */
let $scaledDotProductAttention = -1;
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, dropoutP?: number, isCausal?: boolean, scale?: number | null): Tensor {
  const r = native.callOp($scaledDotProductAttention < 0 ? ($scaledDotProductAttention = opId("aten::scaled_dot_product_attention", "")) : $scaledDotProductAttention, query.handle, key.handle, value.handle, attnMask == null ? attnMask : attnMask.handle, dropoutP, isCausal, scale);
  return new Tensor(r);
}

/** `aten::_fused_adamw_(Tensor(a!)[] self, Tensor(b!)[] grads, Tensor(c!)[] exp_avgs, Tensor(d!)[] exp_avg_sqs, Tensor(e!)[] max_exp_avg_sqs, Tensor[] state_steps, *, float lr, float beta1, float beta2, float weight_decay, float eps, bool amsgrad, bool maximize, Tensor? grad_scale=None, Tensor? found_inf=None) -> ()` */
let $_fusedAdamw_ = -1;
export function _fusedAdamw_(self_: Tensor[], grads: Tensor[], expAvgs: Tensor[], expAvgSqs: Tensor[], maxExpAvgSqs: Tensor[], stateSteps: Tensor[], lr: number, beta1: number, beta2: number, weightDecay: number, eps: number, amsgrad: boolean, maximize: boolean, gradScale?: Tensor | null, foundInf?: Tensor | null): void {
  native.callOp($_fusedAdamw_ < 0 ? ($_fusedAdamw_ = opId("aten::_fused_adamw_", "")) : $_fusedAdamw_, self_.map((t) => t.handle), grads.map((t) => t.handle), expAvgs.map((t) => t.handle), expAvgSqs.map((t) => t.handle), maxExpAvgSqs.map((t) => t.handle), stateSteps.map((t) => t.handle), lr, beta1, beta2, weightDecay, eps, amsgrad, maximize, gradScale == null ? gradScale : gradScale.handle, foundInf == null ? foundInf : foundInf.handle);
}

/** `aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor` */
let $addTensor = -1;
export function addTensor(self_: Tensor, other: Tensor, alpha?: number | boolean): Tensor {
  const r = native.callOp($addTensor < 0 ? ($addTensor = opId("aten::add", "Tensor")) : $addTensor, self_.handle, other.handle, alpha);
  return new Tensor(r);
}

/** `aten::add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor` */
let $addScalar = -1;
export function addScalar(self_: Tensor, other: number | boolean, alpha?: number | boolean): Tensor {
  const r = native.callOp($addScalar < 0 ? ($addScalar = opId("aten::add", "Scalar")) : $addScalar, self_.handle, other, alpha);
  return new Tensor(r);
}

/** `aten::sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor` */
let $subTensor = -1;
export function subTensor(self_: Tensor, other: Tensor, alpha?: number | boolean): Tensor {
  const r = native.callOp($subTensor < 0 ? ($subTensor = opId("aten::sub", "Tensor")) : $subTensor, self_.handle, other.handle, alpha);
  return new Tensor(r);
}

/** `aten::sub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor` */
let $subScalar = -1;
export function subScalar(self_: Tensor, other: number | boolean, alpha?: number | boolean): Tensor {
  const r = native.callOp($subScalar < 0 ? ($subScalar = opId("aten::sub", "Scalar")) : $subScalar, self_.handle, other, alpha);
  return new Tensor(r);
}

/** `aten::mul.Tensor(Tensor self, Tensor other) -> Tensor` */
let $mulTensor = -1;
export function mulTensor(self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($mulTensor < 0 ? ($mulTensor = opId("aten::mul", "Tensor")) : $mulTensor, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::mul.Scalar(Tensor self, Scalar other) -> Tensor` */
let $mulScalar = -1;
export function mulScalar(self_: Tensor, other: number | boolean): Tensor {
  const r = native.callOp($mulScalar < 0 ? ($mulScalar = opId("aten::mul", "Scalar")) : $mulScalar, self_.handle, other);
  return new Tensor(r);
}

/** `aten::div.Tensor(Tensor self, Tensor other) -> Tensor` */
let $divTensor = -1;
export function divTensor(self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($divTensor < 0 ? ($divTensor = opId("aten::div", "Tensor")) : $divTensor, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::div.Scalar(Tensor self, Scalar other) -> Tensor` */
let $divScalar = -1;
export function divScalar(self_: Tensor, other: number | boolean): Tensor {
  const r = native.callOp($divScalar < 0 ? ($divScalar = opId("aten::div", "Scalar")) : $divScalar, self_.handle, other);
  return new Tensor(r);
}

/** `aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)` */
let $add_Tensor = -1;
export function add_Tensor(self_: Tensor, other: Tensor, alpha?: number | boolean): Tensor {
  native.callOp($add_Tensor < 0 ? ($add_Tensor = opId("aten::add_", "Tensor")) : $add_Tensor, self_.handle, other.handle, alpha);
  return self_;
}

/** `aten::add_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)` */
let $add_Scalar = -1;
export function add_Scalar(self_: Tensor, other: number | boolean, alpha?: number | boolean): Tensor {
  native.callOp($add_Scalar < 0 ? ($add_Scalar = opId("aten::add_", "Scalar")) : $add_Scalar, self_.handle, other, alpha);
  return self_;
}

/** `aten::mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)` */
let $mul_Tensor = -1;
export function mul_Tensor(self_: Tensor, other: Tensor): Tensor {
  native.callOp($mul_Tensor < 0 ? ($mul_Tensor = opId("aten::mul_", "Tensor")) : $mul_Tensor, self_.handle, other.handle);
  return self_;
}

/** `aten::mul_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)` */
let $mul_Scalar = -1;
export function mul_Scalar(self_: Tensor, other: number | boolean): Tensor {
  native.callOp($mul_Scalar < 0 ? ($mul_Scalar = opId("aten::mul_", "Scalar")) : $mul_Scalar, self_.handle, other);
  return self_;
}

/** `aten::sub_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)` */
let $sub_Tensor = -1;
export function sub_Tensor(self_: Tensor, other: Tensor, alpha?: number | boolean): Tensor {
  native.callOp($sub_Tensor < 0 ? ($sub_Tensor = opId("aten::sub_", "Tensor")) : $sub_Tensor, self_.handle, other.handle, alpha);
  return self_;
}

/** `aten::div_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)` */
let $div_Scalar = -1;
export function div_Scalar(self_: Tensor, other: number | boolean): Tensor {
  native.callOp($div_Scalar < 0 ? ($div_Scalar = opId("aten::div_", "Scalar")) : $div_Scalar, self_.handle, other);
  return self_;
}

/** `aten::zero_(Tensor(a!) self) -> Tensor(a!)` */
let $zero_ = -1;
export function zero_(self_: Tensor): Tensor {
  native.callOp($zero_ < 0 ? ($zero_ = opId("aten::zero_", "")) : $zero_, self_.handle);
  return self_;
}

/** `aten::fill_.Scalar(Tensor(a!) self, Scalar value) -> Tensor(a!)` */
let $fill_Scalar = -1;
export function fill_Scalar(self_: Tensor, value: number | boolean): Tensor {
  native.callOp($fill_Scalar < 0 ? ($fill_Scalar = opId("aten::fill_", "Scalar")) : $fill_Scalar, self_.handle, value);
  return self_;
}

/** `aten::copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)` */
let $copy_ = -1;
export function copy_(self_: Tensor, src: Tensor, nonBlocking?: boolean): Tensor {
  native.callOp($copy_ < 0 ? ($copy_ = opId("aten::copy_", "")) : $copy_, self_.handle, src.handle, nonBlocking);
  return self_;
}

/** `aten::pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor` */
let $powTensorScalar = -1;
export function powTensorScalar(self_: Tensor, exponent: number | boolean): Tensor {
  const r = native.callOp($powTensorScalar < 0 ? ($powTensorScalar = opId("aten::pow", "Tensor_Scalar")) : $powTensorScalar, self_.handle, exponent);
  return new Tensor(r);
}

/** `aten::pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor` */
let $powTensorTensor = -1;
export function powTensorTensor(self_: Tensor, exponent: Tensor): Tensor {
  const r = native.callOp($powTensorTensor < 0 ? ($powTensorTensor = opId("aten::pow", "Tensor_Tensor")) : $powTensorTensor, self_.handle, exponent.handle);
  return new Tensor(r);
}

/** `aten::matmul(Tensor self, Tensor other) -> Tensor` */
let $matmul = -1;
export function matmul(self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($matmul < 0 ? ($matmul = opId("aten::matmul", "")) : $matmul, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::mm(Tensor self, Tensor mat2) -> Tensor` */
let $mm = -1;
export function mm(self_: Tensor, mat2: Tensor): Tensor {
  const r = native.callOp($mm < 0 ? ($mm = opId("aten::mm", "")) : $mm, self_.handle, mat2.handle);
  return new Tensor(r);
}

/** `aten::bmm(Tensor self, Tensor mat2) -> Tensor` */
let $bmm = -1;
export function bmm(self_: Tensor, mat2: Tensor): Tensor {
  const r = native.callOp($bmm < 0 ? ($bmm = opId("aten::bmm", "")) : $bmm, self_.handle, mat2.handle);
  return new Tensor(r);
}

/** `aten::neg(Tensor self) -> Tensor` */
let $neg = -1;
export function neg(self_: Tensor): Tensor {
  const r = native.callOp($neg < 0 ? ($neg = opId("aten::neg", "")) : $neg, self_.handle);
  return new Tensor(r);
}

/** `aten::exp(Tensor self) -> Tensor` */
let $exp = -1;
export function exp(self_: Tensor): Tensor {
  const r = native.callOp($exp < 0 ? ($exp = opId("aten::exp", "")) : $exp, self_.handle);
  return new Tensor(r);
}

/** `aten::log(Tensor self) -> Tensor` */
let $log = -1;
export function log(self_: Tensor): Tensor {
  const r = native.callOp($log < 0 ? ($log = opId("aten::log", "")) : $log, self_.handle);
  return new Tensor(r);
}

/** `aten::sqrt(Tensor self) -> Tensor` */
let $sqrt = -1;
export function sqrt(self_: Tensor): Tensor {
  const r = native.callOp($sqrt < 0 ? ($sqrt = opId("aten::sqrt", "")) : $sqrt, self_.handle);
  return new Tensor(r);
}

/** `aten::rsqrt(Tensor self) -> Tensor` */
let $rsqrt = -1;
export function rsqrt(self_: Tensor): Tensor {
  const r = native.callOp($rsqrt < 0 ? ($rsqrt = opId("aten::rsqrt", "")) : $rsqrt, self_.handle);
  return new Tensor(r);
}

/** `aten::abs(Tensor self) -> Tensor` */
let $abs = -1;
export function abs(self_: Tensor): Tensor {
  const r = native.callOp($abs < 0 ? ($abs = opId("aten::abs", "")) : $abs, self_.handle);
  return new Tensor(r);
}

/** `aten::tanh(Tensor self) -> Tensor` */
let $tanh = -1;
export function tanh(self_: Tensor): Tensor {
  const r = native.callOp($tanh < 0 ? ($tanh = opId("aten::tanh", "")) : $tanh, self_.handle);
  return new Tensor(r);
}

/** `aten::sigmoid(Tensor self) -> Tensor` */
let $sigmoid = -1;
export function sigmoid(self_: Tensor): Tensor {
  const r = native.callOp($sigmoid < 0 ? ($sigmoid = opId("aten::sigmoid", "")) : $sigmoid, self_.handle);
  return new Tensor(r);
}

/** `aten::relu(Tensor self) -> Tensor` */
let $relu = -1;
export function relu(self_: Tensor): Tensor {
  const r = native.callOp($relu < 0 ? ($relu = opId("aten::relu", "")) : $relu, self_.handle);
  return new Tensor(r);
}

/** `aten::sin(Tensor self) -> Tensor` */
let $sin = -1;
export function sin(self_: Tensor): Tensor {
  const r = native.callOp($sin < 0 ? ($sin = opId("aten::sin", "")) : $sin, self_.handle);
  return new Tensor(r);
}

/** `aten::cos(Tensor self) -> Tensor` */
let $cos = -1;
export function cos(self_: Tensor): Tensor {
  const r = native.callOp($cos < 0 ? ($cos = opId("aten::cos", "")) : $cos, self_.handle);
  return new Tensor(r);
}

/** `aten::square(Tensor self) -> Tensor` */
let $square = -1;
export function square(self_: Tensor): Tensor {
  const r = native.callOp($square < 0 ? ($square = opId("aten::square", "")) : $square, self_.handle);
  return new Tensor(r);
}

/** `aten::reciprocal(Tensor self) -> Tensor` */
let $reciprocal = -1;
export function reciprocal(self_: Tensor): Tensor {
  const r = native.callOp($reciprocal < 0 ? ($reciprocal = opId("aten::reciprocal", "")) : $reciprocal, self_.handle);
  return new Tensor(r);
}

/** `aten::clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor` */
let $clamp = -1;
export function clamp(self_: Tensor, min?: number | boolean | null, max?: number | boolean | null): Tensor {
  const r = native.callOp($clamp < 0 ? ($clamp = opId("aten::clamp", "")) : $clamp, self_.handle, min, max);
  return new Tensor(r);
}

/** `aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor` */
let $sum = -1;
export function sum(self_: Tensor, dtype?: DType | null): Tensor {
  const r = native.callOp($sum < 0 ? ($sum = opId("aten::sum", "")) : $sum, self_.handle, dtype == null ? dtype : dtypeCode(dtype));
  return new Tensor(r);
}

/** `aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor` */
let $sumDimIntList = -1;
export function sumDimIntList(self_: Tensor, dim?: number[] | number | null, keepdim?: boolean, dtype?: DType | null): Tensor {
  const r = native.callOp($sumDimIntList < 0 ? ($sumDimIntList = opId("aten::sum", "dim_IntList")) : $sumDimIntList, self_.handle, dim, keepdim, dtype == null ? dtype : dtypeCode(dtype));
  return new Tensor(r);
}

/** `aten::mean(Tensor self, *, ScalarType? dtype=None) -> Tensor` */
let $mean = -1;
export function mean(self_: Tensor, dtype?: DType | null): Tensor {
  const r = native.callOp($mean < 0 ? ($mean = opId("aten::mean", "")) : $mean, self_.handle, dtype == null ? dtype : dtypeCode(dtype));
  return new Tensor(r);
}

/** `aten::mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor` */
let $meanDim = -1;
export function meanDim(self_: Tensor, dim?: number[] | number | null, keepdim?: boolean, dtype?: DType | null): Tensor {
  const r = native.callOp($meanDim < 0 ? ($meanDim = opId("aten::mean", "dim")) : $meanDim, self_.handle, dim, keepdim, dtype == null ? dtype : dtypeCode(dtype));
  return new Tensor(r);
}

/** `aten::max(Tensor self) -> Tensor` */
let $max = -1;
export function max(self_: Tensor): Tensor {
  const r = native.callOp($max < 0 ? ($max = opId("aten::max", "")) : $max, self_.handle);
  return new Tensor(r);
}

/** `aten::min(Tensor self) -> Tensor` */
let $min = -1;
export function min(self_: Tensor): Tensor {
  const r = native.callOp($min < 0 ? ($min = opId("aten::min", "")) : $min, self_.handle);
  return new Tensor(r);
}

/** `aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)` */
let $maxDim = -1;
export function maxDim(self_: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor] {
  const r = native.callOp($maxDim < 0 ? ($maxDim = opId("aten::max", "dim")) : $maxDim, self_.handle, dim, keepdim);
  return [new Tensor(r[0]), new Tensor(r[1])];
}

/** `aten::argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor` */
let $argmax = -1;
export function argmax(self_: Tensor, dim?: number | null, keepdim?: boolean): Tensor {
  const r = native.callOp($argmax < 0 ? ($argmax = opId("aten::argmax", "")) : $argmax, self_.handle, dim, keepdim);
  return new Tensor(r);
}

/** `aten::argmin(Tensor self, int? dim=None, bool keepdim=False) -> Tensor` */
let $argmin = -1;
export function argmin(self_: Tensor, dim?: number | null, keepdim?: boolean): Tensor {
  const r = native.callOp($argmin < 0 ? ($argmin = opId("aten::argmin", "")) : $argmin, self_.handle, dim, keepdim);
  return new Tensor(r);
}

/** `aten::var.correction(Tensor self, int[1]? dim, *, int? correction, bool keepdim=False) -> Tensor` */
let $varCorrection = -1;
export function varCorrection(self_: Tensor, dim?: number[] | number | null, correction?: number | null, keepdim?: boolean): Tensor {
  const r = native.callOp($varCorrection < 0 ? ($varCorrection = opId("aten::var", "correction")) : $varCorrection, self_.handle, dim, correction, keepdim);
  return new Tensor(r);
}

/** `aten::std.correction(Tensor self, int[1]? dim, *, int? correction, bool keepdim=False) -> Tensor` */
let $stdCorrection = -1;
export function stdCorrection(self_: Tensor, dim?: number[] | number | null, correction?: number | null, keepdim?: boolean): Tensor {
  const r = native.callOp($stdCorrection < 0 ? ($stdCorrection = opId("aten::std", "correction")) : $stdCorrection, self_.handle, dim, correction, keepdim);
  return new Tensor(r);
}

/** `aten::linalg_vector_norm(Tensor self, Scalar ord=2, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor` */
let $linalgVectorNorm = -1;
export function linalgVectorNorm(self_: Tensor, ord?: number | boolean, dim?: number[] | number | null, keepdim?: boolean, dtype?: DType | null): Tensor {
  const r = native.callOp($linalgVectorNorm < 0 ? ($linalgVectorNorm = opId("aten::linalg_vector_norm", "")) : $linalgVectorNorm, self_.handle, ord, dim, keepdim, dtype == null ? dtype : dtypeCode(dtype));
  return new Tensor(r);
}

/** `aten::cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor` */
let $cumsum = -1;
export function cumsum(self_: Tensor, dim: number, dtype?: DType | null): Tensor {
  const r = native.callOp($cumsum < 0 ? ($cumsum = opId("aten::cumsum", "")) : $cumsum, self_.handle, dim, dtype == null ? dtype : dtypeCode(dtype));
  return new Tensor(r);
}

/** `aten::all(Tensor self) -> Tensor` */
let $all = -1;
export function all(self_: Tensor): Tensor {
  const r = native.callOp($all < 0 ? ($all = opId("aten::all", "")) : $all, self_.handle);
  return new Tensor(r);
}

/** `aten::any(Tensor self) -> Tensor` */
let $any = -1;
export function any(self_: Tensor): Tensor {
  const r = native.callOp($any < 0 ? ($any = opId("aten::any", "")) : $any, self_.handle);
  return new Tensor(r);
}

/** `aten::topk(Tensor self, int k, int dim=-1, bool largest=True, bool sorted=True) -> (Tensor values, Tensor indices)` */
let $topk = -1;
export function topk(self_: Tensor, k: number, dim?: number, largest?: boolean, sorted?: boolean): [Tensor, Tensor] {
  const r = native.callOp($topk < 0 ? ($topk = opId("aten::topk", "")) : $topk, self_.handle, k, dim, largest, sorted);
  return [new Tensor(r[0]), new Tensor(r[1])];
}

/** `aten::sort(Tensor self, int dim=-1, bool descending=False) -> (Tensor values, Tensor indices)` */
let $sort = -1;
export function sort(self_: Tensor, dim?: number, descending?: boolean): [Tensor, Tensor] {
  const r = native.callOp($sort < 0 ? ($sort = opId("aten::sort", "")) : $sort, self_.handle, dim, descending);
  return [new Tensor(r[0]), new Tensor(r[1])];
}

/** `aten::reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)` */
let $reshape = -1;
export function reshape(self_: Tensor, shape: number[] | number): Tensor {
  const r = native.callOp($reshape < 0 ? ($reshape = opId("aten::reshape", "")) : $reshape, self_.handle, shape);
  return new Tensor(r);
}

/** `aten::view(Tensor(a) self, SymInt[] size) -> Tensor(a)` */
let $view = -1;
export function view(self_: Tensor, size: number[] | number): Tensor {
  const r = native.callOp($view < 0 ? ($view = opId("aten::view", "")) : $view, self_.handle, size);
  return new Tensor(r);
}

/** `aten::permute(Tensor(a) self, int[] dims) -> Tensor(a)` */
let $permute = -1;
export function permute(self_: Tensor, dims: number[] | number): Tensor {
  const r = native.callOp($permute < 0 ? ($permute = opId("aten::permute", "")) : $permute, self_.handle, dims);
  return new Tensor(r);
}

/** `aten::transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)` */
let $transposeInt = -1;
export function transposeInt(self_: Tensor, dim0: number, dim1: number): Tensor {
  const r = native.callOp($transposeInt < 0 ? ($transposeInt = opId("aten::transpose", "int")) : $transposeInt, self_.handle, dim0, dim1);
  return new Tensor(r);
}

/** `aten::contiguous(Tensor(a) self, *, MemoryFormat memory_format=0) -> Tensor(a)` */
let $contiguous = -1;
export function contiguous(self_: Tensor, memoryFormat?: number): Tensor {
  const r = native.callOp($contiguous < 0 ? ($contiguous = opId("aten::contiguous", "")) : $contiguous, self_.handle, memoryFormat);
  return new Tensor(r);
}

/** `aten::unsqueeze(Tensor(a) self, int dim) -> Tensor(a)` */
let $unsqueeze = -1;
export function unsqueeze(self_: Tensor, dim: number): Tensor {
  const r = native.callOp($unsqueeze < 0 ? ($unsqueeze = opId("aten::unsqueeze", "")) : $unsqueeze, self_.handle, dim);
  return new Tensor(r);
}

/** `aten::squeeze(Tensor(a) self) -> Tensor(a)` */
let $squeeze = -1;
export function squeeze(self_: Tensor): Tensor {
  const r = native.callOp($squeeze < 0 ? ($squeeze = opId("aten::squeeze", "")) : $squeeze, self_.handle);
  return new Tensor(r);
}

/** `aten::squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)` */
let $squeezeDim = -1;
export function squeezeDim(self_: Tensor, dim: number): Tensor {
  const r = native.callOp($squeezeDim < 0 ? ($squeezeDim = opId("aten::squeeze", "dim")) : $squeezeDim, self_.handle, dim);
  return new Tensor(r);
}

/** `aten::flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)` */
let $flattenUsingInts = -1;
export function flattenUsingInts(self_: Tensor, startDim?: number, endDim?: number): Tensor {
  const r = native.callOp($flattenUsingInts < 0 ? ($flattenUsingInts = opId("aten::flatten", "using_ints")) : $flattenUsingInts, self_.handle, startDim, endDim);
  return new Tensor(r);
}

/** `aten::expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)` */
let $expand = -1;
export function expand(self_: Tensor, size: number[] | number, implicit?: boolean): Tensor {
  const r = native.callOp($expand < 0 ? ($expand = opId("aten::expand", "")) : $expand, self_.handle, size, implicit);
  return new Tensor(r);
}

/** `aten::repeat(Tensor self, SymInt[] repeats) -> Tensor` */
let $repeat = -1;
export function repeat(self_: Tensor, repeats: number[] | number): Tensor {
  const r = native.callOp($repeat < 0 ? ($repeat = opId("aten::repeat", "")) : $repeat, self_.handle, repeats);
  return new Tensor(r);
}

/** `aten::narrow(Tensor(a) self, int dim, int start, int length) -> Tensor(a)` */
let $narrow = -1;
export function narrow(self_: Tensor, dim: number, start: number, length: number): Tensor {
  const r = native.callOp($narrow < 0 ? ($narrow = opId("aten::narrow", "")) : $narrow, self_.handle, dim, start, length);
  return new Tensor(r);
}

/** `aten::slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor(a)` */
let $sliceTensor = -1;
export function sliceTensor(self_: Tensor, dim?: number, start?: number | null, end?: number | null, step?: number): Tensor {
  const r = native.callOp($sliceTensor < 0 ? ($sliceTensor = opId("aten::slice", "Tensor")) : $sliceTensor, self_.handle, dim, start, end, step);
  return new Tensor(r);
}

/** `aten::select.int(Tensor(a) self, int dim, int index) -> Tensor(a)` */
let $selectInt = -1;
export function selectInt(self_: Tensor, dim: number, index_: number): Tensor {
  const r = native.callOp($selectInt < 0 ? ($selectInt = opId("aten::select", "int")) : $selectInt, self_.handle, dim, index_);
  return new Tensor(r);
}

/** `aten::index_select(Tensor self, int dim, Tensor index) -> Tensor` */
let $indexSelect = -1;
export function indexSelect(self_: Tensor, dim: number, index_: Tensor): Tensor {
  const r = native.callOp($indexSelect < 0 ? ($indexSelect = opId("aten::index_select", "")) : $indexSelect, self_.handle, dim, index_.handle);
  return new Tensor(r);
}

/** `aten::gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor` */
let $gather = -1;
export function gather(self_: Tensor, dim: number, index_: Tensor, sparseGrad?: boolean): Tensor {
  const r = native.callOp($gather < 0 ? ($gather = opId("aten::gather", "")) : $gather, self_.handle, dim, index_.handle, sparseGrad);
  return new Tensor(r);
}

/** `aten::scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor` */
let $scatterAdd = -1;
export function scatterAdd(self_: Tensor, dim: number, index_: Tensor, src: Tensor): Tensor {
  const r = native.callOp($scatterAdd < 0 ? ($scatterAdd = opId("aten::scatter_add", "")) : $scatterAdd, self_.handle, dim, index_.handle, src.handle);
  return new Tensor(r);
}

/** `aten::index.Tensor(Tensor self, Tensor?[] indices) -> Tensor` */
let $indexTensor = -1;
export function indexTensor(self_: Tensor, indices: (Tensor | null)[]): Tensor {
  const r = native.callOp($indexTensor < 0 ? ($indexTensor = opId("aten::index", "Tensor")) : $indexTensor, self_.handle, indices.map((t) => (t ? t.handle : null)));
  return new Tensor(r);
}

/** `aten::index_put_(Tensor(a!) self, Tensor?[] indices, Tensor values, bool accumulate=False) -> Tensor(a!)` */
let $indexPut_ = -1;
export function indexPut_(self_: Tensor, indices: (Tensor | null)[], values: Tensor, accumulate?: boolean): Tensor {
  native.callOp($indexPut_ < 0 ? ($indexPut_ = opId("aten::index_put_", "")) : $indexPut_, self_.handle, indices.map((t) => (t ? t.handle : null)), values.handle, accumulate);
  return self_;
}

/** `aten::masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor` */
let $maskedFillScalar = -1;
export function maskedFillScalar(self_: Tensor, mask: Tensor, value: number | boolean): Tensor {
  const r = native.callOp($maskedFillScalar < 0 ? ($maskedFillScalar = opId("aten::masked_fill", "Scalar")) : $maskedFillScalar, self_.handle, mask.handle, value);
  return new Tensor(r);
}

/** `aten::masked_fill_.Scalar(Tensor(a!) self, Tensor mask, Scalar value) -> Tensor(a!)` */
let $maskedFill_Scalar = -1;
export function maskedFill_Scalar(self_: Tensor, mask: Tensor, value: number | boolean): Tensor {
  native.callOp($maskedFill_Scalar < 0 ? ($maskedFill_Scalar = opId("aten::masked_fill_", "Scalar")) : $maskedFill_Scalar, self_.handle, mask.handle, value);
  return self_;
}

/** `aten::where.self(Tensor condition, Tensor self, Tensor other) -> Tensor` */
let $whereSelf = -1;
export function whereSelf(condition: Tensor, self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($whereSelf < 0 ? ($whereSelf = opId("aten::where", "self")) : $whereSelf, condition.handle, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::to.dtype_layout(Tensor(a) self, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None) -> Tensor(a)` */
let $toDtypeLayout = -1;
export function toDtypeLayout(self_: Tensor, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null, nonBlocking?: boolean, copy?: boolean, memoryFormat?: number | null): Tensor {
  const r = native.callOp($toDtypeLayout < 0 ? ($toDtypeLayout = opId("aten::to", "dtype_layout")) : $toDtypeLayout, self_.handle, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory, nonBlocking, copy, memoryFormat);
  return new Tensor(r);
}

/** `aten::clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor` */
let $clone = -1;
export function clone(self_: Tensor, memoryFormat?: number | null): Tensor {
  const r = native.callOp($clone < 0 ? ($clone = opId("aten::clone", "")) : $clone, self_.handle, memoryFormat);
  return new Tensor(r);
}

/** `aten::detach(Tensor(a) self) -> Tensor(a)` */
let $detach = -1;
export function detach(self_: Tensor): Tensor {
  const r = native.callOp($detach < 0 ? ($detach = opId("aten::detach", "")) : $detach, self_.handle);
  return new Tensor(r);
}

/** `aten::eq.Tensor(Tensor self, Tensor other) -> Tensor` */
let $eqTensor = -1;
export function eqTensor(self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($eqTensor < 0 ? ($eqTensor = opId("aten::eq", "Tensor")) : $eqTensor, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::eq.Scalar(Tensor self, Scalar other) -> Tensor` */
let $eqScalar = -1;
export function eqScalar(self_: Tensor, other: number | boolean): Tensor {
  const r = native.callOp($eqScalar < 0 ? ($eqScalar = opId("aten::eq", "Scalar")) : $eqScalar, self_.handle, other);
  return new Tensor(r);
}

/** `aten::ne.Tensor(Tensor self, Tensor other) -> Tensor` */
let $neTensor = -1;
export function neTensor(self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($neTensor < 0 ? ($neTensor = opId("aten::ne", "Tensor")) : $neTensor, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::ne.Scalar(Tensor self, Scalar other) -> Tensor` */
let $neScalar = -1;
export function neScalar(self_: Tensor, other: number | boolean): Tensor {
  const r = native.callOp($neScalar < 0 ? ($neScalar = opId("aten::ne", "Scalar")) : $neScalar, self_.handle, other);
  return new Tensor(r);
}

/** `aten::lt.Tensor(Tensor self, Tensor other) -> Tensor` */
let $ltTensor = -1;
export function ltTensor(self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($ltTensor < 0 ? ($ltTensor = opId("aten::lt", "Tensor")) : $ltTensor, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::lt.Scalar(Tensor self, Scalar other) -> Tensor` */
let $ltScalar = -1;
export function ltScalar(self_: Tensor, other: number | boolean): Tensor {
  const r = native.callOp($ltScalar < 0 ? ($ltScalar = opId("aten::lt", "Scalar")) : $ltScalar, self_.handle, other);
  return new Tensor(r);
}

/** `aten::gt.Tensor(Tensor self, Tensor other) -> Tensor` */
let $gtTensor = -1;
export function gtTensor(self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($gtTensor < 0 ? ($gtTensor = opId("aten::gt", "Tensor")) : $gtTensor, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::gt.Scalar(Tensor self, Scalar other) -> Tensor` */
let $gtScalar = -1;
export function gtScalar(self_: Tensor, other: number | boolean): Tensor {
  const r = native.callOp($gtScalar < 0 ? ($gtScalar = opId("aten::gt", "Scalar")) : $gtScalar, self_.handle, other);
  return new Tensor(r);
}

/** `aten::le.Scalar(Tensor self, Scalar other) -> Tensor` */
let $leScalar = -1;
export function leScalar(self_: Tensor, other: number | boolean): Tensor {
  const r = native.callOp($leScalar < 0 ? ($leScalar = opId("aten::le", "Scalar")) : $leScalar, self_.handle, other);
  return new Tensor(r);
}

/** `aten::ge.Scalar(Tensor self, Scalar other) -> Tensor` */
let $geScalar = -1;
export function geScalar(self_: Tensor, other: number | boolean): Tensor {
  const r = native.callOp($geScalar < 0 ? ($geScalar = opId("aten::ge", "Scalar")) : $geScalar, self_.handle, other);
  return new Tensor(r);
}

/** `aten::logical_not(Tensor self) -> Tensor` */
let $logicalNot = -1;
export function logicalNot(self_: Tensor): Tensor {
  const r = native.callOp($logicalNot < 0 ? ($logicalNot = opId("aten::logical_not", "")) : $logicalNot, self_.handle);
  return new Tensor(r);
}

/** `aten::logical_and(Tensor self, Tensor other) -> Tensor` */
let $logicalAnd = -1;
export function logicalAnd(self_: Tensor, other: Tensor): Tensor {
  const r = native.callOp($logicalAnd < 0 ? ($logicalAnd = opId("aten::logical_and", "")) : $logicalAnd, self_.handle, other.handle);
  return new Tensor(r);
}

/** `aten::isfinite(Tensor self) -> Tensor` */
let $isfinite = -1;
export function isfinite(self_: Tensor): Tensor {
  const r = native.callOp($isfinite < 0 ? ($isfinite = opId("aten::isfinite", "")) : $isfinite, self_.handle);
  return new Tensor(r);
}

/** `aten::tril(Tensor self, int diagonal=0) -> Tensor` */
let $tril = -1;
export function tril(self_: Tensor, diagonal?: number): Tensor {
  const r = native.callOp($tril < 0 ? ($tril = opId("aten::tril", "")) : $tril, self_.handle, diagonal);
  return new Tensor(r);
}

/** `aten::triu(Tensor self, int diagonal=0) -> Tensor` */
let $triu = -1;
export function triu(self_: Tensor, diagonal?: number): Tensor {
  const r = native.callOp($triu < 0 ? ($triu = opId("aten::triu", "")) : $triu, self_.handle, diagonal);
  return new Tensor(r);
}

/** `aten::chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]` */
let $chunk = -1;
export function chunk(self_: Tensor, chunks: number, dim?: number): Tensor[] {
  const r = native.callOp($chunk < 0 ? ($chunk = opId("aten::chunk", "")) : $chunk, self_.handle, chunks, dim);
  return (r as number[]).map((h) => new Tensor(h));
}

/** `aten::split.Tensor(Tensor(a -> *) self, int split_size, int dim=0) -> Tensor(a)[]` */
let $splitTensor = -1;
export function splitTensor(self_: Tensor, splitSize: number, dim?: number): Tensor[] {
  const r = native.callOp($splitTensor < 0 ? ($splitTensor = opId("aten::split", "Tensor")) : $splitTensor, self_.handle, splitSize, dim);
  return (r as number[]).map((h) => new Tensor(h));
}

/** `aten::cat(Tensor[] tensors, int dim=0) -> Tensor` */
let $cat = -1;
export function cat(tensors: Tensor[], dim?: number): Tensor {
  const r = native.callOp($cat < 0 ? ($cat = opId("aten::cat", "")) : $cat, tensors.map((t) => t.handle), dim);
  return new Tensor(r);
}

/** `aten::stack(Tensor[] tensors, int dim=0) -> Tensor` */
let $stack = -1;
export function stack(tensors: Tensor[], dim?: number): Tensor {
  const r = native.callOp($stack < 0 ? ($stack = opId("aten::stack", "")) : $stack, tensors.map((t) => t.handle), dim);
  return new Tensor(r);
}

/** `aten::zeros(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor` */
let $zeros = -1;
export function zeros(size: number[] | number, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null): Tensor {
  const r = native.callOp($zeros < 0 ? ($zeros = opId("aten::zeros", "")) : $zeros, size, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory);
  return new Tensor(r);
}

/** `aten::ones(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor` */
let $ones = -1;
export function ones(size: number[] | number, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null): Tensor {
  const r = native.callOp($ones < 0 ? ($ones = opId("aten::ones", "")) : $ones, size, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory);
  return new Tensor(r);
}

/** `aten::full(SymInt[] size, Scalar fill_value, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor` */
let $full = -1;
export function full(size: number[] | number, fillValue: number | boolean, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null): Tensor {
  const r = native.callOp($full < 0 ? ($full = opId("aten::full", "")) : $full, size, fillValue, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory);
  return new Tensor(r);
}

/** `aten::empty.memory_format(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, MemoryFormat? memory_format=None) -> Tensor` */
let $emptyMemoryFormat = -1;
export function emptyMemoryFormat(size: number[] | number, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null, memoryFormat?: number | null): Tensor {
  const r = native.callOp($emptyMemoryFormat < 0 ? ($emptyMemoryFormat = opId("aten::empty", "memory_format")) : $emptyMemoryFormat, size, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory, memoryFormat);
  return new Tensor(r);
}

/** `aten::randn(int[] size, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor` */
let $randn = -1;
export function randn(size: number[] | number, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null): Tensor {
  const r = native.callOp($randn < 0 ? ($randn = opId("aten::randn", "")) : $randn, size, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory);
  return new Tensor(r);
}

/** `aten::rand(int[] size, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor` */
let $rand = -1;
export function rand(size: number[] | number, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null): Tensor {
  const r = native.callOp($rand < 0 ? ($rand = opId("aten::rand", "")) : $rand, size, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory);
  return new Tensor(r);
}

/** `aten::randint.low(int low, int high, int[] size, *, ScalarType? dtype=4, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor` */
let $randintLow = -1;
export function randintLow(low: number, high: number, size: number[] | number, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null): Tensor {
  const r = native.callOp($randintLow < 0 ? ($randintLow = opId("aten::randint", "low")) : $randintLow, low, high, size, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory);
  return new Tensor(r);
}

/** `aten::arange.start_step(Scalar start, Scalar end, Scalar step=1, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor` */
let $arangeStartStep = -1;
export function arangeStartStep(start: number | boolean, end: number | boolean, step?: number | boolean, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null): Tensor {
  const r = native.callOp($arangeStartStep < 0 ? ($arangeStartStep = opId("aten::arange", "start_step")) : $arangeStartStep, start, end, step, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory);
  return new Tensor(r);
}

/** `aten::eye(int n, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor` */
let $eye = -1;
export function eye(n: number, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null): Tensor {
  const r = native.callOp($eye < 0 ? ($eye = opId("aten::eye", "")) : $eye, n, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory);
  return new Tensor(r);
}

/** `aten::zeros_like(Tensor self, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, MemoryFormat? memory_format=None) -> Tensor` */
let $zerosLike = -1;
export function zerosLike(self_: Tensor, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null, memoryFormat?: number | null): Tensor {
  const r = native.callOp($zerosLike < 0 ? ($zerosLike = opId("aten::zeros_like", "")) : $zerosLike, self_.handle, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory, memoryFormat);
  return new Tensor(r);
}

/** `aten::ones_like(Tensor self, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, MemoryFormat? memory_format=None) -> Tensor` */
let $onesLike = -1;
export function onesLike(self_: Tensor, dtype?: DType | null, layout?: number | null, device?: string | null, pinMemory?: boolean | null, memoryFormat?: number | null): Tensor {
  const r = native.callOp($onesLike < 0 ? ($onesLike = opId("aten::ones_like", "")) : $onesLike, self_.handle, dtype == null ? dtype : dtypeCode(dtype), layout, device, pinMemory, memoryFormat);
  return new Tensor(r);
}

/** `aten::normal_(Tensor(a!) self, float mean=0., float std=1., *, Generator? generator=None) -> Tensor(a!)` */
let $normal_ = -1;
export function normal_(self_: Tensor, mean?: number, std?: number, generator?: null): Tensor {
  native.callOp($normal_ < 0 ? ($normal_ = opId("aten::normal_", "")) : $normal_, self_.handle, mean, std, generator);
  return self_;
}

/** `aten::uniform_(Tensor(a!) self, float from=0., float to=1., *, Generator? generator=None) -> Tensor(a!)` */
let $uniform_ = -1;
export function uniform_(self_: Tensor, from_?: number, to?: number, generator?: null): Tensor {
  native.callOp($uniform_ < 0 ? ($uniform_ = opId("aten::uniform_", "")) : $uniform_, self_.handle, from_, to, generator);
  return self_;
}

/** `aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor` */
let $linear = -1;
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const r = native.callOp($linear < 0 ? ($linear = opId("aten::linear", "")) : $linear, input.handle, weight.handle, bias == null ? bias : bias.handle);
  return new Tensor(r);
}

/** `aten::layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1.0000000000000001e-05, bool cudnn_enable=True) -> Tensor` */
let $layerNorm = -1;
export function layerNorm(input: Tensor, normalizedShape: number[] | number, weight?: Tensor | null, bias?: Tensor | null, eps?: number, cudnnEnable?: boolean): Tensor {
  const r = native.callOp($layerNorm < 0 ? ($layerNorm = opId("aten::layer_norm", "")) : $layerNorm, input.handle, normalizedShape, weight == null ? weight : weight.handle, bias == null ? bias : bias.handle, eps, cudnnEnable);
  return new Tensor(r);
}

/** `aten::gelu(Tensor self, *, str approximate="none") -> Tensor` */
let $gelu = -1;
export function gelu(self_: Tensor, approximate?: string): Tensor {
  const r = native.callOp($gelu < 0 ? ($gelu = opId("aten::gelu", "")) : $gelu, self_.handle, approximate);
  return new Tensor(r);
}

/** `aten::silu(Tensor self) -> Tensor` */
let $silu = -1;
export function silu(self_: Tensor): Tensor {
  const r = native.callOp($silu < 0 ? ($silu = opId("aten::silu", "")) : $silu, self_.handle);
  return new Tensor(r);
}

/** `aten::softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor` */
let $softmaxInt = -1;
export function softmaxInt(self_: Tensor, dim: number, dtype?: DType | null): Tensor {
  const r = native.callOp($softmaxInt < 0 ? ($softmaxInt = opId("aten::softmax", "int")) : $softmaxInt, self_.handle, dim, dtype == null ? dtype : dtypeCode(dtype));
  return new Tensor(r);
}

/** `aten::log_softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor` */
let $logSoftmaxInt = -1;
export function logSoftmaxInt(self_: Tensor, dim: number, dtype?: DType | null): Tensor {
  const r = native.callOp($logSoftmaxInt < 0 ? ($logSoftmaxInt = opId("aten::log_softmax", "int")) : $logSoftmaxInt, self_.handle, dim, dtype == null ? dtype : dtypeCode(dtype));
  return new Tensor(r);
}

/** `aten::cross_entropy_loss(Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100, float label_smoothing=0.) -> Tensor` */
let $crossEntropyLoss = -1;
export function crossEntropyLoss(self_: Tensor, target: Tensor, weight?: Tensor | null, reduction?: number, ignoreIndex?: number, labelSmoothing?: number): Tensor {
  const r = native.callOp($crossEntropyLoss < 0 ? ($crossEntropyLoss = opId("aten::cross_entropy_loss", "")) : $crossEntropyLoss, self_.handle, target.handle, weight == null ? weight : weight.handle, reduction, ignoreIndex, labelSmoothing);
  return new Tensor(r);
}

/** `aten::mse_loss(Tensor self, Tensor target, int reduction=1) -> Tensor` */
let $mseLoss = -1;
export function mseLoss(self_: Tensor, target: Tensor, reduction?: number): Tensor {
  const r = native.callOp($mseLoss < 0 ? ($mseLoss = opId("aten::mse_loss", "")) : $mseLoss, self_.handle, target.handle, reduction);
  return new Tensor(r);
}

/** `aten::embedding(Tensor weight, Tensor indices, int padding_idx=-1, bool scale_grad_by_freq=False, bool sparse=False) -> Tensor` */
let $embedding = -1;
export function embedding(weight: Tensor, indices: Tensor, paddingIdx?: number, scaleGradByFreq?: boolean, sparse?: boolean): Tensor {
  const r = native.callOp($embedding < 0 ? ($embedding = opId("aten::embedding", "")) : $embedding, weight.handle, indices.handle, paddingIdx, scaleGradByFreq, sparse);
  return new Tensor(r);
}

/** `aten::dropout(Tensor input, float p, bool train) -> Tensor` */
let $dropout = -1;
export function dropout(input: Tensor, p: number, train: boolean): Tensor {
  const r = native.callOp($dropout < 0 ? ($dropout = opId("aten::dropout", "")) : $dropout, input.handle, p, train);
  return new Tensor(r);
}

/** `aten::_scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, float dropout_p=0., bool need_attn_weights=False, bool is_causal=False) -> (Tensor, Tensor)` */
let $_scaledDotProductAttention = -1;
export function _scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, dropoutP?: number, needAttnWeights?: boolean, isCausal?: boolean): [Tensor | null, Tensor | null] {
  const r = native.callOp($_scaledDotProductAttention < 0 ? ($_scaledDotProductAttention = opId("aten::_scaled_dot_product_attention", "")) : $_scaledDotProductAttention, query.handle, key.handle, value.handle, attnMask == null ? attnMask : attnMask.handle, dropoutP, needAttnWeights, isCausal);
  return [(r[0] === null ? null : new Tensor(r[0])), (r[1] === null ? null : new Tensor(r[1]))];
}

/** `aten::lerp_.Scalar(Tensor(a!) self, Tensor end, Scalar weight) -> Tensor(a!)` */
let $lerp_Scalar = -1;
export function lerp_Scalar(self_: Tensor, end: Tensor, weight: number | boolean): Tensor {
  native.callOp($lerp_Scalar < 0 ? ($lerp_Scalar = opId("aten::lerp_", "Scalar")) : $lerp_Scalar, self_.handle, end.handle, weight);
  return self_;
}

/** `aten::addcmul_(Tensor(a!) self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor(a!)` */
let $addcmul_ = -1;
export function addcmul_(self_: Tensor, tensor1: Tensor, tensor2: Tensor, value?: number | boolean): Tensor {
  native.callOp($addcmul_ < 0 ? ($addcmul_ = opId("aten::addcmul_", "")) : $addcmul_, self_.handle, tensor1.handle, tensor2.handle, value);
  return self_;
}

/** `aten::addcdiv_(Tensor(a!) self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor(a!)` */
let $addcdiv_ = -1;
export function addcdiv_(self_: Tensor, tensor1: Tensor, tensor2: Tensor, value?: number | boolean): Tensor {
  native.callOp($addcdiv_ < 0 ? ($addcdiv_ = opId("aten::addcdiv_", "")) : $addcdiv_, self_.handle, tensor1.handle, tensor2.handle, value);
  return self_;
}

/** `aten::_foreach_mul_.Scalar(Tensor(a!)[] self, Scalar scalar) -> ()` */
let $_foreachMul_Scalar = -1;
export function _foreachMul_Scalar(self_: Tensor[], scalar: number | boolean): void {
  native.callOp($_foreachMul_Scalar < 0 ? ($_foreachMul_Scalar = opId("aten::_foreach_mul_", "Scalar")) : $_foreachMul_Scalar, self_.map((t) => t.handle), scalar);
}

/** `aten::_foreach_add_.List(Tensor(a!)[] self, Tensor[] other, *, Scalar alpha=1) -> ()` */
let $_foreachAdd_List = -1;
export function _foreachAdd_List(self_: Tensor[], other: Tensor[], alpha?: number | boolean): void {
  native.callOp($_foreachAdd_List < 0 ? ($_foreachAdd_List = opId("aten::_foreach_add_", "List")) : $_foreachAdd_List, self_.map((t) => t.handle), other.map((t) => t.handle), alpha);
}

/** `aten::_foreach_add_.Scalar(Tensor(a!)[] self, Scalar scalar) -> ()` */
let $_foreachAdd_Scalar = -1;
export function _foreachAdd_Scalar(self_: Tensor[], scalar: number | boolean): void {
  native.callOp($_foreachAdd_Scalar < 0 ? ($_foreachAdd_Scalar = opId("aten::_foreach_add_", "Scalar")) : $_foreachAdd_Scalar, self_.map((t) => t.handle), scalar);
}

/** `aten::_foreach_addcmul_.Scalar(Tensor(a!)[] self, Tensor[] tensor1, Tensor[] tensor2, Scalar value=1) -> ()` */
let $_foreachAddcmul_Scalar = -1;
export function _foreachAddcmul_Scalar(self_: Tensor[], tensor1: Tensor[], tensor2: Tensor[], value?: number | boolean): void {
  native.callOp($_foreachAddcmul_Scalar < 0 ? ($_foreachAddcmul_Scalar = opId("aten::_foreach_addcmul_", "Scalar")) : $_foreachAddcmul_Scalar, self_.map((t) => t.handle), tensor1.map((t) => t.handle), tensor2.map((t) => t.handle), value);
}

/** `aten::_foreach_addcdiv_.Scalar(Tensor(a!)[] self, Tensor[] tensor1, Tensor[] tensor2, Scalar value=1) -> ()` */
let $_foreachAddcdiv_Scalar = -1;
export function _foreachAddcdiv_Scalar(self_: Tensor[], tensor1: Tensor[], tensor2: Tensor[], value?: number | boolean): void {
  native.callOp($_foreachAddcdiv_Scalar < 0 ? ($_foreachAddcdiv_Scalar = opId("aten::_foreach_addcdiv_", "Scalar")) : $_foreachAddcdiv_Scalar, self_.map((t) => t.handle), tensor1.map((t) => t.handle), tensor2.map((t) => t.handle), value);
}

/** `aten::_foreach_sqrt(Tensor[] self) -> Tensor[]` */
let $_foreachSqrt = -1;
export function _foreachSqrt(self_: Tensor[]): Tensor[] {
  const r = native.callOp($_foreachSqrt < 0 ? ($_foreachSqrt = opId("aten::_foreach_sqrt", "")) : $_foreachSqrt, self_.map((t) => t.handle));
  return (r as number[]).map((h) => new Tensor(h));
}

/** `aten::_foreach_div_.Scalar(Tensor(a!)[] self, Scalar scalar) -> ()` */
let $_foreachDiv_Scalar = -1;
export function _foreachDiv_Scalar(self_: Tensor[], scalar: number | boolean): void {
  native.callOp($_foreachDiv_Scalar < 0 ? ($_foreachDiv_Scalar = opId("aten::_foreach_div_", "Scalar")) : $_foreachDiv_Scalar, self_.map((t) => t.handle), scalar);
}

/** `aten::_foreach_norm.Scalar(Tensor[] self, Scalar ord=2) -> Tensor[]` */
let $_foreachNormScalar = -1;
export function _foreachNormScalar(self_: Tensor[], ord?: number | boolean): Tensor[] {
  const r = native.callOp($_foreachNormScalar < 0 ? ($_foreachNormScalar = opId("aten::_foreach_norm", "Scalar")) : $_foreachNormScalar, self_.map((t) => t.handle), ord);
  return (r as number[]).map((h) => new Tensor(h));
}

/** `aten::t(Tensor(a) self) -> Tensor(a)` */
let $t = -1;
export function t(self_: Tensor): Tensor {
  const r = native.callOp($t < 0 ? ($t = opId("aten::t", "")) : $t, self_.handle);
  return new Tensor(r);
}

/** `aten::set_.source_Tensor(Tensor(a!) self, Tensor source) -> Tensor(a!)` */
let $set_SourceTensor = -1;
export function set_SourceTensor(self_: Tensor, source: Tensor): Tensor {
  native.callOp($set_SourceTensor < 0 ? ($set_SourceTensor = opId("aten::set_", "source_Tensor")) : $set_SourceTensor, self_.handle, source.handle);
  return self_;
}

/** `aten::split_with_sizes(Tensor(a -> *) self, int[] split_sizes, int dim=0) -> Tensor(a)[]` */
let $splitWithSizes = -1;
export function splitWithSizes(self_: Tensor, splitSizes: number[] | number, dim?: number): Tensor[] {
  const r = native.callOp($splitWithSizes < 0 ? ($splitWithSizes = opId("aten::split_with_sizes", "")) : $splitWithSizes, self_.handle, splitSizes, dim);
  return (r as number[]).map((h) => new Tensor(h));
}

/** `aten::unbind.int(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]` */
let $unbindInt = -1;
export function unbindInt(self_: Tensor, dim?: number): Tensor[] {
  const r = native.callOp($unbindInt < 0 ? ($unbindInt = opId("aten::unbind", "int")) : $unbindInt, self_.handle, dim);
  return (r as number[]).map((h) => new Tensor(h));
}

// AdamW (decoupled weight decay, Loshchilov & Hutter 2019) over multi-tensor schemas, and global-norm
// gradient clipping. Uses aten::_fused_adamw_ where this libtorch has it (PyTorch 2.x), otherwise the
// _foreach_* chain that torch.optim.AdamW(foreach=True) runs — a handful of boxed calls per step in total.
import { Tensor } from "./tensor.js";
import { zerosLike, stack, full, zeros } from "./create.js";
import { hasOp } from "./ops.js";
import { keep, tidy } from "./scope.js";
import { noGrad } from "./autograd.js";
import * as A from "./generated/ops.js";

const fusedKernels = new Map<string, string | null>();

/**
 * Why aten::_fused_adamw_ cannot run on `device` ("cpu", "cuda:0"), or null when it can. The schema alone is
 * not enough: PyTorch 2.0–2.3 register it with a CUDA kernel only, so it is probed once per device on
 * one-element tensors (a zero-lr update).
 */
export function fusedAdamWUnavailable(device: string): string | null {
  if (!hasOp("_fused_adamw_")) return "this libtorch has no aten::_fused_adamw_";
  let why = fusedKernels.get(device);
  if (why === undefined) {
    why = noGrad(() =>
      tidy(() => {
        const [p, g, m, v] = [0, 1, 2, 3].map(() => zeros([1], { device }));
        try {
          A._fusedAdamw_([p!], [g!], [m!], [v!], [], [full([], 1, { device })], 0, 0.9, 0.999, 0, 1e-8, false, false);
          return null;
        } catch (e) {
          return `aten::_fused_adamw_ has no kernel for ${device} in this libtorch (${(e as Error).message.split("\n")[0]!.slice(0, 160)})`;
        }
      }),
    );
    fusedKernels.set(device, why);
  }
  return why;
}

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** "auto" (default): fused when the schema exists; "foreach": always the _foreach_ chain */
  impl?: "auto" | "foreach" | "fused";
}

export interface ParamGroup {
  params: Tensor[];
  weightDecay?: number;
  /** multiplies the optimizer's lr for this group */
  lrScale?: number;
}

/**
 * On the CPU each _foreach_ call is a loop of per-tensor kernels, so a pass over all parameters streams every
 * parameter's state through memory once per pass (nine passes); running the whole chain on a few parameters at
 * a time keeps them in cache between the passes (same kernels in the same order per element: same results).
 * About 1 MiB of float32 per tensor list (torch.optim.AdamW's default on CPU, one tensor at a time, has the same
 * locality with more calls).
 */
const CPU_CHUNK_ELEMENTS = 1 << 18;

/** Consecutive runs of indices whose sizes sum to at most `limit` (a larger single entry gets its own run). */
function cacheChunks(idx: number[], sizes: number[], limit: number): number[][] {
  const out: number[][] = [];
  let cur: number[] = [], total = 0;
  for (const i of idx) {
    if (cur.length && total + sizes[i]! > limit) (out.push(cur), (cur = []), (total = 0));
    cur.push(i);
    total += sizes[i]!;
  }
  if (cur.length) out.push(cur);
  return out;
}

interface GroupState {
  params: Tensor[];
  /** element counts of params (for the CPU chunks) */
  sizes: number[];
  m: Tensor[];
  v: Tensor[];
  steps: Tensor[]; // fused path: per-parameter float step counters (as PyTorch keeps them)
  weightDecay: number;
  lrScale: number;
}

export class AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** optimizer steps taken */
  stepCount = 0;
  readonly impl: "foreach" | "fused";
  private readonly groups: GroupState[];
  private readonly onCpu: boolean;

  constructor(params: Tensor[] | ParamGroup[], opts: AdamWOptions = {}) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    const wd = opts.weightDecay ?? 0.01;
    const want = opts.impl ?? "auto";
    const groups: ParamGroup[] = params.length && params[0] instanceof Tensor ? [{ params: params as Tensor[] }] : (params as ParamGroup[]);
    const device = groups.find((g) => g.params.length)?.params[0]!.device ?? "cpu";
    const noFused = want === "foreach" ? "not requested" : fusedAdamWUnavailable(device);
    if (want === "fused" && noFused) throw new Error(`AdamW: ${noFused}`);
    this.impl = noFused ? "foreach" : "fused";
    this.groups = groups.map((g) => {
      const state = noGrad(() =>
        keep({
          m: g.params.map((p) => zerosLike(p)),
          v: g.params.map((p) => zerosLike(p)),
          steps: this.impl === "fused" ? g.params.map((p) => full([], 0, { dtype: "float32", device: p.device })) : [],
        }),
      );
      return { params: g.params, sizes: g.params.map((p) => p.numel), ...state, weightDecay: g.weightDecay ?? wd, lrScale: g.lrScale ?? 1 };
    });
    this.onCpu = device === "cpu";
  }

  /** One update from the parameters' current .grad (parameters without a gradient are skipped). */
  step(): void {
    this.stepCount++;
    const t = this.stepCount;
    noGrad(() =>
      tidy(() => {
        for (const g of this.groups) {
          const idx: number[] = [];
          const grads: Tensor[] = [];
          g.params.forEach((p, i) => {
            const gr = p.grad;
            if (gr) {
              idx.push(i);
              grads.push(gr);
            }
          });
          if (!idx.length) continue;
          const pick = (ts: Tensor[], at: number[] = idx) => at.map((i) => ts[i]!);
          const lr = this.lr * g.lrScale;
          if (this.impl === "fused") {
            // PyTorch's _fused_adamw wrapper increments the step counters before the kernel, which reads
            // them for bias correction (1 − β^t); the kernel itself never does. Without this, t = 0 → NaN.
            const steps = pick(g.steps);
            A._foreachAdd_Scalar(steps, 1);
            A._fusedAdamw_(pick(g.params), grads, pick(g.m), pick(g.v), [], steps, lr, this.beta1, this.beta2, g.weightDecay, this.eps, false, false);
            continue;
          }
          const gradOf = new Map(idx.map((i, j) => [i, grads[j]!]));
          for (const at of this.onCpu ? cacheChunks(idx, g.sizes, CPU_CHUNK_ELEMENTS) : [idx]) {
            const ps = pick(g.params, at), ms = pick(g.m, at), vs = pick(g.v, at), gs = at.map((i) => gradOf.get(i)!);
            if (g.weightDecay) A._foreachMul_Scalar(ps, 1 - lr * g.weightDecay); // decoupled decay: p ← p(1 − lr·λ)
            A._foreachMul_Scalar(ms, this.beta1); // m ← β1 m + (1 − β1) g
            A._foreachAdd_List(ms, gs, 1 - this.beta1);
            A._foreachMul_Scalar(vs, this.beta2); // v ← β2 v + (1 − β2) g²
            A._foreachAddcmul_Scalar(vs, gs, gs, 1 - this.beta2);
            const bc1 = 1 - this.beta1 ** t, bc2 = 1 - this.beta2 ** t;
            const denom = A._foreachSqrt(vs); // √v / √bc2 + ε
            A._foreachDiv_Scalar(denom, Math.sqrt(bc2));
            A._foreachAdd_Scalar(denom, this.eps);
            A._foreachAddcdiv_Scalar(ps, ms, denom, -lr / bc1); // p ← p − lr/bc1 · m / denom
            if (this.onCpu) for (const d of denom) d.dispose(); // freed now, so the next chunk reuses the memory
          }
        }
      }),
    );
  }

  /** Drop all gradients (set_to_none). */
  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.zeroGrad();
  }

  /** Optimizer state by name (exp_avg.G.I / exp_avg_sq.G.I) for checkpoints; stepCount goes in metadata. */
  stateTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.groups.forEach((g, gi) =>
      g.params.forEach((_, i) => {
        out.set(`exp_avg.${gi}.${i}`, g.m[i]!);
        out.set(`exp_avg_sq.${gi}.${i}`, g.v[i]!);
      }),
    );
    return out;
  }

  loadStateTensors(state: Map<string, Tensor>, stepCount: number): void {
    noGrad(() =>
      tidy(() => {
        this.groups.forEach((g, gi) =>
          g.params.forEach((_, i) => {
            const m = state.get(`exp_avg.${gi}.${i}`), v = state.get(`exp_avg_sq.${gi}.${i}`);
            if (!m || !v) throw new Error(`AdamW.loadStateTensors: missing state for group ${gi} parameter ${i}`);
            g.m[i]!.copy_(m);
            g.v[i]!.copy_(v);
            g.steps[i]?.fill_(stepCount);
          }),
        );
      }),
    );
    this.stepCount = stepCount;
  }

  dispose(): void {
    for (const g of this.groups) for (const t of [...g.m, ...g.v, ...g.steps]) t.dispose();
  }
}

/**
 * Scale gradients so their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_).
 * Returns the norm before clipping. Parameters without a gradient are ignored.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  return noGrad(() =>
    tidy(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (!grads.length) return 0;
      const norms = hasOp("_foreach_norm", "Scalar") ? A._foreachNormScalar(grads, 2) : grads.map((g) => A.linalgVectorNorm(g, 2));
      const total = stack(norms).norm(2).item();
      const coef = maxNorm / (total + 1e-6);
      if (coef < 1) A._foreachMul_Scalar(grads, coef);
      return total;
    }),
  );
}

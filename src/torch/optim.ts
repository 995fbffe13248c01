// AdamW (decoupled weight decay, Loshchilov & Hutter 2019) over multi-tensor schemas, and global-norm
// gradient clipping. Uses aten::_fused_adamw_ where this libtorch has it (PyTorch 2.x), otherwise the
// _foreach_* chain that torch.optim.AdamW(foreach=True) runs — a handful of boxed calls per step in total.
import { Tensor } from "./tensor.js";
import { zerosLike, stack, full } from "./create.js";
import { op, hasOp } from "./ops.js";
import { keep, tidy } from "./scope.js";
import { noGrad } from "./autograd.js";

const O = {
  fused: op("_fused_adamw_"), mulS: op("_foreach_mul_", "Scalar"), addList: op("_foreach_add_", "List"),
  addS: op("_foreach_add_", "Scalar"), addcmulS: op("_foreach_addcmul_", "Scalar"), addcdivS: op("_foreach_addcdiv_", "Scalar"),
  sqrt: op("_foreach_sqrt"), divS: op("_foreach_div_", "Scalar"), norm: op("_foreach_norm", "Scalar"),
  vnorm: op("linalg_vector_norm"),
};

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

interface GroupState {
  params: Tensor[];
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

  constructor(params: Tensor[] | ParamGroup[], opts: AdamWOptions = {}) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    const wd = opts.weightDecay ?? 0.01;
    const want = opts.impl ?? "auto";
    if (want === "fused" && !hasOp("_fused_adamw_")) throw new Error("AdamW: this libtorch has no aten::_fused_adamw_");
    this.impl = want === "foreach" ? "foreach" : hasOp("_fused_adamw_") ? "fused" : "foreach";
    const groups: ParamGroup[] = params.length && params[0] instanceof Tensor ? [{ params: params as Tensor[] }] : (params as ParamGroup[]);
    this.groups = groups.map((g) => {
      const state = noGrad(() =>
        keep({
          m: g.params.map((p) => zerosLike(p)),
          v: g.params.map((p) => zerosLike(p)),
          steps: this.impl === "fused" ? g.params.map((p) => full([], 0, { dtype: "float32", device: p.device })) : [],
        }),
      );
      return { params: g.params, ...state, weightDecay: g.weightDecay ?? wd, lrScale: g.lrScale ?? 1 };
    });
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
          const H = (ts: Tensor[]) => idx.map((i) => ts[i]!.handle);
          const ps = H(g.params), ms = H(g.m), vs = H(g.v), gs = grads.map((x) => x.handle);
          const lr = this.lr * g.lrScale;
          if (this.impl === "fused") {
            O.fused(ps, gs, ms, vs, [], H(g.steps), lr, this.beta1, this.beta2, g.weightDecay, this.eps, false, false, null, null);
            continue;
          }
          if (g.weightDecay) O.mulS(ps, 1 - lr * g.weightDecay); // decoupled decay: p ← p(1 − lr·λ)
          O.mulS(ms, this.beta1); // m ← β1 m + (1 − β1) g
          O.addList(ms, gs, 1 - this.beta1);
          O.mulS(vs, this.beta2); // v ← β2 v + (1 − β2) g²
          O.addcmulS(vs, gs, gs, 1 - this.beta2);
          const bc1 = 1 - this.beta1 ** t, bc2 = 1 - this.beta2 ** t;
          const denom = (O.sqrt(vs) as number[]).map((x) => new Tensor(x)); // √v / √bc2 + ε
          const dh = denom.map((x) => x.handle);
          O.divS(dh, Math.sqrt(bc2));
          O.addS(dh, this.eps);
          O.addcdivS(ps, ms, dh, -lr / bc1); // p ← p − lr/bc1 · m / denom
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
      const hs = grads.map((g) => g.handle);
      const norms = hasOp("_foreach_norm", "Scalar")
        ? (O.norm(hs, 2) as number[]).map((x) => new Tensor(x))
        : grads.map((g) => new Tensor(O.vnorm(g.handle, 2, null, false, null)));
      const total = stack(norms).norm(2).item();
      const coef = maxNorm / (total + 1e-6);
      if (coef < 1) O.mulS(hs, coef);
      return total;
    }),
  );
}

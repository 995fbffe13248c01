// L1-regularised logistic regression (the combiner ESM uses over attention maps, Rao et al. 2021):
//   minimise  mean_n log(1 + exp(−s_n (w·x_n + b))) + λ‖w‖₁     (s_n = ±1; the bias is not penalised)
// by FISTA (Beck & Teboulle 2009): a gradient step on the smooth loss, then soft-thresholding, with
// Nesterov momentum; step 1/Lip where Lip = λ_max(XᵀX/N)/4 bounds the loss's curvature (power iteration).
// Features are standardised on the training rows first and the weights mapped back, so λ means the same
// thing whatever the scale of the attention maps. Runs in libtorch (the design matrix can be ~10⁶ × 10³).
import * as torch from "../torch/index.js";

export interface LogisticModel {
  /** weights on the raw (unstandardised) features */
  weights: number[];
  bias: number;
  /** non-zero weights after the L1 penalty */
  nonZero: number;
  /** final training objective (standardised problem) */
  objective: number;
}

export interface FitOptions {
  /** λ on the mean loss (default 1e-3) */
  l1?: number;
  iterations?: number;
  device?: string;
}

/** Fit on rows x [N*C] (row-major) with labels y [N] ∈ {0, 1}. */
export function fitL1Logistic(x: Float32Array, y: Uint8Array, C: number, opts: FitOptions = {}): LogisticModel {
  const N = y.length, lambda = opts.l1 ?? 1e-3, iters = opts.iterations ?? 300, device = opts.device ?? "cpu";
  if (x.length !== N * C) throw new Error(`fitL1Logistic: ${x.length} features for ${N} rows × ${C}`);
  return torch.noGrad(() =>
    torch.tidy(() => {
      const X0 = torch.tensor(x, [N, C], { device });
      const mu = X0.mean(0, true), sd = X0.std(0, 0, true).clamp(1e-8); // [1, C]
      const X = X0.sub(mu).div(sd); // [N, C]
      const Y = torch.tensor(Float32Array.from(y), [N, 1], { device });
      // power iteration for the largest eigenvalue of XᵀX/N
      let v = torch.ones([C, 1], { device }).div(Math.sqrt(C));
      let eig = 1;
      for (let k = 0; k < 30; k++) {
        const u = X.t().mm(X.mm(v)).div(N);
        eig = u.norm().item();
        v = u.div(eig);
      }
      const step = 4 / Math.max(eig, 1e-6);
      let w = torch.zeros([C, 1], { device }), b = torch.zeros([1, 1], { device });
      let zw = w, zb = b, t = 1;
      for (let k = 0; k < iters; k++) {
        const r = torch.tidy(() => {
          const p = X.mm(zw).add(zb).sigmoid().sub(Y); // [N, 1] residual σ(z) − y
          const gw = X.t().mm(p).div(N), gb = p.mean();
          const wNext = softThreshold(zw.sub(gw.mul(step)), step * lambda);
          const bNext = zb.sub(gb.mul(step));
          const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
          const m = (t - 1) / tNext;
          t = tNext;
          return { wNext, bNext, zw: wNext.add(wNext.sub(w).mul(m)), zb: bNext.add(bNext.sub(b).mul(m)) };
        });
        (w = r.wNext), (b = r.bNext), (zw = r.zw), (zb = r.zb);
      }
      const z = X.mm(w).add(b);
      // mean log(1 + e^{−s z}) with s = 2y − 1, via softplus(−s z) = relu(−sz) + log1p(exp(−|sz|))
      const sz = z.mul(Y.mul(2).sub(1));
      const loss = sz.neg().relu().add(sz.abs().neg().exp().add(1).log()).mean().item();
      const wStd = w.squeeze(1).toArray();
      const sdA = sd.squeeze(0).toArray(), muA = mu.squeeze(0).toArray();
      const weights = wStd.map((wi, i) => wi / sdA[i]!);
      const bias = b.item() - wStd.reduce((s, wi, i) => s + (wi * muA[i]!) / sdA[i]!, 0);
      const objective = loss + lambda * wStd.reduce((s, wi) => s + Math.abs(wi), 0);
      return { weights, bias, nonZero: wStd.filter((wi) => wi !== 0).length, objective };
    }),
  );
}

/** sign(v)·max(|v| − τ, 0) = relu(v − τ) − relu(−v − τ) */
function softThreshold(v: torch.Tensor, tau: number): torch.Tensor {
  return v.sub(tau).relu().sub(v.neg().sub(tau).relu());
}

/** σ(w·x + b) for one feature vector. */
export function predictLogistic(m: LogisticModel, x: ArrayLike<number>, offset = 0): number {
  let z = m.bias;
  for (let c = 0; c < m.weights.length; c++) z += m.weights[c]! * x[offset + c]!;
  return 1 / (1 + Math.exp(-z));
}

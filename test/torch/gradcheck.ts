// Test helper: compare autograd gradients with central finite differences in float64.
import assert from "node:assert/strict";
import { tensor, tidy, type Tensor } from "../../src/torch/index.js";

export interface Input {
  shape: number[];
  data: number[];
}

/** Deterministic pseudo-random numbers in [-1, 1) (tests must not depend on the torch seed). */
export function rnd(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s / 2 ** 32) * 2 - 1);
  }
  return out;
}

export function input(shape: number[], seed = 1, scale = 1): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: rnd(n, seed).map((v) => v * scale) };
}

/**
 * Checks d/dx_k sum(fn(x) ⊙ R) for every input k against central differences.
 * fn must be deterministic (no dropout in training mode).
 */
export function gradcheck(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: Input[], tol = { eps: 1e-6, atol: 1e-6, rtol: 1e-4 }): void {
  tidy(() => {
    const xs = inputs.map((i) => tensor(Float64Array.from(i.data), i.shape, { requiresGrad: true }));
    const out = fn(...xs);
    const R = tensor(Float64Array.from(rnd(out.numel, 99)), out.shape);
    out.mul(R).sum().backward();
    const analytic = xs.map((x) => x.grad!.toArray());
    const Rdata = R.toArray();
    const evalAt = (k: number, data: number[]): number =>
      tidy(() => {
        const ys = inputs.map((inp, j) => tensor(Float64Array.from(j === k ? data : inp.data), inp.shape));
        const o = fn(...ys).toArray();
        return o.reduce((s, v, i) => s + v * Rdata[i]!, 0);
      });
    inputs.forEach((inp, k) => {
      for (let i = 0; i < inp.data.length; i++) {
        const plus = inp.data.slice(), minus = inp.data.slice();
        plus[i]! += tol.eps;
        minus[i]! -= tol.eps;
        const numeric = (evalAt(k, plus) - evalAt(k, minus)) / (2 * tol.eps);
        const a = analytic[k]![i]!;
        const err = Math.abs(a - numeric);
        assert.ok(
          err <= tol.atol + tol.rtol * Math.abs(numeric),
          `${name}: d/dx${k}[${i}] autograd ${a} vs finite difference ${numeric} (|err| ${err})`,
        );
      }
    });
  });
}

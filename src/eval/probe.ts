// A linear probe on frozen features, trained in libtorch: softmax regression (cross entropy) for classes,
// full batch with AdamW and weight decay. The standard probe of what representations encode (e.g. ESM-2's
// secondary-structure probes); features are standardised on the training rows.
import * as torch from "../torch/index.js";

export interface LinearProbe {
  classes: number;
  dim: number;
  /** predicted class per row of x [N*dim] */
  predict(x: Float32Array): Int32Array;
  dispose(): void;
}

export interface ProbeOptions {
  steps?: number;
  lr?: number;
  weightDecay?: number;
  seed?: number;
  device?: string;
}

/** Fit on x [N*dim] row-major with class ids y [N] in [0, classes). */
export function trainLinearProbe(x: Float32Array, y: Int32Array | Int8Array, dim: number, classes: number, o: ProbeOptions = {}): LinearProbe {
  const N = y.length, device = o.device ?? "cpu";
  if (x.length !== N * dim) throw new Error(`trainLinearProbe: ${x.length} features for ${N} rows × ${dim}`);
  torch.manualSeed(o.seed ?? 0);
  const stats = torch.noGrad(() =>
    torch.keep(torch.tidy(() => {
      const X = torch.tensor(x, [N, dim], { device });
      return { mu: X.mean(0, true), sd: X.std(0, 0, true).clamp(1e-6) };
    })),
  );
  const layer = new torch.nn.Linear(dim, classes, true, { device });
  const opt = new torch.AdamW(layer.parameters(), { lr: o.lr ?? 1e-2, weightDecay: o.weightDecay ?? 1e-2 });
  const X = torch.keep(torch.noGrad(() => torch.tidy(() => torch.tensor(x, [N, dim], { device }).sub(stats.mu).div(stats.sd))));
  const Y = torch.keep(torch.tensor(Int32Array.from(y), [N], { dtype: "int64", device }));
  try {
    for (let s = 0; s < (o.steps ?? 300); s++) {
      torch.tidy(() => {
        layer.zeroGrad();
        torch.F.crossEntropy(layer.forward(X), Y).backward();
      });
      opt.step();
    }
  } finally {
    X.dispose();
    Y.dispose();
    opt.dispose();
  }
  return {
    classes,
    dim,
    predict(xs: Float32Array): Int32Array {
      const n = xs.length / dim;
      return torch.noGrad(() =>
        torch.tidy(() => {
          const Z = torch.tensor(xs, [n, dim], { device }).sub(stats.mu).div(stats.sd);
          return Int32Array.from(layer.forward(Z).argmax(-1).toArray());
        }),
      );
    },
    dispose() {
      layer.dispose();
      stats.mu.dispose();
      stats.sd.dispose();
    },
  };
}

// The run's precision as one policy object (config.precision, --precision; default by device: bf16 autocast
// on CUDA, fp32 on the CPU), read wherever a dtype or autocast is chosen — instead of "device is cuda":
//   fp32           fp32 parameters, gradients, AdamW
//   bf16-autocast  fp32 parameters and AdamW; the forward under bf16 autocast (CUDA only)
//   bf16-params    bf16 parameters and gradients (forward and backward in bf16, on the CPU too); fp32 master
//                  weights and AdamW moments held by the strategy (sharded with it under ZeRO-1/3): the update
//                  runs on the fp32 masters, which are then copied (rounded) into the bf16 parameters.
//                  Checkpoints hold the fp32 masters, so a resume continues bit-exactly.
// Bytes per parameter: scaling/precision.ts (the planner's memory table uses the same rule).
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { defaultPrecision, stateBytesPerParam, type StateBytes, type TrainPrecision } from "../scaling/precision.js";

export interface PrecisionPolicy {
  readonly name: TrainPrecision;
  /** run the forward under bf16 autocast */
  readonly autocast: boolean;
  /** dtype of the model's parameters and gradients */
  readonly paramDtype: "float32" | "bfloat16";
  /** dtype of the rotary tables (bf16 wherever q/k are bf16) */
  readonly computeDtype: "float32" | "bfloat16";
  /** fp32 master weights behind bf16 parameters */
  readonly masterWeights: boolean;
  readonly bytes: StateBytes;
}

export function precisionPolicy(name: TrainPrecision): PrecisionPolicy {
  const bf16Params = name === "bf16-params";
  return {
    name, autocast: name === "bf16-autocast", paramDtype: bf16Params ? "bfloat16" : "float32",
    computeDtype: name === "fp32" ? "float32" : "bfloat16", masterWeights: bf16Params, bytes: stateBytesPerParam(name),
  };
}

/** The policy of a config (its `precision`, else the device's default). */
export function precisionOf(c: { precision?: TrainPrecision; device: string }): PrecisionPolicy {
  return precisionPolicy(c.precision ?? defaultPrecision(c.device));
}

/** What loadModelWeights needs of a model: its tensors by name and a way to copy values into them. */
export type WeightsHolder = Pick<ProteinLM, "device" | "stateDict" | "loadStateDict">;

/**
 * fp32 copies of a model's parameters, taken before the model is cast to bf16 (bf16-params). The strategy
 * updates them (or, under ZeRO-1/3, its slices of them) and copies them into the bf16 parameters.
 */
export class MasterWeights {
  /** in model.parameters() order */
  readonly list: torch.Tensor[];
  readonly byName = new Map<string, torch.Tensor>();
  private readonly of = new Map<torch.Tensor, torch.Tensor>();
  readonly holder: WeightsHolder;

  /** Copy the (fp32) parameters, then cast the model to `dtype` (its parameter tensors are replaced). */
  constructor(private readonly model: ProteinLM, dtype: "bfloat16") {
    const named = model.namedParameters();
    this.list = torch.noGrad(() => named.map(([n, p]) => {
      const m = torch.keep(p.detach().clone());
      this.byName.set(n, m);
      return m;
    }));
    model.to(dtype);
    model.namedParameters().forEach(([n, p]) => this.of.set(p, this.byName.get(n)!));
    const byName = this.byName;
    this.holder = {
      device: model.device,
      stateDict: () => new Map(byName),
      loadStateDict: (state, strict) => {
        const src = state instanceof Map ? state : new Map(Object.entries(state));
        const missing = [...byName.keys()].filter((k) => !src.has(k));
        const unexpected = [...src.keys()].filter((k) => !byName.has(k));
        if (strict && (missing.length || unexpected.length)) throw new Error(`loadStateDict: missing [${missing.join(", ")}], unexpected [${unexpected.join(", ")}]`);
        torch.noGrad(() => torch.tidy(() => {
          for (const [k, dst] of byName) {
            const s = src.get(k);
            if (!s) continue;
            if (s.shape.join(",") !== dst.shape.join(",")) throw new Error(`loadStateDict: '${k}' has shape [${s.shape}] but the model expects [${dst.shape}]`);
            dst.copy_(s);
          }
        }));
        this.toParams();
        return { missing, unexpected };
      },
    };
  }

  /** The master of a (bf16) parameter. */
  masterOf(p: torch.Tensor): torch.Tensor {
    const m = this.of.get(p);
    if (!m) throw new Error("MasterWeights: not one of the model's parameters");
    return m;
  }

  /** parameters := masters (rounded to the parameters' dtype) */
  toParams(): void {
    torch.noGrad(() => {
      for (const [p, m] of this.of) p.copy_(m);
    });
  }

  /** masters' .grad := the parameters' gradients in fp32 (zeros where none); the parameters' gradients dropped */
  gradsFromParams(): void {
    torch.noGrad(() => torch.tidy(() => {
      for (const [p, m] of this.of) {
        const g = p.grad;
        m.grad = g ? g.to("float32") : torch.zerosLike(m); // the master keeps the tensor; the handle is tidied
        p.zeroGrad();
      }
    }));
  }

  bytes(): number {
    return this.list.reduce((a, t) => a + t.numel * 4, 0);
  }

  dispose(): void {
    torch.dispose(this.list);
    this.of.clear();
    this.byName.clear();
  }
}

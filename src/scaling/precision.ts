// Training precisions and the bytes each keeps per parameter: the one rule shared by the trainer's policy
// (src/train/precision.ts) and the planner's memory table (memory.ts). Pure.
//   fp32           fp32 parameters and gradients, fp32 AdamW moments: 4 + 4 + 8
//   bf16-autocast  fp32 parameters and gradients (the forward casts to bf16 per op): 4 + 4 + 8
//   bf16-params    bf16 parameters and gradients, fp32 master weights and moments: 2 + 2 + 12
// (Rajbhandari et al. 2020, "ZeRO", §3.1: the 2Ψ + 2Ψ + KΨ of mixed precision with K = 12.)

export const TRAIN_PRECISIONS = ["fp32", "bf16-autocast", "bf16-params"] as const;
export type TrainPrecision = (typeof TRAIN_PRECISIONS)[number];

export interface StateBytes {
  /** working parameters, per parameter */
  weights: number;
  /** gradients, per parameter */
  grads: number;
  /** optimizer state per parameter: the AdamW moments, plus fp32 master weights where the parameters are bf16 */
  optimizer: number;
}

export function stateBytesPerParam(p: TrainPrecision): StateBytes {
  return p === "bf16-params" ? { weights: 2, grads: 2, optimizer: 12 } : { weights: 4, grads: 4, optimizer: 8 };
}

/** The precision a run gets when none is given: bf16 autocast on CUDA, fp32 on the CPU (as before --precision). */
export function defaultPrecision(device: string): TrainPrecision {
  return device.startsWith("cuda") ? "bf16-autocast" : "fp32";
}

// Public API of the tensor engine. `import * as torch from "../torch/index.js"` then torch.tensor, torch.F, torch.nn…
export { Tensor, type Scalar, type TensorOrScalar } from "./tensor.js";
export * from "./create.js";
export { tidy, keep, dispose, liveTensorCount, scopeDepth } from "./scope.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./autograd.js";
export { hasOp, op, opId, callOp, schemaOf } from "./ops.js";
export { setNumThreads, getNumThreads, manualSeed, cuda, autocast, buildInfo, applyThreads, requireCuda } from "./device.js";
export { chooseThreads, readCpuFacts, usableCpus, type ThreadChoice, type CpuFacts } from "./threads.js";
export { type DType, isFloating, BYTES_PER_ELEMENT } from "./dtype.js";
export * as F from "./functional.js";
export * as nn from "./nn.js";
export { AdamW, clipGradNorm, fusedAdamWUnavailable, type AdamWOptions } from "./optim.js";
export * as ops from "./generated/ops.js";
export { saveSafetensors, loadSafetensors, encodeSafetensors, decodeSafetensors } from "./safetensors.js";
export * as dist from "./distributed.js";

// GPU smoke check for the device machine: build facts, CUDA op tests, and a bf16 matmul figure, as one JSON.
// Usage (after building with LIBTORCH=<CUDA PyTorch>): node dist/bench/gpu-check.js [size=8192] [iters=50]
// The op tests themselves: node scripts/run-tests.mjs torch/  (CUDA tests run when a device is present).
import * as torch from "../src/torch/index.js";
import { tidy } from "../src/torch/index.js";

const n = Number(process.argv[2] ?? 8192), iters = Number(process.argv[3] ?? 50);
const info = torch.buildInfo();
const out: Record<string, unknown> = {
  torchVersion: info.torchVersion, cudaBuild: info.cudaBuild, cudaAvailable: torch.cuda.isAvailable(),
  devices: torch.cuda.isAvailable() ? torch.cuda.deviceCount() : 0, attention: torch.F.attentionImpl(),
  fusedAdamW: torch.hasOp("_fused_adamw_"),
};
if (!torch.cuda.isAvailable()) {
  console.log(JSON.stringify({ ...out, error: "CUDA not available" }));
  process.exit(1);
}
function matmulTflops(dtype: torch.DType): number {
  return tidy(() => {
    const a = torch.randn([n, n], { device: "cuda", dtype }), b = torch.randn([n, n], { device: "cuda", dtype });
    for (let i = 0; i < 3; i++) a.mm(b).dispose();
    torch.cuda.synchronize();
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) a.mm(b).dispose();
    torch.cuda.synchronize();
    const s = (performance.now() - t0) / 1000;
    return (2 * n ** 3 * iters) / s / 1e12;
  });
}
out.matmul = { n, iters, bf16TFLOPs: matmulTflops("bfloat16"), fp32TFLOPs: matmulTflops("float32") };
out.autocastDtype = tidy(() => torch.autocast(() => torch.randn([8, 8], { device: "cuda" }).matmul(torch.randn([8, 8], { device: "cuda" })).dtype));
if (info.cudaBuild) out.memory = torch.cuda.memoryStats(0);
// per-call overhead of a tiny CUDA op (async launches; synchronised at the end)
out.tinyOpUs = tidy(() => {
  const x = torch.ones([1], { device: "cuda" });
  for (let i = 0; i < 1000; i++) x.add(x).dispose();
  torch.cuda.synchronize();
  const t0 = performance.now();
  for (let i = 0; i < 20000; i++) x.add(x).dispose();
  torch.cuda.synchronize();
  return ((performance.now() - t0) * 1000) / 20000;
});
console.log(JSON.stringify(out));

import { test } from "node:test";
import assert from "node:assert/strict";
import { budgetFlops, NAMED_BUDGETS } from "../../src/scaling/budgets.js";
import { dataLimits, effectiveTokens, R_STAR } from "../../src/scaling/data-limits.js";
import { batchAndContextFor, batchTokensFor, peakLrFor } from "../../src/scaling/lr.js";
import { planModel } from "../../src/scaling/planner.js";
import { defaultPreset, growthFactors, optimalAllocation, PRESETS, presetByName, presetFromJson, registerPreset } from "../../src/scaling/presets.js";
import { nonEmbeddingParams } from "../../src/scaling/shape.js";
import { flopsToGpuHours, flopsToPfDays, gpuHoursToFlops, PF_DAY, wallSeconds } from "../../src/scaling/units.js";

test("released fits as published: N = 0.0030879·C^0.55745 etc.", () => {
  const clm = PRESETS["released-clm"]!.law, mlm = PRESETS["released-mlm"]!.law;
  const C = 8.64e19;
  const o = optimalAllocation(clm, C);
  assert.ok(Math.abs(o.N / (0.0030879 * C ** 0.55745) - 1) < 1e-12);
  assert.ok(Math.abs(o.D / (130.196 * C ** 0.42615) - 1) < 1e-12);
  assert.ok(Math.abs(o.L! - 2.3606) < 1e-12, "L at cRef is kL");
  assert.ok(Math.abs(optimalAllocation(mlm, C).L! - 2.12612) < 1e-12);
  assert.equal(defaultPreset("mlm").name, "released-mlm");
  assert.equal(PRESETS["paper-clm"]!.law.a, 0.578);
  assert.equal(PRESETS["paper-mlm"]!.law.b, 0.23);
  // the paper presets agree with the released fits at their anchor
  const pa = optimalAllocation(PRESETS["paper-mlm"]!.law, 1e21), ra = optimalAllocation(mlm, 1e21);
  assert.ok(Math.abs(pa.N / ra.N - 1) < 1e-9);
  assert.throws(() => optimalAllocation(clm, -1), /positive/);
});

test("×10 compute growth factors are 10^a and 10^b", () => {
  const g = growthFactors(PRESETS["paper-mlm"]!.law);
  assert.ok(Math.abs(g.N - 10 ** 0.776) < 1e-12 && Math.abs(g.D - 10 ** 0.23) < 1e-12);
});

test("a saved preset round-trips and bad ones name the field", () => {
  const p = presetFromJson({ name: "mine", objective: "clm", law: { kN: 0.01, a: 0.5, kD: 10, b: 0.5 } });
  assert.equal(p.law.kN, 0.01);
  assert.throws(() => presetFromJson({ objective: "t5", law: {} }), /objective/);
  assert.throws(() => presetFromJson({ objective: "clm", law: { kN: 1, a: "x", kD: 1, b: 1 } }), /law\.a/);
  assert.throws(() => presetFromJson({ objective: "clm", law: { kN: -1, a: 1, kD: 1, b: 1 } }), /positive/);
  registerPreset({ ...p, name: "my-sweep" });
  assert.equal(presetByName("my-sweep").law.a, 0.5);
  assert.throws(() => registerPreset({ ...p, name: "released-clm" }), /built in/);
  assert.throws(() => presetByName("nope"), /unknown preset 'nope'/);
});

test("ESM-2 published shapes: exact non-embedding counts by hand", () => {
  // 650M: 33 layers, d=1280, FFN 5120. Per layer 4(d²+d) + 4d + (d·f+f) + (f·d+d) = 19,677,440;
  // ×33 = 649,355,520; + final LN 2d + head dense d²+d + head LN 2d = 1,644,800 → 651,000,320.
  assert.equal(NAMED_BUDGETS["esm2-650m"]!.N, 651_000_320);
  assert.equal(nonEmbeddingParams({ layers: 33, dModel: 1280, heads: 20, ffn: 5120 }), 651_000_320);
  // 3B: 36 layers, d=2560, FFN 10240: 78,676,480 per layer ×36 + 6,566,400 = 2,838,919,680.
  assert.equal(NAMED_BUDGETS["esm2-3b"]!.N, 2_838_919_680);
});

test("ESM-2 3B budget with the released MLM fit → ≈10.7B parameters (the paper trained 10.7B)", () => {
  const b = NAMED_BUDGETS["esm2-3b"]!;
  const { C } = budgetFlops(b);
  const p = planModel({ objective: "mlm", C, preset: defaultPreset("mlm") });
  assert.ok(p.N > 10.2e9 && p.N < 11.2e9, `N_opt ${p.N}`);
  assert.ok(Math.abs(p.shape.relError) < 0.04, `shape ${p.shape.N} vs ${p.N}`);
});

test("ProGen2-xlarge budget with the released CLM fit → 6–7B (the paper trained 7.2B)", () => {
  const { C } = budgetFlops(NAMED_BUDGETS["progen2-xlarge"]!);
  const p = planModel({ objective: "clm", C, preset: defaultPreset("clm") });
  assert.ok(p.N > 6e9 && p.N < 7e9, `N_opt ${p.N}`);
  assert.throws(() => budgetFlops(NAMED_BUDGETS["progen2-large"]!), /--tokens/);
  assert.equal(budgetFlops(NAMED_BUDGETS["progen2-large"]!, 1e11).C, 6 * 2.7e9 * 1e11);
});

test("planner: time at an MFU, fuller FLOPs with attention, a preset of the wrong objective is refused", () => {
  const p = planModel({ objective: "clm", C: 1e21, preset: defaultPreset("clm"), gpu: "h100", mfu: 0.5, gpus: 8 });
  assert.ok(p.flopsPerToken.withAttention > p.flopsPerToken.sixN);
  assert.equal(p.flopsPerToken.sixN, 6 * p.shape.N);
  assert.ok(Math.abs(p.time!.gpuHours - p.fullerC / (989e12 * 0.5 * 3600)) < 1e-6);
  assert.ok(Math.abs(p.time!.wallDays * 8 - p.time!.gpuDays) < 1e-9);
  assert.throws(() => planModel({ objective: "clm", C: 1e21, preset: defaultPreset("mlm") }), /is for MLM/);
});

test("compute units: PF-days, GPU-hours at MFU, round trips", () => {
  assert.equal(PF_DAY, 8.64e19);
  assert.equal(flopsToPfDays(8.64e20), 10);
  assert.ok(Math.abs(flopsToGpuHours(989e12 * 3600, "h100", 1) - 1) < 1e-12);
  assert.ok(Math.abs(flopsToGpuHours(312e12 * 3600 * 0.5, "a100", 0.5) - 1) < 1e-12);
  assert.ok(Math.abs(gpuHoursToFlops(100, "h200", 0.4) / (100 * 3600 * 989e12 * 0.4) - 1) < 1e-12);
  assert.ok(Math.abs(wallSeconds(989e12 * 3600, "H100", 1, 4) - 900) < 1e-9);
  assert.throws(() => flopsToGpuHours(1e20, "tpu9", 0.4), /unknown GPU/);
  assert.throws(() => flopsToGpuHours(1e20, "h100", 1.5), /MFU/);
});

test("data limits: Muennighoff effective tokens and the epoch warning", () => {
  assert.equal(effectiveTokens(5e9, 1e10), 5e9);
  const U = 1e9, D = 5e9;
  assert.ok(Math.abs(effectiveTokens(D, U) - U * (1 + R_STAR * (1 - Math.exp(-4 / R_STAR)))) < 1);
  const small = dataLimits(3e9, 1e9, "mlm");
  assert.equal(small.epochs, 3);
  assert.deepEqual(small.warnings, []);
  const big = dataLimits(2e10, 1e9, "mlm");
  assert.equal(big.warnings.length, 2);
  assert.match(big.warnings[1]!, /metagenomic/);
  assert.ok(big.effectiveTokens < 2e10 && big.effectiveTokens < big.ceilingTokens);
});

test("peak LR: 6e-4 small → 3e-4 at ≥1B, log-linear between; batch tokens grow with size", () => {
  assert.equal(peakLrFor(1e6), 6e-4);
  assert.equal(peakLrFor(1e9), 3e-4);
  assert.equal(peakLrFor(1e11), 3e-4);
  assert.ok(Math.abs(peakLrFor(1e8) - Math.sqrt(6e-4 * 3e-4)) < 1e-12);
  assert.ok(peakLrFor(5e7) > peakLrFor(2e8));
  // the paper's batches at scale: 0.5M tokens below 1B parameters, 1M at and above
  assert.equal(batchTokensFor(1e6, 1e12), 524288);
  assert.equal(batchTokensFor(1e10, 1e12), 1048576);
  assert.equal(batchTokensFor(1e6, 1e6) % 1024, 0);
  assert.ok(batchTokensFor(1e6, 1e6) <= 1e4);
});

test("batch and context rule: ~500 steps on small budgets, the paper's batches at scale, context ≤ 12·d", () => {
  // the case: 3e5 parameters on 2e6 tokens got 123 steps of 16,384 tokens at context 1,024
  const small = batchAndContextFor(3e5, 2e6, 96);
  assert.equal(small.batchTokens, 4096);
  assert.equal(small.context, 256);
  assert.ok(small.steps >= 400 && small.steps <= 1000, `steps ${small.steps}`);
  // a width-16 model: attention over 1024 tokens would cost 10x its weights; context stays at 128
  const tiny = batchAndContextFor(3600, 1e8, 16);
  assert.equal(tiny.context, 128);
  assert.equal(tiny.batchTokens % tiny.context, 0);
  // never fewer than 256 tokens (4 rows of 64) per step, however small the budget
  const minute = batchAndContextFor(3600, 1e4, 16);
  assert.equal(minute.batchTokens, 256);
  assert.equal(minute.context, 64);
  // at scale: 0.5M below 1B, 1M at 1B and above, context 1024
  assert.deepEqual([batchAndContextFor(5e8, 1e11, 1280).batchTokens, batchAndContextFor(5e8, 1e11, 1280).context], [524288, 1024]);
  assert.equal(batchAndContextFor(3e9, 1e12, 2560).batchTokens, 1048576);
  // an explicit context is kept and the batch is whole rows of it
  const kept = batchAndContextFor(1e5, 3e5, 64, 200);
  assert.equal(kept.context, 200);
  assert.equal(kept.batchTokens % 200, 0);
});

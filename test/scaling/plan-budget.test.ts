// A plan asked for H GPU-hours costs at most H, and the strategy is the fastest to solution among those that
// fit, recompute included (issue 23 item 7).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fitPlanToBudget, planModel } from "../../src/scaling/planner.js";
import { RECOMPUTE_FACTOR } from "../../src/scaling/memory.js";
import { defaultPreset } from "../../src/scaling/presets.js";

const bin = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));

test("plan --gpu-hours 5000 --gpu h100 --mfu 0.35 --gpus 8 costs at most 5000 GPU-hours and says how the budget was split", () => {
  const r = spawnSync(process.execPath, [bin, "plan", "--objective", "mlm", "--gpu-hours", "5000", "--gpu", "h100", "--mfu", "0.35", "--gpus", "8", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.ok(p.time.gpuHours <= 5000 * (1 + 1e-9), `${p.time.gpuHours} GPU-hours`);
  assert.ok(p.time.gpuHours > 4990, "the budget is used, not left idle");
  assert.ok(p.budgetSplit.lawGpuHours > 5000, `the law alone would cost more: ${p.budgetSplit.lawGpuHours}`);
  assert.ok(p.D < p.budgetSplit.lawD);
  assert.ok(p.warnings.some((w: string) => /model is kept and trained on D = /.test(w)));
  // ZeRO-1 without recompute fits: it is faster than DDP with activation checkpointing (4/3 the compute)
  assert.equal(p.memory.chosen.strategy, "zero1");
  assert.equal(p.memory.chosen.checkpointActivations, false);
  assert.equal(p.training.steps, Math.ceil(p.D / p.training.batchTokens));
});

test("recompute counts in the cost: a checkpointed plan trains on 3/4 of the tokens a plain one would", () => {
  const preset = defaultPreset("mlm");
  const C = 1e21;
  const plan = planModel({ objective: "mlm", C, preset, gpu: "h100", mfu: 0.4, gpus: 8 });
  const plain = fitPlanToBudget(plan, C, 1, "h100", 0.4);
  const ck = fitPlanToBudget(plan, C, RECOMPUTE_FACTOR, "h100", 0.4);
  assert.ok(Math.abs(ck.D / plain.D - 3 / 4) < 1e-9, `${ck.D / plain.D}`);
  assert.ok(ck.flopsPerToken.withAttention * ck.D * RECOMPUTE_FACTOR <= C * (1 + 1e-9));
  assert.ok(Math.abs(ck.time!.gpuHours - plan.time!.gpuHours * (C / plan.fullerC)) < 1e-6 * ck.time!.gpuHours, "the GPU-hours are the budget's");
  // a plan already within its budget is left as it is
  const roomy = fitPlanToBudget(plan, plan.fullerC * 2, 1, "h100", 0.4);
  assert.equal(roomy, plan);
});

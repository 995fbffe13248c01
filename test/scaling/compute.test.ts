// C = 6·N·D and its inverses, the one definition every site uses (src/scaling/compute.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { paramsForFlops, tokensForFlops, trainingFlops } from "../../src/scaling/compute.js";
import { flops6ND } from "../../src/train/schedule.js";

test("C = 6·N·D, D = C/6N and N = C/6D, by hand-computed values", () => {
  assert.equal(trainingFlops(7_501_760, 1e9), 4.501056e16); // 6 × 7.50176e6 × 1e9
  assert.equal(tokensForFlops(6e21, 1e9), 1e12);
  assert.equal(paramsForFlops(1.2e19, 2e9), 1e9);
  assert.equal(flops6ND(2, 3), 36);
});


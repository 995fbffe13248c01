import { test } from "node:test";
import assert from "node:assert/strict";
import { fitRStar, freshEquivalent } from "../../src/app/study-repetition.js";
import { effectiveTokens } from "../../src/scaling/data-limits.js";

test("freshEquivalent: log-linear interpolation on the fresh curve; beyond it Infinity, above it the first point", () => {
  const curve = [{ tokens: 1e5, loss: 3.0 }, { tokens: 4e5, loss: 2.8 }, { tokens: 1.6e6, loss: 2.7 }];
  assert.ok(Math.abs(freshEquivalent(curve, 2.9) - 2e5) < 1); // halfway in loss = geometric mean in tokens
  assert.ok(Math.abs(freshEquivalent(curve, 2.75) - 8e5) < 1);
  assert.equal(freshEquivalent(curve, 2.6), Infinity);
  assert.equal(freshEquivalent(curve, 3.2), 1e5);
});

test("fitRStar recovers R* from effective tokens generated with a known R*, and says none when repetition is free", () => {
  for (const truth of [2, 15.4, 60]) {
    const pts = [];
    for (const U of [1e5, 3e5]) for (const t of [2e5, 5e5, 1e6, 3e6]) if (t > U) pts.push({ t, U, Dp: effectiveTokens(t, U, truth) });
    const r = fitRStar(pts)!;
    assert.ok(Math.abs(Math.log(r / truth)) < 0.06, `R* ${r} vs ${truth}`);
  }
  // every repeated token worth a fresh one: no finite R*
  assert.equal(fitRStar([{ t: 1e6, U: 1e5, Dp: 1e6 }, { t: 4e5, U: 1e5, Dp: 4e5 }]), null);
});


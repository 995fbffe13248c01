// Order statistics (core/stats.ts), the one median and percentile of every layer, against numpy's values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { median, percentile } from "../../src/core/stats.js";

test("median is numpy.median: the middle value, the mean of the two middle ones for an even count, NaN for none", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5); // np.median([4, 1, 3, 2]) = 2.5
  assert.equal(median(new Float32Array([10, -2])), 4);
  assert.ok(Number.isNaN(median([])));
  const input = [5, 4, 3];
  median(input);
  assert.deepEqual(input, [5, 4, 3], "the input is not sorted in place");
});

test("percentile is numpy.percentile with linear interpolation", () => {
  // np.percentile([1, 2, 3, 4, 5], [0, 10, 25, 50, 90, 100]) = [1, 1.4, 2, 3, 4.6, 5]
  const want = [1, 1.4, 2, 3, 4.6, 5];
  [0, 10, 25, 50, 90, 100].forEach((q, i) => assert.ok(Math.abs(percentile([5, 3, 1, 4, 2], q) - want[i]!) < 1e-12, `q ${q}`));
  // np.percentile([0, 10], 2.5) = 0.25
  assert.ok(Math.abs(percentile([10, 0], 2.5) - 0.25) < 1e-12);
  assert.ok(Number.isNaN(percentile([], 50)));
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration } from "../../src/core/duration.js";

test("formatDuration: seconds, minutes, hours, unknown", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(59.4), "59s");
  assert.equal(formatDuration(187), "3m07s");
  assert.equal(formatDuration(3600 * 2 + 5 * 60 + 40), "2h05m");
  for (const x of [undefined, Infinity, NaN, -5]) assert.equal(formatDuration(x), "?");
});

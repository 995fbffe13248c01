// The one user-facing error (core/errors.ts): which errors become UserErrors, with which exit code and words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { asFailure, asUserError, UserError } from "../../src/core/errors.js";

test("asFailure: a UserError stays as it is (its exit code too); any other error becomes one with exit 1", () => {
  const usage = new UserError("--x: bad", 2);
  assert.equal(asFailure(usage), usage);
  const f = asFailure(new RangeError("sequence too long"));
  assert.ok(f instanceof UserError);
  assert.equal(f.message, "sequence too long");
  assert.equal(f.exitCode, 1);
  assert.equal(asFailure("a thrown string").message, "a thrown string");
});

test("asUserError: a system error in words with its path and code; a bug is returned unchanged", () => {
  let enoent: unknown;
  try { readFileSync("/nonexistent-plmscale-dir/x.json"); } catch (e) { enoent = e; }
  const u = asUserError(enoent, "reading the config");
  assert.ok(u instanceof UserError);
  assert.equal((u as UserError).message, "reading the config: /nonexistent-plmscale-dir/x.json: no such file or directory [ENOENT]");
  const bug = new TypeError("undefined is not a function");
  assert.equal(asUserError(bug), bug);
});

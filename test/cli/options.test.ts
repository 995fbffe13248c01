// Typed option declarations (src/cli/options.ts): values, ranges, words beside numbers, help text, and the old
// style (type "string" read with num()) that other branches still add.
import { test } from "node:test";
import assert from "node:assert/strict";
import { num, optionValues, parseCommandArgs, defineOptions } from "../../src/cli/command.js";
import { commandHelp } from "../../src/cli/help.js";
import { UserError } from "../../src/core/errors.js";

const OPTIONS = defineOptions({
  tokens: { type: "size", min: 1, description: "budget" },
  sizes: { type: "list", of: "size", min: 1, also: ["auto"], default: "auto", description: "sizes" },
  share: { type: "number", min: 0, max: 1, minExclusive: true, maxExclusive: true, description: "share" },
  mode: { type: "enum", choices: ["fast", "slow"], default: "fast", description: "mode" },
  legacy: { type: "string", value: "N", description: "an old-style number" },
});
const cmd = { name: "t", usage: [""], options: OPTIONS, examples: [] };

test("sizes, lists and words beside numbers parse to typed values", () => {
  const v = optionValues(parseCommandArgs(cmd, ["--tokens", "2M", "--sizes", "14k,1e5", "--share", "0.25"]), OPTIONS);
  assert.equal(v.tokens, 2_000_000);
  assert.deepEqual(v.sizes, [14_000, 100_000]);
  assert.equal(v.share, 0.25);
  assert.equal(v.mode, "fast", "the declared default, typed");
  assert.equal(optionValues(parseCommandArgs(cmd, []), OPTIONS).sizes, "auto");
});

test("exclusive bounds refuse the bound itself; a list refuses a bad item by the flag", () => {
  const refused = (argv: string[], re: RegExp) =>
    assert.throws(() => parseCommandArgs(cmd, argv), (e: unknown) => e instanceof UserError && e.exitCode === 2 && re.test(e.message));
  refused(["--share", "1"], /--share: '1' is out of range \(0 < share < 1\)/);
  refused(["--share", "0"], /--share: '0' is out of range/);
  refused(["--sizes", "14k,,3"], /--sizes: '14k,,3' has an empty item/);
  refused(["--sizes", "14k,0.5"], /--sizes: '0.5' is not a whole number/);
  refused(["--mode", "medium"], /--mode: 'medium' is not one of fast, slow/);
});

test("old-style string options still parse as text and read with num()", () => {
  const a = parseCommandArgs(cmd, ["--legacy", "3e4"]);
  assert.equal(a.values.legacy, "3e4");
  assert.equal(num(a, "legacy"), 30_000);
});

test("help shows each option's type, range, choices and default", () => {
  const help = commandHelp(cmd);
  assert.match(help, /--tokens N\s+budget \(count \(2M, 1e9, 10k\) ≥ 1\)/);
  assert.match(help, /--share X\s+share \(number 0 < x < 1\)/);
  assert.match(help, /--mode fast\|slow\s+mode \(one of fast, slow; default fast\)/);
  assert.match(help, /--sizes LIST\s+sizes \(comma-separated counts ≥ 1 or auto; default auto\)/);
});

// --help is generated from each command's option declarations: every declared option is listed, and every
// option the text mentions (usage lines, prose, examples) is declared, so help and parser cannot drift apart.
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { commands } from "../../src/cli/registry.js";
import { COMMON_OPTIONS, parseCommandArgs } from "../../src/cli/command.js";
import { commandHelp } from "../../src/cli/help.js";
import { UserError } from "../../src/core/errors.js";

test("every command's help lists each declared option, and mentions no undeclared one", () => {
  assert.ok(commands.length >= 19, `registry lists ${commands.length} commands`);
  for (const cmd of commands) {
    const help = commandHelp(cmd);
    const declared = { ...cmd.options, ...COMMON_OPTIONS };
    for (const [name, d] of Object.entries(declared)) {
      const row = new RegExp(`^  (-${d.short ?? "\\w"}, )?--${name}(\\s|$)`, "m");
      assert.match(help, row, `${cmd.name}: --${name} has no row in its help`);
      assert.ok(d.description.trim().length > 0, `${cmd.name}: --${name} has no description`);
    }
    // a quoted 'plmscale OTHER --flag' refers to another command's option
    const own = help.replace(/'plmscale ([^']*)'/g, (m, inner: string) => (inner.startsWith(`${cmd.name} `) ? m : ""));
    const mentioned = [...own.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!);
    assert.ok(mentioned.length > 0);
    for (const m of mentioned) assert.ok(m in declared, `${cmd.name}: help mentions --${m}, which is not declared`);
    assert.match(help, new RegExp(`^Usage: plmscale ${cmd.name}`));
  }
});

test("declared defaults are applied and required options are enforced by the parser, not by each command", () => {
  const fit = commands.find((c) => c.name === "fit")!;
  const table = fileURLToPath(import.meta.url); // --runs must exist: any existing file parses
  const a = parseCommandArgs(fit, ["--runs", table]);
  assert.equal(a.values.method, "isoflop");
  assert.equal(a.values.bootstrap, "200");
  assert.equal(parseCommandArgs(fit, ["--runs", table, "--method", "parametric"]).values.method, "parametric");
  assert.throws(() => parseCommandArgs(fit, []), (e: unknown) => e instanceof UserError && e.exitCode === 2 && /missing required option --runs FILE\|DIR/.test(e.message));
  assert.equal(parseCommandArgs(fit, ["--help"]).values.help, true, "--help needs no required option");
  assert.throws(() => parseCommandArgs(fit, ["--runs", table, "--no-such"]), (e: unknown) => e instanceof UserError && e.exitCode === 2 && /--no-such/.test(e.message));
  const gen = commands.find((c) => c.name === "generate")!;
  assert.equal(parseCommandArgs(gen, ["--run", table, "-n", "7"]).values.n, "7");
});

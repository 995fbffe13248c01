// Every declared option of every command, walked with the values '' -1 0 1.5 NaN 1e309 abc: each is either a
// usage error (exit 2) naming the flag, decided by the parser before any work, or valid by the option's declared
// type and range (the oracle below re-derives that from the declaration with plain Number(), not with the parser).
// A handful run as real processes through the launcher to prove the exit status and the absence of a stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { commands } from "../../src/cli/registry.js";
import { parseCommandArgs, type OptionDecl } from "../../src/cli/command.js";
import { UserError } from "../../src/core/errors.js";

const VALUES = ["", "-1", "0", "1.5", "NaN", "1e309", "abc"];

/** Is `v` a valid value of `d`, judged from the declaration alone? */
function validByDeclaration(d: OptionDecl, v: string): boolean {
  if (d.also?.includes(v)) return true;
  const kind = d.type === "list" ? (d.of ?? "string") : d.type;
  if (kind === "string") return v !== "" || d.empty === true;
  if (kind === "path") return v !== "" && (!d.exists || existsSync(v));
  if (kind === "enum") return d.choices!.includes(v);
  const x = v.trim() === "" ? NaN : Number(v);
  if (!Number.isFinite(x)) return false;
  if (kind !== "number" && !Number.isInteger(x)) return false;
  if (d.min !== undefined && (d.minExclusive ? x <= d.min : x < d.min)) return false;
  if (d.max !== undefined && (d.maxExclusive ? x >= d.max : x > d.max)) return false;
  return true;
}

const NUMERIC = new Set(["number", "integer", "size"]);

test("every command's every option: a bad value is a usage error naming the flag; a valid one has a declared meaning", () => {
  // the walk runs where none of the values names an existing file
  const cwd = process.cwd();
  process.chdir(mkdtempSync(join(tmpdir(), "plmscale-flag-walk-")));
  let refused = 0, accepted = 0, options = 0;
  try {
    for (const cmd of commands) {
      for (const [name, d] of Object.entries(cmd.options)) {
        if (d.type === "boolean") continue;
        options++;
        const numeric = NUMERIC.has(d.type) || (d.type === "list" && NUMERIC.has(d.of ?? "string"));
        // a number without a lower bound accepts -1 for a length, a count or an interval
        if (numeric) assert.ok(d.min !== undefined, `${cmd.name} --${name}: a numeric option without a declared minimum`);
        for (const v of VALUES) {
          const where = `${cmd.name} --${name}=${JSON.stringify(v)}`;
          let error: unknown;
          let typed: unknown;
          try {
            typed = parseCommandArgs(cmd, [`--${name}=${v}`]).typed?.[name];
          } catch (e) {
            error = e;
          }
          const missing = error instanceof UserError && error.message.startsWith("missing required option");
          if (validByDeclaration(d, v)) {
            accepted++;
            assert.ok(error === undefined || missing, `${where}: valid by its declaration, refused: ${(error as Error)?.message}`);
            if (error === undefined && numeric) assert.deepEqual(typed, d.type === "list" ? [Number(v)] : Number(v), where);
            // zero is a value with a meaning of its own (a seed, "0 = derive", "0 picks a free port"): say it
            if (v === "0" && numeric) assert.ok(/seed|(^|[^.\d])0 (=|to|picks|means)/.test(`${name} ${d.description}`), `${where}: 0 is accepted; the description must say what it means`);
          } else {
            refused++;
            assert.ok(error instanceof UserError && !missing, `${where}: invalid by its declaration, accepted (or ${(error as Error)?.message})`);
            assert.equal((error as UserError).exitCode, 2, where);
            assert.match((error as Error).message, new RegExp(`--${name}\\b`), `${where}: the message must name the flag`);
          }
        }
      }
    }
  } finally {
    process.chdir(cwd);
  }
  // the registry's 27 commands declare well over 200 valued options; each value is judged one way or the other
  assert.ok(options >= 200, `${options} valued options`);
  assert.equal(refused + accepted, options * VALUES.length);
  assert.ok(refused > accepted, `${refused} refused, ${accepted} accepted`);
});

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));

test("bad values that once ended in stack traces, hangs or silent acceptance exit 2 naming the flag, as real processes", () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-flag-walk-"));
  const cases: [string[], string][] = [
    [["train", "--data", BIN, "--out", join(dir, "t"), "--tokens", "0"], "tokens"],
    [["import", "--from", dir, "--out", join(dir, "i"), "--heads=-1"], "heads"],
    [["serve", dir, "--port", "99999"], "port"],
    [["data", "prepare", "--source", `a=${BIN}`, "--out", join(dir, "c"), "--dedup-memory=-1"], "dedup-memory"],
    [["data", "prepare", "--source", `a=${BIN}`, "--out", join(dir, "c"), "--identity", "1.5"], "identity"],
    [["train", "--data", BIN, "--out", join(dir, "t"), "--tokens", "1k", "--eval-every", "1.5"], "eval-every"],
    [["generate", "--run", dir, "--top-p", "NaN"], "top-p"],
  ];
  for (const [args, flag] of cases) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 2, `${args.join(" ")} → ${r.status} ${r.signal ?? ""}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`--${flag}\\b`), args.join(" "));
    assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/, args.join(" "));
    assert.ok(!existsSync(join(dir, "t")) && !existsSync(join(dir, "c")), `${args.join(" ")}: work started before the check`);
  }
});

// Issue 16 item 6: every bad input to `plan` gets a clear error naming the flag or file (no NaN, Infinity,
// negative days or stack traces), and budgets far outside a law's fitted range are refused with the range.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { invokeCommand, type CommandIO } from "../../src/cli/command.js";
import { UserError } from "../../src/core/errors.js";
import { planCommand } from "../../src/cli/specs/scaling.js";
import type { PlanResult } from "../../src/cli/commands/plan.js";
import { PRESETS } from "../../src/scaling/presets.js";

const io: CommandIO = { out: () => {}, err: () => {}, json: true, signal: new AbortController().signal };
const dir = mkdtempSync(join(tmpdir(), "plmscale-plan-input-"));
const base = ["--objective", "mlm", "--flops", "1e21"];

async function refused(argv: string[], re: RegExp, code: number) {
  await assert.rejects(invokeCommand(planCommand, argv, io), (e: unknown) => {
    assert.ok(e instanceof UserError, `not a UserError: ${(e as Error)?.stack ?? e}`);
    assert.match(e.message, re);
    assert.equal(e.exitCode, code, e.message);
    return true;
  });
}

test("plan --context 0, -5 and 1.5 are usage errors naming --context (not NaN tokens/step)", async () => {
  for (const v of ["0", "-5", "1.5", "1"]) await refused([...base, `--context=${v}`], new RegExp(`--context: '${v.replace(".", "\\.")}' (is out of range \\(≥ 2\\)|is not a whole number)`), 2);
  const { result } = await invokeCommand(planCommand, [...base, "--context", "2"], io);
  const t = (result as PlanResult).training;
  // the context asked for is the one planned, and the batch is whole rows of it
  assert.equal(t.context, 2);
  assert.ok(Number.isInteger(t.batchTokens / 2) && t.batchTokens >= 2, `batchTokens ${t.batchTokens}`);
});

test("plan --gpus 0 and -2 are usage errors (not Infinity or negative days)", async () => {
  for (const v of ["0", "-2", "2.5"]) await refused([...base, "--gpu", "h100", `--gpus=${v}`], /--gpus: '.*' (is out of range \(≥ 1\)|is not a whole number)/, 2);
  const { result } = await invokeCommand(planCommand, [...base, "--gpu", "h100", "--gpus", "4"], io);
  const t = (result as PlanResult).time!;
  assert.ok(Math.abs(t.wallDays * 4 - t.gpuDays) < 1e-9 * t.gpuDays && t.wallDays > 0);
});

test("plan --emit into a missing directory or onto a directory: a clear error, nothing written", async () => {
  await refused([...base, "--emit", join(dir, "missing", "cfg.json")], /--emit .*missing.*does not exist/, 1);
  assert.ok(!existsSync(join(dir, "missing")));
  const sub = join(dir, "adir");
  mkdirSync(sub);
  await refused([...base, "--emit", sub], /--emit .*adir: is a directory; give a file name/, 2);
  const ok = join(dir, "cfg.json");
  await invokeCommand(planCommand, [...base, "--emit", ok], io);
  assert.equal(JSON.parse(readFileSync(ok, "utf8")).objective, "mlm");
});

test("a non-JSON --transfer-law and --preset name the file", async () => {
  const bad = join(dir, "not-json.txt");
  writeFileSync(bad, "root:x:0:0\n");
  await refused([...base, "--joint", "--transfer-law", bad], new RegExp(`--transfer-law file is not valid JSON: ${bad}`), 1);
  await refused([...base, "--preset", bad], new RegExp(`--preset file is not valid JSON: ${bad}`), 1);
  const wrong = join(dir, "wrong.json");
  writeFileSync(wrong, JSON.stringify({ objective: "mlm", law: { kN: 1, a: 0.5, kD: 1, b: 0.5 }, fittedN: [5, 1] }));
  await refused([...base, "--preset", wrong], new RegExp(`--preset ${wrong}: fittedN`), 1);
});

test("--flops 1e5 and 1e40 are refused, stating the law's fitted range (no shapeFor error, no 13-billion-wide model)", async () => {
  for (const [objective, C] of [["mlm", "1e5"], ["clm", "1e5"], ["mlm", "1e40"], ["clm", "1e40"]] as const) {
    await refused(["--objective", objective, "--flops", C], /too far outside the law's range to extrapolate: the law released-(clm|mlm) was fitted on models of 3\.5e\+6–1\.1e\+10 parameters; plans reach 100× beyond that at most \(N 3\.5e\+4–1\.1e\+12, i\.e\. C ≈ [\d.e+]+–[\d.e+]+ FLOPs\)/, 1);
  }
  // the stated C range is the law's own: just inside it plans, just outside it is refused
  const law = PRESETS["released-mlm"]!.law;
  const cLo = (3.5e4 / law.kN) ** (1 / law.a);
  const { result } = await invokeCommand(planCommand, ["--objective", "mlm", "--flops", String(cLo * 1.01), "--json"], io);
  assert.ok((result as PlanResult).warnings.some((w) => /below the smallest model the law was fitted on/.test(w)));
  await refused(["--objective", "mlm", "--flops", String(cLo * 0.99)], /too far outside/, 1);
});

test("a saved user preset carries its fitted range; plan refuses budgets 100× beyond it", async () => {
  const p = join(dir, "mine.json");
  writeFileSync(p, JSON.stringify({ name: "mine", objective: "clm", law: PRESETS["released-clm"]!.law, source: "test", fittedN: [1e6, 1e7] }));
  const { result } = await invokeCommand(planCommand, ["--objective", "clm", "--flops", "1e18", "--preset", p], io);
  assert.ok((result as PlanResult).N > 1e6 && (result as PlanResult).N < 1e9);
  // 1e21 FLOPs → N_opt ≈ 1.6e9 > 100 × 1e7 with this law: the built-in range would allow it, the saved one does not
  await refused(["--objective", "clm", "--flops", "1e21", "--preset", p], /fitted on models of 1\.0e\+6–1\.0e\+7 parameters/, 1);
});

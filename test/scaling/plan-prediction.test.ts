// plan --emit writes down what its law expects of the run (issue 25 item 1), and the train config carries it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { invokeCommand, type CommandIO } from "../../src/cli/command.js";
import { planCommand } from "../../src/cli/specs/scaling.js";
import { parseTrainConfig } from "../../src/train/config.js";

const io: CommandIO = { out: () => {}, err: () => {}, json: true, signal: new AbortController().signal };

test("plan --emit records the released MLM law's loss at the budget, and why it claims no interval", async () => {
  const cfg = join(mkdtempSync(join(tmpdir(), "plmscale-pred-")), "mlm.json");
  await invokeCommand(planCommand, ["--objective", "mlm", "--flops", "1e21", "--emit", cfg], io);
  const c = JSON.parse(readFileSync(cfg, "utf8"));
  // the released MLM fit (README): L = 2.12612·(C / 8.64e19)^−0.02873
  const expected = 2.12612 * (1e21 / 8.64e19) ** -0.02873;
  assert.ok(Math.abs(c.prediction.loss - expected) < 1e-4, `${c.prediction.loss} vs ${expected}`);
  assert.equal(c.prediction.C, 1e21);
  assert.equal(c.prediction.lo, undefined);
  assert.match(c.prediction.note, /publishes no interval/);
  assert.equal(c.prediction.source, "released-mlm");
  // the trainer reads the config back with the prediction in it, and refuses a malformed one
  assert.equal(parseTrainConfig(c).prediction!.loss, c.prediction.loss);
  assert.throws(() => parseTrainConfig({ ...c, prediction: { ...c.prediction, loss: "2.1" } }), /prediction\.loss: expected a number/);
});

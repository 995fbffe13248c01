// Training progress as the CLI draws it when stderr is not a terminal (logs, CI, sweep children): one line
// per interval of training time, at every evaluation and at the last step; the loop itself draws nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { trainProgress } from "../../src/cli/progress.js";
import type { ProgressInfo } from "../../src/train/progress.js";

const info = (step: number, elapsedSeconds: number, valLoss?: number): ProgressInfo => ({
  step, steps: 10, tokens: step * 1000, totalTokens: 10_000, trainLoss: 3 - step / 100, lr: 1e-3, tokensPerSecond: 500,
  elapsedSeconds, ...(valLoss !== undefined ? { valLoss } : {}),
});

test("plain progress: a line per 10 s of training, at each evaluation and at the end", () => {
  const lines: string[] = [];
  const sink = trainProgress((l) => lines.push(l), { tty: false, plainEverySeconds: 10 });
  sink.update(info(1, 0));
  sink.update(info(2, 4));
  sink.update(info(3, 9.9));
  sink.update(info(4, 10.5));
  sink.update(info(5, 11, 2.9)); // evaluation
  sink.update(info(6, 12));
  sink.update(info(10, 13)); // last step
  sink.done();
  assert.deepEqual(lines.map((l) => l.split(" ")[1]), ["1/10", "4/10", "5/10", "10/10"]);
  assert.match(lines[2]!, /^step 5\/10 tokens 5\.0k\/10\.0k loss 2\.9500 val 2\.9000 lr 1\.00e-3 500 tok\/s eta 10s$/);
});

test("messages pass through unchanged", () => {
  const lines: string[] = [];
  const sink = trainProgress((l) => lines.push(l), { tty: false });
  sink.message("resuming from step 8");
  assert.deepEqual(lines, ["resuming from step 8"]);
});

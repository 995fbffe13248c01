// generate caps samples at the model's context and says so (it used to cap silently).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { train } from "../../src/train/loop.js";
import { configFromFlags } from "../../src/train/cli-config.js";
import { invokeCommand, type CommandIO } from "../../src/cli/command.js";
import { generateCommand } from "../../src/cli/specs/train.js";

const FASTA = fileURLToPath(new URL("../../../test/fixtures/swissprot-sample.fasta.gz", import.meta.url));

test("generate --max-length beyond the context: a warning naming the cap, the cap in --json, samples within it", async () => {
  const run = join(mkdtempSync(join(tmpdir(), "plm-gen-")), "clm");
  await train(configFromFlags({ objective: "clm", shape: "1,32,2", tokens: 1024, context: 24, batchTokens: 1024, microRows: 16, threads: 1, data: FASTA, evalEvery: 0, evalTokens: 1024, checkpointEvery: 0 }), { out: run, quiet: true });
  const err: string[] = [];
  const io: CommandIO = { out: () => {}, err: (l) => err.push(l), json: true, signal: new AbortController().signal };
  const { result } = await invokeCommand(generateCommand, ["--run", run, "-n", "6", "--max-length", "200", "--temperature", "3"], io);
  const r = result as { maxLength: number; maxLengthAsked: number; stoppedAtCap: number; sequences: string[] };
  assert.ok(err.some((l) => /--max-length 200 capped at 22 residues: the model's context is 24 tokens/.test(l)), err.join("\n"));
  assert.deepEqual([r.maxLength, r.maxLengthAsked], [22, 200]);
  assert.ok(r.sequences.every((s) => s.length <= 22));
  assert.equal(r.stoppedAtCap, r.sequences.filter((s) => s.length === 22).length);
  if (r.stoppedAtCap) assert.ok(err.some((l) => new RegExp(`${r.stoppedAtCap} of 6 sample\\(s\\) reached 22 residues without <eos>`).test(l)));
  // within the context: no warning
  const quiet: string[] = [];
  await invokeCommand(generateCommand, ["--run", run, "-n", "1", "--max-length", "10"], { ...io, err: (l) => quiet.push(l) });
  assert.ok(!quiet.some((l) => /capped/.test(l)), quiet.join("\n"));
});

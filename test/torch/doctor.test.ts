// plmscale doctor reports the engine's facts (the CLI command's testable run + human rendering).
import { test } from "node:test";
import assert from "node:assert/strict";
import { doctorCommand } from "../../src/cli/commands/doctor.js";
import * as torch from "../../src/torch/index.js";

test("doctor reports libtorch, threads, attention and CUDA consistently with the engine", async () => {
  const io = { out: (_: string) => {}, err: (_: string) => {}, json: true, signal: new AbortController().signal };
  const r = await doctorCommand.run({ values: {}, positionals: [] }, io);
  assert.equal(r.torchVersion, torch.buildInfo().torchVersion);
  assert.equal(r.threads, torch.getNumThreads());
  assert.equal(r.attention, torch.F.attentionImpl());
  assert.equal(r.cuda.available, torch.cuda.isAvailable());
  assert.equal(r.fusedAdamW, torch.hasOp("_fused_adamw_"));
  assert.ok(!r.config.includes("\n"), "the build configuration is summarised unless --verbose");
  const lines: string[] = [];
  doctorCommand.human!(r, { ...io, json: false, out: (l: string) => lines.push(l) });
  assert.ok(lines.some((l) => l.startsWith("libtorch") && l.includes(r.torchVersion)));
  assert.ok(lines.some((l) => l.startsWith("CUDA")));
});

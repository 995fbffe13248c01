import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { invokeCommand, parseCommandArgs, type CommandIO } from "../../src/cli/command.js";
import { UserError } from "../../src/core/errors.js";
import { parseSourceArg } from "../../src/cli/commands/data-prepare.js";
import { dataPrepareCommand, dataStatsCommand } from "../../src/cli/specs/data.js";
import { tmp, SWISSPROT_SAMPLE, MGNIFY } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

function io(): CommandIO & { lines: string[]; errs: string[] } {
  const lines: string[] = [], errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), json: false, signal: new AbortController().signal };
}

test("--source NAME=PATH[,PATH][:WEIGHT] parsing", () => {
  const s = parseSourceArg(`mix=${SWISSPROT_SAMPLE},${MGNIFY}:0.25`);
  assert.equal(s.name, "mix");
  assert.equal(s.weight, 0.25);
  assert.deepEqual(s.inputs.map((i) => i.path), [SWISSPROT_SAMPLE, MGNIFY]);
  assert.equal(parseSourceArg(`a=${MGNIFY}`).weight, 1);
  assert.throws(() => parseSourceArg("nonsense"), UserError);
  assert.throws(() => parseSourceArg("a=/no/such/file.fa:0.5"), /file not found: \/no\/such\/file\.fa/);
});

test("data prepare + data stats: counts, and the unigram entropy equals one computed from the FASTA", async () => {
  const out = join(tmp(), "c");
  const cio = io();
  const { result: m, code } = await invokeCommand(dataPrepareCommand, [
    "--source", `sp=${SWISSPROT_SAMPLE}`, "--out", out, "--cluster", "none", "--valid", "0", "--test", "0", "--quiet",
  ], cio);
  code.human!(m, cio);
  assert.ok(cio.lines.some((l) => /sp \(weight 1\): read 3000, kept 2962, duplicates 38/.test(l)), cio.lines.join("\n"));
  const { result: s } = await invokeCommand(dataStatsCommand, [out], io());
  // independent entropy over the distinct sequences of the fixture
  const text = gunzipSync(readFileSync(SWISSPROT_SAMPLE)).toString("latin1");
  const seqs = new Set(text.split(">").slice(1).map((r) => r.slice(r.indexOf("\n") + 1).replace(/\s/g, "")));
  const counts = new Map<string, number>();
  let n = 0;
  for (const q of seqs) for (const ch of q) { counts.set(ch, (counts.get(ch) ?? 0) + 1); n++; }
  let H = 0;
  for (const c of counts.values()) H -= (c / n) * Math.log(c / n);
  assert.ok(Math.abs(s.unigramEntropyNats - H) < 1e-9, `${s.unigramEntropyNats} vs ${H}`);
  assert.equal(s.total.train.sequences, 2962);
  assert.equal(s.lengths.histogram.reduce((a, h) => a + h.count, 0), 2962);
  assert.equal(s.lengths.histogram.at(-1)!.upTo, null);
  assert.ok(Math.abs(Object.values(s.composition).reduce((a, b) => a + b, 0) - 1) < 1e-9);
});

test("the CLI binary: --json output, expected failures exit non-zero with a one-line message", () => {
  const dir = tmp();
  const ok = spawnSync(process.execPath, [MAIN, "data", "prepare", "--source", `mg=${MGNIFY}:2`, "--out", join(dir, "c"), "--cluster", "none", "--json"], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  const m = JSON.parse(ok.stdout);
  assert.equal(m.sources[0].name, "mg");
  assert.equal(m.sources[0].weight, 2);
  const again = spawnSync(process.execPath, [MAIN, "data", "prepare", "--source", `mg=${MGNIFY}`, "--out", join(dir, "c"), "--cluster", "none"], { encoding: "utf8" });
  assert.equal(again.status, 3);
  assert.match(again.stderr, /already holds a corpus; pass --force/);
  const stats = spawnSync(process.execPath, [MAIN, "data", "stats", join(dir, "nope")], { encoding: "utf8" });
  assert.equal(stats.status, 3);
  assert.match(stats.stderr, /no manifest\.json/);
  const help = spawnSync(process.execPath, [MAIN, "data", "prepare", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Examples?:\n  plmscale data prepare --preset swissprot/);
  const bad = spawnSync(process.execPath, [MAIN, "data", "prepare", "--out", join(dir, "x")], { encoding: "utf8" });
  assert.equal(bad.status, 2);
});

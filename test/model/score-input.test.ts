// Issue 16 item 9: `score` (and `embed`) on an empty or headers-only FASTA fail instead of printing no rows,
// and a record that cannot be scored is named by file, line and id. Real processes on a real trained run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { train } from "../../src/train/loop.js";
import { configFromFlags } from "../../src/train/cli-config.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const plmscale = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" }, timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), "plmscale-score-input-"));
const SEQS = ["MKTAYIAKQRQISFVKSHFSRQ", "LLGACDEFGHIKLMNPQ", "WYVHHKKTTSSAAGG", "MENDLQRSTVWYACDE", "PPGGSSLLKKRRTTAA", "MVLSPADKTNVKAAWG"];

async function tinyRun(): Promise<string> {
  const fasta = join(dir, "train.fasta");
  writeFileSync(fasta, SEQS.map((s, i) => `>p${i}\n${s}\n`).join(""));
  const out = join(dir, "run");
  await train(configFromFlags({ objective: "clm", data: fasta, shape: "1,32,2", context: 32, tokens: 128, batchTokens: 64, evalTokens: 64 }), { out, quiet: true });
  return out;
}

test("score and embed: empty and headers-only FASTA fail naming the file; an unscorable record is named", async () => {
  const run = await tinyRun();
  const empty = join(dir, "empty.fasta"), headers = join(dir, "headers.fasta"), long = join(dir, "long.fasta");
  writeFileSync(empty, "");
  writeFileSync(headers, ">a\n>b\n");
  writeFileSync(long, `>ok\n${SEQS[0]}\n>too-long\n${"A".repeat(100)}\n`);
  for (const cmd of ["score", "embed"]) {
    const e = plmscale([cmd, "--run", run, "--fasta", empty]);
    assert.equal(e.status, 1, e.stderr);
    assert.match(e.stderr, new RegExp(`${cmd}: .*empty\\.fasta: line 1 \\(byte 0\\): empty file`));
    const h = plmscale([cmd, "--run", run, "--fasta", headers, "--json"]);
    assert.equal(h.status, 1, h.stderr);
    assert.equal(h.stdout, "", "no result printed");
    assert.match(h.stderr, /headers\.fasta: no sequences \(2 records, all without residues\)/);
    // issue 23: the default loses no output — the record that fits is scored, the one that does not is named
    const l = plmscale([cmd, "--run", run, "--fasta", long]);
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stderr, /long\.fasta: line 3: record 'too-long': 100 residues exceed the context \(30\)/);
    assert.match(l.stdout, /\bok\b/);
    assert.doesNotMatch(l.stdout, /too-long/);
    for (const r of [e, h, l]) assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
  }
  const v = plmscale(["score", "--run", run, "--wt", SEQS[0]!, "--variant", "A2G"]);
  assert.equal(v.status, 2, v.stderr);
  assert.match(v.stderr, /--wt\/--variant: mutation A2G: the wild type has K there/);
});

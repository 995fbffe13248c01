// kill -9 during each pass of a 1M-record build (real child processes), then rerun: the corpus is byte-identical
// to an uninterrupted build, and the rerun continued after the last finished pass (the slower test of
// prepare: ≈ 3.5 builds of 1M short records, ~30 s on 2 loaded cores).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { writeSyntheticFasta } from "../../bench/synthetic.js";
import { tmp } from "./helpers.js";

const PREPARE = fileURLToPath(new URL("../../src/data/prepare.js", import.meta.url));
const RECORDS = 1_000_000;

// the child prints "phase done" on every progress event and "resumed PASS" when it continues a build
const CHILD = `
const { prepareCorpus } = await import(process.argv[1]);
const [fasta, clusters, out] = process.argv.slice(2);
await prepareCorpus({ out, sources: [{ name: "s", weight: 1, inputs: [{ name: fasta, path: fasta }] }], cluster: "none", clustersFile: clusters,
  forceDiskDedup: true, shardTokens: 1 << 22, validFraction: 0.05, testFraction: 0.05, threads: 1, memoryMB: 64 }, (e) => {
  if (e.message?.startsWith("resuming")) process.stdout.write("resumed " + /after its finished (\\w+)/.exec(e.message)[1] + "\\n");
  process.stdout.write(e.phase + " " + e.done + "\\n");
});
`;

/** run the build; with `killAt`, SIGKILL it once a progress line matches (resolves with what it printed) */
function build(args: string[], killAt?: (phase: string, done: number) => boolean): Promise<{ lines: string[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, PREPARE, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let err = "", rest = "", killed = false;
    child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    child.stdout.on("data", (d: Buffer) => {
      const parts = (rest + d.toString()).split("\n");
      rest = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        const [phase, done] = l.split(" ");
        if (!killed && killAt?.(phase!, Number(done))) { killed = true; child.kill("SIGKILL"); }
      }
    });
    child.on("close", (code, signal) => {
      if (killAt && signal !== "SIGKILL") reject(new Error(`the build was not killed (exit ${code}): ${lines.slice(-3).join(" | ")} ${err}`));
      else if (!killAt && code !== 0) reject(new Error(`build failed (exit ${code}): ${err}`));
      else resolve({ lines, killed });
    });
  });
}

function digest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = createHash("sha256").update(f === "manifest.json" ? readFileSync(p, "utf8").replace(/"(created|wallSeconds)": [^,\n]+/g, "") : readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

test("kill -9 during ingest, dedup, clustering and shard writing of a 1M-record build: the rerun resumes and the corpus is byte-identical", async () => {
  const dir = tmp();
  const fasta = join(dir, "syn.fa");
  writeSyntheticFasta(fasta, { records: RECORDS, median: 20, sigma: 0.5, seed: 7 });
  // clusters of three consecutive records; every 1000th record left out of the file (its own cluster)
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) if (i % 1000 !== 999) lines.push(`syn${i - (i % 3)}\tsyn${i}`);
  const clusters = join(dir, "clusters.tsv");
  writeFileSync(clusters, lines.join("\n") + "\n");
  const ref = join(dir, "ref"), out = join(dir, "out");
  await build([fasta, clusters, ref]);
  const want = digest(ref);
  assert.ok(Object.keys(want).length >= 10, "shards, indexes and manifest");

  // 1. during ingest, after some input: nothing finished, so the rerun starts over
  await build([fasta, clusters, out], (p, d) => p === "ingest" && d > 4e6);
  assert.ok(existsSync(out + ".partial") && !existsSync(join(out + ".partial", "tmp", "state.json")));
  // 2. during the dedup merge (the disk path): ingest done, dedup not, so again from the start
  let r = await build([fasta, clusters, out], (p) => p === "dedup");
  assert.ok(!r.lines.some((l) => l.startsWith("resumed")));
  // 3. during clustering (the external sorts): continues after dedup
  r = await build([fasta, clusters, out], (p) => p === "cluster");
  assert.ok(!r.lines.some((l) => l.startsWith("resumed")), "dedup was killed before it finished");
  assert.match(readFileSync(join(out + ".partial", "tmp", "state.json"), "utf8"), /"pass":"dedup"/);
  // 4. during shard writing (after 100k sequences written): continues after clustering
  r = await build([fasta, clusters, out], (p, d) => p === "write" && d >= 100000);
  assert.ok(r.lines.includes("resumed dedup"), r.lines.slice(0, 3).join(" | "));
  assert.ok(!r.lines.some((l) => l.startsWith("ingest")), "no ingest when resuming after dedup");
  assert.match(readFileSync(join(out + ".partial", "tmp", "state.json"), "utf8"), /"pass":"cluster"/);
  r = await build([fasta, clusters, out]);
  assert.ok(r.lines.includes("resumed cluster"));
  assert.ok(!r.lines.some((l) => l.startsWith("ingest") || l.startsWith("dedup") || l.startsWith("cluster")), "only the shards were redone");
  assert.deepEqual(digest(out), want);
});

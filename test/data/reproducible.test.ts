// Two builds of one corpus are byte-identical: token shards, *.idx (cluster ids included) and the manifest.
// mmseqs writes its cluster TSV in an order that depends on its threads; cluster ids are numbered by the
// representative's record id, not by line order. Real mmseqs, real builds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { mmseqsVersion, parseClusterTsv } from "../../src/data/cluster.js";
import { SWISSPROT_SAMPLE } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "plmscale-repro-"));

test("cluster ids do not depend on the TSV's line order", async () => {
  const lines = ["5\t5", "5\t2", "1\t1", "1\t4", "3\t3", "3\t0"];
  const a = join(dir, "a.tsv"), b = join(dir, "b.tsv");
  writeFileSync(a, lines.join("\n") + "\n");
  writeFileSync(b, [lines[4], lines[5], lines[0], lines[2], lines[1], lines[3]].join("\n") + "\n");
  const ra = await parseClusterTsv(a, 7), rb = await parseClusterTsv(b, 7);
  assert.deepEqual([...ra.cluster], [...rb.cluster]);
  assert.deepEqual([...ra.cluster], [1, 0, 2, 1, 0, 2, -1]); // reps 1, 3, 5 → clusters 0, 1, 2
  assert.deepEqual(ra.reps, [1, 3, 5]);
});

function files(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

test("two mmseqs builds of one corpus (1 and 2 threads) are byte-identical", { skip: mmseqsVersion() === null && "mmseqs not installed" }, () => {
  const built: Map<string, Buffer>[] = [];
  for (const threads of ["1", "2"]) {
    const out = join(dir, `corpus-${threads}`);
    const r = spawnSync(process.execPath, [MAIN, "data", "prepare", "--quiet", "--source", `sp=${SWISSPROT_SAMPLE}`, "--out", out, "--threads", threads], { encoding: "utf8", timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    built.push(files(out));
  }
  const [a, b] = built as [Map<string, Buffer>, Map<string, Buffer>];
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  assert.ok([...a.keys()].some((k) => k.endsWith(".idx")), "the build has index files");
  const differ = [...a.keys()].filter((k) => k !== "manifest.json" && !a.get(k)!.equals(b.get(k)!));
  assert.deepEqual(differ, [], "files that differ between the two builds");
  // the manifest (its files' sha256 above all) is identical but for when the build ran and how long it took
  const when = (m: Buffer) => {
    const j = JSON.parse(m.toString("utf8")) as Record<string, unknown>;
    delete j.created;
    delete j.wallSeconds;
    return j;
  };
  assert.deepEqual(when(a.get("manifest.json")!), when(b.get("manifest.json")!));
});

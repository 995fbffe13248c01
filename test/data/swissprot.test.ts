import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { prepareCorpus } from "../../src/data/prepare.js";
import { UserError } from "../../src/core/errors.js";
import { swissprotPreset, swissprotAvailable } from "../../src/data/swissprot.js";
import { openCorpus } from "../../src/data/corpus.js";
import { tmp } from "./helpers.js";

const avail = swissprotAvailable();

test("Swiss-Prot preset (blastdbcmd over metastudent-data): a 400-record build with GO annotations", { skip: !avail.ok && avail.why }, async () => {
  const p = swissprotPreset();
  const out = join(tmp(), "sp");
  const m = await prepareCorpus({ out, cluster: "none", maxRecords: 400, sources: [p.source], attach: p.attach, preset: p.preset });
  const s = m.sources[0]!;
  assert.equal(s.name, "swissprot");
  assert.equal(s.read, 400);
  assert.equal(s.kept + s.deduplicated, 400);
  assert.equal((m.preset as { accessions: number }).accessions, 400);
  const go = readFileSync(join(out, "annotations/go.tsv"), "utf8").trim().split("\n");
  assert.equal(go[0], "accession\tontology\tgo_terms");
  assert.equal(go.length, 401);
  assert.match(go[1]!, /^[A-Z0-9]{6,10}\tBPO\tGO:\d{7}(,GO:\d{7})*$/);
  const entry = m.files.find((f) => f.path === "annotations/go.tsv")!;
  assert.equal(entry.sha256, createHash("sha256").update(readFileSync(join(out, "annotations/go.tsv"))).digest("hex"));
  assert.ok(openCorpus(out).split("train")[0]!.sequences > 300);
});

test("Swiss-Prot preset without the data says what to install", () => {
  assert.throws(() => swissprotPreset({ dir: "/nonexistent/metastudent" }), (e: Error) => e instanceof UserError && e.exitCode === 3 && /metastudent-data|ncbi-blast\+/.test(e.message));
});

// DMS readers on the bundled real assays and on crafted ProteinGym-format files, including broken ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { UserError } from "../../src/core/errors.js";
import { listAssays, readDmsAssay, readReferenceTable } from "../../src/data/dms.js";
import { PROTEINGYM_FILES, matchProteinGymAssay, readPublishedScores } from "../../src/data/proteingym.js";
import { parseCsv } from "../../src/data/csv.js";
import { BUNDLED_DMS } from "../../src/eval/dms.js";

const dir = mkdtempSync(join(tmpdir(), "plm-dms-"));

test("bundled assays: wild type from the FASTA, positions numbered from the header's start", () => {
  const entries = listAssays(BUNDLED_DMS);
  assert.deepEqual(entries.map((e) => e.name).sort(), ["BLAT_ECOLX_Ostermeier2014-linear", "DLG4_RAT_Ranganathan2012-CRIPT", "GAL4_YEAST_Shendure2015-SEL_C_40h", "RL401_YEAST_Bolon2013-selection_coefficient"]);
  const dlg4 = entries.find((e) => e.name.startsWith("DLG4"))!;
  const a = readDmsAssay(dlg4.csv, { name: dlg4.name, fasta: dlg4.fasta });
  assert.equal(a.firstResidue, 300); // >DLG4_RAT/300-400
  const rows = gunzipSync(readFileSync(dlg4.csv)).toString("utf8").trim().split("\n").length - 1;
  assert.equal(a.variants.length, rows);
  const p311a = a.variants.find((v) => v.mutant === "P311A")!;
  assert.deepEqual(p311a.substitutions, [{ index: 11, wt: "P", mut: "A" }]);
  assert.equal(p311a.sequence[11], "A");
  // the file's own sequence column agrees with the wild type + mutation (checked by the reader, row by row)
  assert.equal(a.scoreColumn, "log_fitness");
  assert.match(a.binarization, /median/);
  const fit = a.variants.filter((v) => v.bin === 1).length;
  assert.ok(Math.abs(fit - a.variants.length / 2) <= a.variants.length * 0.05, `median split: ${fit} of ${a.variants.length}`);
});

test("ProteinGym format: mutant + DMS_score + DMS_score_bin, wild type from the reference table or recovered", () => {
  const ref = readReferenceTable(PROTEINGYM_FILES.reference);
  const wt = ref.get("GAL4_YEAST_Kitzman_2015")!.targetSeq;
  const mut = (i: number, to: string) => wt.slice(0, i) + to + wt.slice(i + 1);
  const csv = ["mutant,mutated_sequence,DMS_score,DMS_score_bin",
    `${wt[0]}1A,${mut(0, "A")},-9.5,0`, `${wt[4]}5W:${wt[9]}10Y,${mut(4, "W").slice(0, 9) + "Y" + wt.slice(10)},0.3,1`, `${wt[2]}3C,${mut(2, "C")},-2,1`].join("\n");
  const f = join(dir, "GAL4_YEAST_Kitzman_2015.csv");
  writeFileSync(f, csv);
  const a = readDmsAssay(f, { reference: ref });
  assert.equal(a.wildType, wt);
  assert.deepEqual(a.variants.map((v) => v.bin), [0, 1, 1]);
  assert.equal(a.variants[1]!.substitutions.length, 2);
  assert.equal(a.binarization, "DMS_score_bin column");
  // without the reference table the wild type is recovered from the first mutant and its sequence
  assert.equal(readDmsAssay(f).wildType, wt);
  // mutated_sequence only, wild type from a FASTA
  const g = join(dir, "seqonly.csv"), fa = join(dir, "wt.fasta");
  writeFileSync(fa, `>X\n${wt}\n`);
  writeFileSync(g, `mutated_sequence,DMS_score\n${mut(3, "G")},1\n${mut(7, "P")},2\n`);
  const b = readDmsAssay(g, { fasta: fa });
  assert.deepEqual(b.variants.map((v) => v.substitutions[0]!.index), [3, 7]);
});

test("broken assay files: clear errors naming file, line and field", () => {
  const wt = "MKTAYIAKQR";
  writeFileSync(join(dir, "w.fasta"), `>w\n${wt}\n`);
  const cases: [string, RegExp][] = [
    ["mutant,DMS_score\nM1A,0.5\nK2A,oops\n", /bad1\.csv: line 3: column 'DMS_score' is 'oops'/],
    ["mutant,DMS_score\nM1A,0.5\nA2G,1\n", /bad2\.csv: line 3: mutation A2G: the wild type has K at 2, not A/],
    ["mutant,DMS_score\nM1A,0.5\nK20A,1\n", /bad3\.csv: line 3: .*position 20 lies outside the wild type \(residues 1–10\)/],
    ["mutant,fitness_x\nM1A,0.5\nK2A,1\n", /bad4\.csv: no fitness column/],
    ["mutant,DMS_score\nM1A,0.5,7\n", /bad5\.csv: line 2: 3 fields, the header has 2/],
    ["mutant,DMS_score,DMS_score_bin\nM1A,0.5,1\nK2A,1,yes\n", /bad6\.csv: line 3: DMS_score_bin is 'yes'/],
  ];
  cases.forEach(([text, re], i) => {
    const f = join(dir, `bad${i + 1}.csv`);
    writeFileSync(f, text);
    assert.throws(() => readDmsAssay(f, { fasta: join(dir, "w.fasta") }), (e: Error) => e instanceof UserError && re.test(e.message), `case ${i + 1}`);
  });
});

test("CSV: quoted fields with commas, quotes and newlines", () => {
  const t = parseCsv('a,b\n"x, y","say ""hi""\nthere"\n3,4\n', "t.csv");
  assert.deepEqual(t.rows, [["x, y", 'say "hi"\nthere'], ["3", "4"]]);
  assert.deepEqual(t.lines, [2, 4]);
});

test("pairing with ProteinGym assays and the published ESM-2 figures", () => {
  const ref = readReferenceTable(PROTEINGYM_FILES.reference);
  assert.deepEqual(matchProteinGymAssay("GAL4_YEAST_Shendure2015-SEL_C_40h", ref), { id: "GAL4_YEAST_Kitzman_2015", how: "same protein and year" });
  assert.equal(matchProteinGymAssay("DLG4_RAT_Ranganathan2012-CRIPT", ref)?.id, "DLG4_RAT_McLaughlin_2012");
  assert.equal(matchProteinGymAssay("MTH3_HAEAESTABILIZED_Tawfik2015-Wrel_G17_filtered", ref)?.id, "MTH3_HAEAE_RockahShmuel_2015");
  assert.equal(matchProteinGymAssay("BRCA1_HUMAN_Fields2015-e3", ref), null); // ProteinGym has only Findlay 2018
  assert.equal(matchProteinGymAssay("BLAT_ECOLX_Jacquier_2013", ref)?.how, "same assay id");
  const pub = readPublishedScores()!;
  assert.equal(pub.average["ESM2 (8M)"], 0.226);
  assert.equal(pub.average["ESM2 (650M)"], 0.414);
  // column "ESM2 (8M)" of the GAL4_YEAST_Kitzman_2015 row in the fixture's DMS_substitutions_Spearman_DMS_level.csv
  assert.equal(pub.perAssay.get("GAL4_YEAST_Kitzman_2015")!["ESM2 (8M)"], 0.34);
});

test("--dms on one assay's folder names the assay after the folder and keeps its ProteinGym pairing, as through its parent", () => {
  const ref = readReferenceTable(PROTEINGYM_FILES.reference);
  const viaParent = listAssays(BUNDLED_DMS).find((e) => e.name.startsWith("BLAT_ECOLX"))!;
  const own = listAssays(join(BUNDLED_DMS, viaParent.name));
  assert.deepEqual(own, [viaParent]);
  assert.notEqual(matchProteinGymAssay(own[0]!.name, ref), null);
  // a folder holding several CSVs is still a folder of assays named after their files
  const many = join(dir, "many");
  mkdirSync(many);
  writeFileSync(join(many, "A_ONE.csv"), "mutant,DMS_score\nM1A,0.1\n");
  writeFileSync(join(many, "B_TWO.csv"), "mutant,DMS_score\nM1A,0.1\n");
  assert.deepEqual(listAssays(many).map((e) => e.name), ["A_ONE", "B_TWO"]);
});

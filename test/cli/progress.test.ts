// Plain progress lines (no TTY): no rate measured over nothing ("0 records/s", then "19.38M records/s" a
// millisecond later), and one completion line per phase however often 100% is reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Progress } from "../../src/cli/progress.js";

test("a phase reported at 0 and then at its total a millisecond later prints one line, without a rate", () => {
  let t = 1_000_000;
  const lines: string[] = [];
  const p = new Progress((l) => lines.push(l), false, 5000, () => t);
  p.update({ label: "dedup", done: 0, total: 1_000_000, unit: "records" });
  t += 1;
  p.update({ label: "dedup", done: 1_000_000, total: 1_000_000, unit: "records" });
  p.update({ label: "dedup", done: 1_000_000, total: 1_000_000, unit: "records" });
  assert.deepEqual(lines, ["dedup: 1.00M records of 1.00M records (100%) in 0s"]);
});

test("rates are measured over at least a second of watched work; 100% three times is one line", () => {
  let t = 0;
  const lines: string[] = [];
  const p = new Progress((l) => lines.push(l), false, 5000, () => t);
  // 4 MB were done before the first report: not counted in the rate
  p.update({ label: "ingest swissprot", done: 4e6, total: 104e6, unit: "records" });
  t = 5000;
  p.update({ label: "ingest swissprot", done: 54e6, total: 104e6, unit: "records" });
  t = 10000;
  for (let i = 0; i < 3; i++) p.update({ label: "ingest swissprot", done: 104e6, total: 104e6, unit: "records" });
  assert.deepEqual(lines, [
    "ingest swissprot: 54.00M records of 104.00M records (52%), 10.00M records/s",
    "ingest swissprot: 104.00M records of 104.00M records (100%) in 10s, 10.00M records/s",
  ]);
  // a new phase starts afresh
  p.update({ label: "write", done: 10, total: 10, unit: "sequences" });
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /^write: 10 sequences of 10 sequences \(100%\) in 0s$/);
});

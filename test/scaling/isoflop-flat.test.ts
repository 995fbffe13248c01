// An IsoFLOP fit on constant losses is refused (as the parametric fit refuses), not reported as C^-0.0000.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitIsoflop } from "../../src/scaling/isoflop.js";
import type { RunRow } from "../../src/scaling/runs-table.js";

test("IsoFLOP fit of constant losses is refused, naming every budget", () => {
  const rows: RunRow[] = [];
  for (const C of [1e15, 1e16, 1e17]) {
    for (const N of [C / 6e9, C / 6e8, C / 6e7].map((x) => Math.sqrt(x * 1e4))) rows.push({ objective: "clm", N, D: C / (6 * N), C, loss: 2.5, extra: {} } as unknown as RunRow);
  }
  assert.throws(() => fitIsoflop(rows), (e: Error) => /losses do not vary across model sizes/.test(e.message) && (e.message.match(/do not vary/g) ?? []).length === 3);
});

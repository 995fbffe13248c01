// Degenerate parametric fits (issue 25 item 4): L = E + A/N^α + B/D^β fits a table whose loss barely depends on N
// by collapsing α → 0 and E → 0, and its implied a = β/(α+β) then tends to 1 whatever the runs say. The demo's CLM
// fit did exactly that (E = 0.00096, α = 0.0011, "parametric a=0.999"). Such a fit is named, not reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitParametric, parametricDegeneracy, type ParametricLaw } from "../../src/scaling/parametric.js";
import type { IsoflopFit } from "../../src/scaling/isoflop.js";
import { Rng } from "../../src/core/random.js";
import { compareAllocation, type SweepFit, type ObjectiveFit } from "../../src/sweep/fit.js";
import { exponentLines } from "../../src/cli/commands/sweep-fit.js";
import type { RunRow } from "../../src/scaling/runs-table.js";

/** 3 budgets × 5 sizes around D = 20·N, loss from `law` plus Gaussian noise of `sigma` nats. */
function table(law: (N: number, D: number) => number, sigma: number, seed: number): RunRow[] {
  const rng = new Rng(seed);
  const rows: RunRow[] = [];
  for (const C of [1e13, 3e13, 1e14]) for (const f of [0.2, 0.5, 1, 2, 5]) {
    const N = Math.sqrt(C / 6 / 20) * f, D = C / 6 / N;
    rows.push({ objective: "clm", N, D, C, loss: law(N, D) + sigma * rng.normal(), extra: { budget: C } });
  }
  return rows;
}

// a loss that falls by only 0.004 nats per e-fold of N: the N-term is nearly a constant
const weakN = (N: number, D: number) => 2.95 - 0.004 * Math.log(N) + 30 / D ** 0.3;
const chinchilla = (N: number, D: number) => 1.9 + 250 / N ** 0.32 + 900 / D ** 0.36;

test("the demo's reported CLM law is degenerate on a demo-sized grid: α and E have collapsed", () => {
  const demo: ParametricLaw = { E: 0.00096, A: 2.9, B: 40, alpha: 0.0011, beta: 0.3 };
  const rows = table(weakN, 0, 1);
  const reasons = parametricDegeneracy(demo, rows);
  // N spans 5.77e4..4.56e6 (79×) here: the N-term changes by 1 − 79^−0.0011 = 0.48% of itself; E is 0.03% of the lowest loss
  assert.equal(reasons.length, 2, reasons.join(" | "));
  assert.match(reasons[0]!, /^α=0\.0011 has collapsed: the N-term changes by 0\.48%/);
  assert.match(reasons[1]!, /^E=0\.00096 has collapsed towards 0/);
});

test("a real fit that collapses is flagged; fits of a Chinchilla-like law over several noise draws are not", () => {
  const collapsed = fitParametric(table(weakN, 0.005, 1));
  assert.ok(collapsed.alpha < 0.01 && collapsed.a > 0.95, `expected the demo's pathology, got α=${collapsed.alpha} a=${collapsed.a}`);
  assert.ok(collapsed.degenerate.some((r) => r.startsWith("α=")), collapsed.degenerate.join(" | "));
  for (const seed of [1, 2, 3]) {
    const f = fitParametric(table(chinchilla, 0.01, seed));
    assert.deepEqual(f.degenerate, [], `seed ${seed}: α=${f.alpha} β=${f.beta} E=${f.E}`);
  }
});

test("a negligible term, a runaway exponent and a healthy law: each rule on its own", () => {
  const rows = table(chinchilla, 0, 1);
  assert.deepEqual(parametricDegeneracy({ E: 1.9, A: 250, B: 900, alpha: 0.32, beta: 0.36 }, rows), []);
  const tinyA = parametricDegeneracy({ E: 1.9, A: 1e-6, B: 900, alpha: 0.32, beta: 0.36 }, rows);
  assert.equal(tinyA.length, 1);
  assert.match(tinyA[0]!, /N-term is negligible/);
  const steep = parametricDegeneracy({ E: 1.9, A: 1e40, B: 900, alpha: 7.5, beta: 0.36 }, rows);
  assert.equal(steep.length, 1);
  assert.match(steep[0]!, /α=7\.50 is above 5/);
});

test("a degenerate parametric fit is no estimate: no disagreement, the IsoFLOP leads, the summary line gives no exponent", () => {
  const rows = table(weakN, 0.005, 1);
  const par = fitParametric(rows);
  // an IsoFLOP estimate of a with its interval (only a and ci.a take part in the comparison)
  const iso = { a: 0.62, ci: { a: { lo: 0.55, hi: 0.7 } } } as unknown as IsoflopFit;
  assert.ok(par.degenerate.length > 0);
  // without the rule the two would disagree (par.a ≈ 1 lies far outside 0.55..0.7)
  assert.ok(par.a > 0.9);
  const cmp = compareAllocation(iso, par, 1)!;
  assert.equal(cmp.parametric, null);
  assert.equal(cmp.disagree, false);
  assert.equal(cmp.lead, "isoflop");
  const o = { objective: "clm", runs: rows.length, isoflop: iso, parametric: par, unreliable: null } as unknown as ObjectiveFit;
  const fit = { objectives: [o], paper: { clm: { a: 0.578, b: 0.422 }, mlm: { a: 0.776, b: 0.23 } } } as unknown as SweepFit;
  const [line] = exponentLines(fit);
  assert.match(line!, /parametric fit degenerate \(α=[\d.]+, E=[\d.e-]+ collapsed: no exponent\)/);
  assert.doesNotMatch(line!, /parametric a=/);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../../src/torch/index.js";
import { createModel } from "../../src/model/index.js";
import { readStructure, chainOf } from "../../src/data/structure.js";
import { alignChain } from "../../src/data/structure-align.js";
import { runDssp, parseDssp, labelsForChain, mkdsspVersion, SS8 } from "../../src/data/dssp.js";
import { mmseqsVersion } from "../../src/data/cluster.js";
import { clusterSequences, holdOutClusters, runSsTask } from "../../src/eval/ss.js";
import { trainLinearProbe } from "../../src/eval/probe.js";
import { Rng } from "../../src/core/random.js";
import type { ModelConfig } from "../../src/model/config.js";
import { FIXTURES } from "../data/helpers.js";

// the project's shared data sits beside the repository (CI and the fresh-machine check copy it there)
const SHARED = [join(FIXTURES, "..", "..", "..", "shared", "data", "structures", "pdb"), "/work/shared/data/structures/pdb"].find((d) => existsSync(d)) ?? "/work/shared/data/structures/pdb";
const NO_DSSP = mkdsspVersion() === null ? "mkdssp is not installed (apt-get install dssp)" : false;
const NO_MMSEQS = mmseqsVersion() === null ? "mmseqs is not installed (apt-get install mmseqs2)" : false;
const CFG: ModelConfig = { layers: 2, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 80, activation: "gelu", bias: true, dropout: 0 };
const fixture = (f: string) => join(FIXTURES, "structures", f);

test("DSSP on the real structures: every residue labelled, helices and strands have their geometry", { skip: NO_DSSP }, (t) => {
  const dir = existsSync(SHARED) ? SHARED : join(FIXTURES, "structures");
  // mkdssp takes 0.6-6 s a file (it loads the mmCIF dictionary): every 8th of the shared set
  // (PLMSCALE_ALL_STRUCTURES=1: all of them)
  const step = process.env.PLMSCALE_ALL_STRUCTURES === "1" ? 1 : 8;
  const files = readdirSync(dir).filter((f) => f.endsWith(".pdb")).sort().filter((_, i) => i % step === 0);
  let h = 0, hSum = 0, e = 0, eSum = 0;
  for (const f of files) {
    const path = join(dir, f);
    const chain = chainOf(readStructure(path));
    const a = alignChain(chain, path);
    const labels = labelsForChain(a, chain, runDssp(path));
    assert.ok(labels.every((v) => v >= 0), `${f}: unlabelled residues`);
    // Cα(i)–Cα(i+3): ≈ 5 Å inside an α-helix, ≈ 10 Å along a β-strand (independent of DSSP's H-bond rules)
    for (let i = 0; i + 3 < labels.length; i++) {
      const ca = (k: number) => chain.residues[a.residueIndex[k]!]!.atoms.get("CA")!;
      const d = Math.hypot(...[0, 1, 2].map((x) => ca(i)[x]! - ca(i + 3)[x]!));
      if (SS8[labels[i]!] === "H" && SS8[labels[i + 3]!] === "H") (h++, (hSum += d));
      if (SS8[labels[i]!] === "E" && SS8[labels[i + 3]!] === "E") (e++, (eSum += d));
    }
  }
  t.diagnostic(`${files.length} structures: mean Cα(i,i+3) helix ${(hSum / h).toFixed(2)} Å (${h}), strand ${(eSum / e).toFixed(2)} Å (${e})`);
  assert.ok(h > (dir === SHARED ? 100 : 0) && Math.abs(hSum / h - 5.0) < 0.5, `${h} helix residues, mean Cα(i,i+3) ${hSum / h}`);
  if (dir === SHARED) assert.ok(e > 20 && eSum / e > 9);
  else if (e > 0) assert.ok(eSum / e > 9, `strand Cα(i,i+2) ${eSum / e}`);
});

test("DSSP output parser: blank and P are coil, chain breaks skipped, bad letters named by line", () => {
  const head = "  #  RESIDUE AA STRUCTURE BP1 BP2  ACC";
  const text = [head, "    1    1 A M              0   0  100", "    2    2 A K  H           0   0  100", "    3        !              0   0    0", "    4    5 A L  P           0   0  100", "    5    5AA a  E           0   0  100"].join("\n");
  const m = parseDssp(text, "t.dssp");
  assert.deepEqual([...m.entries()], [["A|1|", 7], ["A|2|", 0], ["A|5|", 7], ["A|5|A", 3]]);
  assert.throws(() => parseDssp(`${head}\n    1    1 A M  Q           0   0  100`, "t.dssp"), /t\.dssp:2: unknown secondary structure 'Q'/);
  assert.throws(() => parseDssp("nothing", "t.dssp"), /not DSSP output/);
});

test("held-out clusters: no cluster on both sides, at least the fraction held out", () => {
  const cluster = Int32Array.from([0, 0, 1, 2, 2, 2, 3, 4, 4, 5]);
  for (const seed of [0, 1, 2, 3]) {
    const t = holdOutClusters(cluster, 0.3, seed);
    const testIds = new Set([...cluster].filter((_, i) => t[i])), trainIds = new Set([...cluster].filter((_, i) => !t[i]));
    assert.ok([...testIds].every((c) => !trainIds.has(c)));
    assert.ok(t.filter(Boolean).length >= 3 && trainIds.size > 0);
  }
});

test("MMseqs2 clusters a near-duplicate chain with its original, not with another protein", { skip: NO_MMSEQS }, async () => {
  const a = alignChain(chainOf(readStructure(fixture("6qji_p_trunc.pdb"))), "a").sequence;
  const b = alignChain(chainOf(readStructure(fixture("1aap_remod_p.pdb"))), "b").sequence;
  const mutant = a.slice(0, 10) + (a[10] === "A" ? "G" : "A") + a.slice(11);
  const c = await clusterSequences([a, b, mutant], 0.3);
  assert.equal(c[0], c[2]);
  assert.notEqual(c[0], c[1]);
});

test("linear probe separates separable classes", () => {
  const rng = new Rng(4), N = 600, D = 5, x = new Float32Array(N * D), y = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    y[n] = n % 3;
    for (let d = 0; d < D; d++) x[n * D + d] = (d === y[n] ? 3 : 0) + rng.next() - 0.5;
  }
  const p = trainLinearProbe(x, y, D, 3, { steps: 200 });
  const pred = p.predict(x);
  p.dispose();
  assert.ok(pred.filter((v, i) => v === y[i]).length / N > 0.98);
});

test("ss task on real structures: split by cluster, Q3/Q8 on the held-out chain", { skip: NO_DSSP || NO_MMSEQS }, async () => {
  torch.manualSeed(13);
  const m = createModel("mlm", CFG).eval();
  const r = await runSsTask({ model: m, structures: [fixture("6qji_p_trunc.pdb"), fixture("1aap_remod_p.pdb")], steps: 50 });
  m.dispose();
  assert.equal(r.split.clusters, 2);
  assert.equal(r.split.testChains, 1);
  const t = r.items.find((x) => x.split === "test")!, tr = r.items.find((x) => x.split === "train")!;
  assert.notEqual(t.cluster, tr.cluster);
  assert.equal(r.split.testResidues, t.labelled);
  assert.ok(r.q3 >= 0 && r.q3 <= 1 && r.q8 >= 0 && r.q8 <= 1);
  assert.equal(r.q3, t.q3);
  assert.ok(r.majority.q3 > 0 && r.majority.q3 <= 1 && r.majority.q8 <= r.majority.q3 + 1e-12, "merging states cannot lower the majority class's share");
  assert.ok(r.q3 >= r.q8 - 0.2, "3 states are no harder than 8 beyond noise");
});

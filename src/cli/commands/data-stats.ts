import { defineRun, optionValues } from "../command.js";
import { STATS_OPTIONS } from "../specs/data.js";
import { UserError } from "../../core/errors.js";
import { openCorpus } from "../../data/corpus.js";
import { corpusStats, type CorpusStats } from "../../data/stats.js";
import type { Split } from "../../data/cluster.js";

export default defineRun({
  async run(args): Promise<CorpusStats> {
    const dir = args.positionals[0];
    if (!dir || args.positionals.length > 1) throw new UserError("give exactly one corpus directory", 2);
    const split: Split = optionValues(args, STATS_OPTIONS).split;
    return corpusStats(openCorpus(dir), split);
  },
  human(s, io) {
    io.out(`corpus ${s.dir}`);
    for (const src of s.sources) {
      io.out(`  ${src.name} (weight ${src.weight}): read ${src.read}, kept ${src.kept}, duplicates ${src.deduplicated}, filtered ${sumOf(src.filtered)}, invalid ${sumOf(src.invalid)}`);
    }
    for (const sp of ["train", "valid", "test"] as const) io.out(`  ${sp.padEnd(5)} ${String(s.total[sp].sequences).padStart(10)} sequences ${String(s.total[sp].tokens).padStart(13)} tokens`);
    const c = s.clustering;
    io.out(`  clusters: ${c.clusters} (${c.method}); train ${c.splits.train} / valid ${c.splits.valid} / test ${c.splits.test}; largest ${c.largest}, singletons ${c.singletons}`);
    io.out(`  ${c.guarantee}`);
    const L = s.lengths;
    io.out(`${s.split} lengths: min ${L.min}, median ${L.median}, mean ${L.mean.toFixed(1)}, p99 ${L.p99}, max ${L.max}`);
    const peak = Math.max(...L.histogram.map((h) => h.count), 1);
    for (const h of L.histogram) io.out(`  ≤${String(h.upTo === null ? "∞" : h.upTo).padStart(5)} ${String(h.count).padStart(9)} ${"#".repeat(Math.round((40 * h.count) / peak))}`);
    io.out(`composition: ${Object.entries(s.composition).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`).join("  ")}`);
    io.out(`unigram entropy: ${s.unigramEntropyNats.toFixed(4)} nats/residue`);
  },
});

function sumOf(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

// Task `generation` (CLM): sample with the run's sampler, then compare the samples with a reference set (the
// corpus test split or --fasta) and the training set: length (means, KS statistic) and amino-acid composition
// (Jensen–Shannon divergence), low-complexity residue fraction and tandem-repeat fraction, highest identity to
// any training sequence (MMseqs2 easy-search) in MaxID bins, diversity (MMseqs2 easy-cluster clusters at 50%
// identity per 1,000 samples) and naturalness (mean per-token log-likelihood under --judge RUN).
// Not available here: pLDDT (needs ESMFold/AlphaFold2) and Foldseek structural similarity (needs predicted
// structures and Foldseek) — the paper's structure-based metrics.
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { mix32 } from "../core/hash.js";
import { clusterCount, maxIdentity, mmseqsAvailable } from "../data/mmseqs-search.js";
import { encodeResidues } from "../data/tokenizer.js";
import { generate } from "./generate.js";
import { loadModel } from "./load.js";
import { ItemStore } from "./items.js";
import { clmNll, mlmPseudoNll } from "./likelihood.js";
import { binLabels, binOf } from "./perplexity.js";
import { evaluationSet, lettersOf, spread, trainingSet } from "./sequence-sets.js";
import { composition, hasTandemRepeat, jensenShannon, ksStatistic, lowComplexityFraction } from "./sequence-stats.js";
import type { EvalContext, EvalTask } from "./tasks.js";

/** MaxID bin edges for generated samples (identity to the closest training sequence). */
export const MAXID_EDGES = [0.3, 0.5, 0.7, 0.9];

const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

export const generationTask: EvalTask = {
  name: "generation",
  summary: "CLM samples vs natural proteins: length, composition, low complexity, MaxID to training, diversity, naturalness",
  objectives: ["clm"],
  async run(ctx: EvalContext) {
    const { model, config, options: o } = ctx;
    if (!model.causal) throw new UserError("generation needs a CLM run (this run is an MLM)", 2);
    const n = o.samples ?? 100, seed = o.seed ?? 0;
    const maxLength = Math.min(o.maxLength ?? 256, model.cfg.context - 2);
    const sampling = { n, maxLength, temperature: o.temperature ?? 1, topP: o.topP ?? 1, seed };
    const store = new ItemStore<string>(join(ctx.out, "generation", "samples.jsonl"), { checkpoint: ctx.checkpoint, ...sampling });
    const chunk = 8;
    for (let c = 0; c * chunk < n; c++) {
      const keys = Array.from({ length: Math.min(chunk, n - c * chunk) }, (_, k) => `sample:${c * chunk + k}`);
      if (keys.every((k) => store.has(k))) continue;
      if (ctx.signal.aborted) return { interrupted: true, done: store.size, total: n };
      const seqs = generate(model, { ...sampling, n: keys.length, seed: mix32(seed, c) });
      keys.forEach((k, i) => store.put(k, seqs[i]!));
      ctx.progress("generation", Math.min((c + 1) * chunk, n), n);
    }
    const samples = Array.from({ length: n }, (_, k) => store.get(`sample:${k}`)!);
    const nonEmpty = samples.filter((s) => s.length > 0);

    const ref = await evaluationSet(config.data.corpus, o.fasta, ctx.signal);
    const refSeqs = spread(ref.seqs, 2000).map((s) => lettersOf(s.residues).slice(0, maxLength));
    const result: Record<string, unknown> = {
      sampling,
      reference: `${ref.describe}, cropped to ${maxLength} residues like the samples`,
      samples: n,
      emptySamples: n - nonEmpty.length,
      length: {
        meanSamples: meanOf(samples.map((s) => s.length)), meanReference: meanOf(refSeqs.map((s) => s.length)),
        ks: ksStatistic(samples.map((s) => s.length), refSeqs.map((s) => s.length)),
      },
      compositionJsBits: jensenShannon(composition(nonEmpty), composition(refSeqs)),
      lowComplexity: {
        method: "residues in a 12-residue window of Shannon entropy < 2.2 bits (SEG trigger)",
        samples: meanOf(nonEmpty.map((s) => lowComplexityFraction(s))), reference: meanOf(refSeqs.map((s) => lowComplexityFraction(s))),
      },
      tandemRepeats: {
        method: "a 1–4-residue unit repeated over ≥ 10 residues",
        samples: nonEmpty.filter((s) => hasTandemRepeat(s)).length / Math.max(1, nonEmpty.length),
        reference: refSeqs.filter((s) => hasTandemRepeat(s)).length / Math.max(1, refSeqs.length),
      },
      notAvailable: "pLDDT (needs ESMFold or AlphaFold2) and Foldseek similarity to natural structures (needs predicted structures and Foldseek) are not computed here",
    };
    if (mmseqsAvailable() && nonEmpty.length) {
      const train = await trainingSet(config.data.corpus, ctx.signal);
      const queries = samples.map((s, k) => ({ id: `g${k}`, seq: s })).filter((q) => q.seq.length > 0);
      if (train) {
        ctx.log(`generation: MMseqs2 search of ${queries.length} samples against ${train.describe}`);
        const ids = await maxIdentity(queries, train.seqs.map((s) => ({ id: s.id, seq: lettersOf(s.residues) })), join(ctx.out, "generation", "mmseqs-search"), { signal: ctx.signal });
        const labels = binLabels(MAXID_EDGES), counts = labels.map(() => 0);
        for (const v of ids.values()) counts[binOf(v, MAXID_EDGES)]!++;
        result.maxIdentity = {
          method: "MMseqs2 easy-search against the training set, highest fident over alignments covering ≥ 80% of the sample; no hit = 0",
          mean: meanOf([...ids.values()]),
          bins: Object.fromEntries(labels.map((l, i) => [l, counts[i]! / ids.size])),
        };
      }
      const clusters = await clusterCount(queries, join(ctx.out, "generation", "mmseqs-cluster"), 0.5, { signal: ctx.signal });
      result.diversity = { clusters50: clusters, per1000: (clusters / queries.length) * 1000, method: "MMseqs2 easy-cluster --min-seq-id 0.5 -c 0.8" };
    } else result.maxIdentity = { note: "MMseqs2 not found: no MaxID or diversity" };
    if (o.judge) {
      const judge = loadModel(o.judge, { device: model.device, warn: ctx.log });
      try {
        const res = nonEmpty.map((s) => (judge.model.causal ? clmNll(judge.model, [encodeResidues(s)])[0]! : mlmPseudoNll(judge.model, encodeResidues(s))));
        const nll = res.reduce((a, r) => a + r.nll, 0), tok = res.reduce((a, r) => a + r.tokens, 0);
        result.naturalness = { judge: o.judge, kind: judge.model.causal ? "CLM log-likelihood" : "MLM pseudo-log-likelihood", meanTokenLogLikelihood: -nll / tok };
      } finally {
        judge.model.dispose();
      }
    }
    return result;
  },
};

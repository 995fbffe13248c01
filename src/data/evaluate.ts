// Deterministic validation batches: a Sampler over the valid/test split with a fixed seed, so the same
// sequences, crops and MLM masks come back on every call — validation loss is comparable across steps and
// runs. Stops at `maxTokens` real tokens or after one pass over the split's tokens, whichever comes first.
import type { SequenceCorpus } from "./corpus.js";
import type { Split } from "./cluster.js";
import type { Batch } from "./batch.js";
import type { Objective } from "../core/objective.js";
import { Sampler } from "./sampler.js";

export interface EvalOptions {
  objective: Objective;
  context: number;
  rows: number;
  /** real (non-padding) tokens to evaluate at most */
  maxTokens: number;
  seed?: number;
  maskProb?: number;
  sourceWeights?: Record<string, number>;
}

export function evalBatches(corpus: SequenceCorpus, split: Split, o: EvalOptions): Batch[] {
  const sampler = new Sampler(corpus, {
    split, objective: o.objective, context: o.context, rows: o.rows, seed: o.seed ?? 0x5eed,
    maskProb: o.maskProb, sourceWeights: o.sourceWeights,
  });
  const weights = o.sourceWeights;
  const available = corpus.split(split)
    .filter((s) => (weights ? (weights[s.name] ?? 0) > 0 : s.weight > 0))
    .reduce((a, s) => a + s.tokens, 0);
  const limit = Math.min(o.maxTokens, available);
  const out: Batch[] = [];
  let seen = 0;
  while (seen < limit) {
    const b = sampler.next();
    out.push(b);
    seen += b.realTokens;
  }
  return out;
}

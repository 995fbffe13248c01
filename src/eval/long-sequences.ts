// Sequences longer than the model's context (<cls> residues <eos> > context tokens), for score and embed:
//  - truncate: ESM's rule (fair-esm extract.py, truncation_seq_length = 1022 for a 1024-token model): the first
//    context − 2 residues, scored/embedded as <cls> residues <eos>. A CLM keeps the first context − 1 residues
//    after <cls> and no <eos>: predicting an end where the real sequence goes on would score a false token.
//  - window (scoring only): an MLM's pseudo-log-likelihood masks each residue inside ProteinGym's optimal window
//    around it (mutation-scores.ts optimalWindow, as `eval dms` does); a CLM's log-likelihood is read through
//    windows of `context` tokens advanced by context/2, each token predicted once from at least context/2 − 1
//    tokens before it (the strided rule of transformers' "perplexity of fixed-length models"). Every residue
//    (and <eos>) is scored, so totals are comparable with sequences that fit.
//  - skip: the sequence is left out and named (the commands' default: everything that fits is scored).
import type { ProteinLM } from "../model/index.js";
import { encode } from "../data/tokenizer.js";
import { targetLogProbs, type RowRequest } from "./forward.js";
import { pseudoLogLikelihoods } from "./mutation-scores.js";
import { clmLogLikelihood, pseudoLogLikelihood, type SequenceLikelihood } from "./score.js";

export type LongPolicy = "skip" | "truncate" | "window";

/** Whether `<cls> seq <eos>` fits the model's context. */
export function fitsContext(model: ProteinLM, seq: string): boolean {
  return seq.length + 2 <= model.cfg.context;
}

/** Residues kept by --truncate: context − 2 (ESM), or context − 1 for CLM scoring (no <eos> after a cut). */
export function truncatedLength(context: number, clmScoring: boolean): number {
  return clmScoring ? context - 1 : context - 2;
}

/** A CLM log-likelihood over the first residues only (<cls> + residues, no <eos>). */
function clmPrefixLogLikelihood(model: ProteinLM, seq: string): SequenceLikelihood {
  const ids = encode(seq).slice(0, seq.length + 1); // drop <eos>
  const row: RowRequest = { ids, read: Array.from({ length: ids.length - 1 }, (_, t) => t) };
  const lp = targetLogProbs(model, [row], [row.read.map((t) => ids[t + 1]!)])[0]!;
  const ll = lp.reduce((a, x) => a + x, 0);
  return { logLikelihood: ll, meanLogLikelihood: ll / lp.length, tokens: lp.length };
}

/** Strided windows over a CLM: [s, e) and the first token each window predicts (earlier ones are scored). */
export function clmWindows(T: number, context: number): { start: number; end: number; from: number }[] {
  if (T <= context) return [{ start: 0, end: T, from: 1 }];
  const stride = Math.max(1, Math.floor(context / 2));
  const out = [{ start: 0, end: context, from: 1 }];
  for (let end = context; end < T;) {
    const next = Math.min(end + stride, T);
    out.push({ start: next - context, end: next, from: end });
    end = next;
  }
  return out;
}

function clmWindowLogLikelihood(model: ProteinLM, seq: string): SequenceLikelihood {
  const ids = encode(seq);
  const rows: RowRequest[] = [], targets: number[][] = [];
  for (const w of clmWindows(ids.length, model.cfg.context)) {
    const read: number[] = [];
    for (let t = w.from; t < w.end; t++) read.push(t - 1 - w.start); // token t is predicted at position t − 1
    rows.push({ ids: ids.slice(w.start, w.end), read });
    targets.push(read.map((p) => ids[p + 1 + w.start]!));
  }
  const ll = targetLogProbs(model, rows, targets).reduce((a, v) => a + v.reduce((s, x) => s + x, 0), 0);
  return { logLikelihood: ll, meanLogLikelihood: ll / (ids.length - 1), tokens: ids.length - 1 };
}

export interface ScoredSequence extends SequenceLikelihood {
  /** residues the score covers (fewer than the sequence's when truncated) */
  residues: number;
  how: "whole" | "truncated" | "window";
}

/** Score one sequence; null when it does not fit and the policy is skip. */
export function scoreSequence(model: ProteinLM, seq: string, policy: LongPolicy): ScoredSequence | null {
  if (fitsContext(model, seq)) {
    const s = model.causal ? clmLogLikelihood(model, seq) : pseudoLogLikelihood(model, seq);
    return { ...s, residues: seq.length, how: "whole" };
  }
  if (policy === "skip") return null;
  if (policy === "truncate") {
    const kept = seq.slice(0, truncatedLength(model.cfg.context, model.causal));
    const s = model.causal ? clmPrefixLogLikelihood(model, kept) : pseudoLogLikelihood(model, kept);
    return { ...s, residues: kept.length, how: "truncated" };
  }
  if (model.causal) return { ...clmWindowLogLikelihood(model, seq), residues: seq.length, how: "window" };
  const ll = pseudoLogLikelihoods(model, [seq])[0]!;
  return { logLikelihood: ll, meanLogLikelihood: ll / seq.length, tokens: seq.length, residues: seq.length, how: "window" };
}

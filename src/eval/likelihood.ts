// Per-sequence negative log-likelihoods for perplexity (natural logs, summed; divide by `tokens`):
// CLM next-token NLL of `<cls> residues <eos>` (cropped to the context's first tokens, as training crops);
// MLM masked-token NLL at the training mask rate with the training masker's 80/10/10 corruption and a seed per
// sequence (the same positions on every run); MLM pseudo-NLL (each residue in turn replaced by <mask>, alone and
// always — not the 80/10/10 corruption, so it has its own loop: Salazar et al. 2020).
import type { ProteinLM } from "../model/index.js";
import { CLS, EOS, MASK, IGNORE } from "../data/tokenizer.js";
import { emptyBatch, applyMlmMask, MLM_MASK_RATIOS } from "../data/batch.js";
import { Rng } from "../core/random.js";
import { targetLogProbs, type RowRequest } from "./forward.js";

export interface Nll {
  nll: number;
  tokens: number;
}

/** `<cls> residues <eos>` as Int32 ids, cropped to `context` tokens. */
export function tokensOf(residues: Uint8Array, context: number): Int32Array {
  const ids = new Int32Array(Math.min(residues.length + 2, context));
  ids[0] = CLS;
  for (let i = 1; i < ids.length; i++) ids[i] = i <= residues.length ? residues[i - 1]! : EOS;
  return ids;
}

/** CLM: Σ −log p(x_t | x_<t) over t = 1..T−1 of each (cropped) sequence. */
export function clmNll(model: ProteinLM, seqs: Uint8Array[]): Nll[] {
  const rows: RowRequest[] = seqs.map((r) => {
    const ids = tokensOf(r, model.cfg.context);
    return { ids, read: Array.from({ length: ids.length - 1 }, (_, t) => t) };
  });
  const lp = targetLogProbs(model, rows, rows.map((r) => r.read.map((t) => r.ids[t + 1]!)));
  return rows.map((row, i) => ({ nll: -lp[i]!.reduce((a, v) => a + v, 0), tokens: row.ids.length - 1 }));
}

/**
 * The MLM corruption of one sequence, seeded by `seed`: the training masker (data/batch.ts applyMlmMask, 80/10/10)
 * on a one-row batch, so validation and eval perplexity score the corruption the model was trained on.
 */
export function mlmCorrupt(ids: Int32Array, maskProb: number, seed: number): { input: Int32Array; positions: number[] } {
  const b = emptyBatch(1, ids.length);
  b.input.set(ids);
  b.segment.fill(0);
  applyMlmMask(b, new Rng(seed), maskProb, MLM_MASK_RATIOS);
  const positions: number[] = [];
  b.target.forEach((t, i) => t !== IGNORE && positions.push(i));
  return { input: b.input, positions };
}

/** MLM: Σ −log p(original | corrupted) at the selected positions; `seeds[i]` fixes sequence i's mask. */
export function mlmMaskedNll(model: ProteinLM, seqs: Uint8Array[], maskProb: number, seeds: number[]): Nll[] {
  const jobs = seqs.map((r, i) => {
    const ids = tokensOf(r, model.cfg.context);
    return { ids, ...mlmCorrupt(ids, maskProb, seeds[i]!) };
  });
  const lp = targetLogProbs(model, jobs.map((j) => ({ ids: j.input, read: j.positions })), jobs.map((j) => j.positions.map((t) => j.ids[t]!)));
  return jobs.map((j, i) => ({ nll: -lp[i]!.reduce((a, v) => a + v, 0), tokens: j.positions.length }));
}

/** MLM pseudo-NLL: Σ over residues of −log p(x_i | x with only i masked). */
export function mlmPseudoNll(model: ProteinLM, residues: Uint8Array): Nll {
  const ids = tokensOf(residues, model.cfg.context);
  const last = ids[ids.length - 1] === EOS ? ids.length - 1 : ids.length;
  const rows: RowRequest[] = [];
  for (let t = 1; t < last; t++) {
    const x = ids.slice();
    x[t] = MASK;
    rows.push({ ids: x, read: [t] });
  }
  const lp = targetLogProbs(model, rows, rows.map((r) => [ids[r.read[0]!]!]));
  return { nll: -lp.reduce((a, v) => a + v[0]!, 0), tokens: rows.length };
}

// Zero-shot variant scores (natural logs; higher = predicted fitter), as ProteinGym computes them for ESM and
// autoregressive models:
//  - masked marginals (Meier et al. 2021, ESM-1v): Σ_sites log p(mut | wt with the site masked) − log p(wt | …)
//  - wild-type marginals: the same from one unmasked pass over the wild type
//  - pseudo-likelihood ratio: PLL(mutant) − PLL(wild type), PLL = Σ_i log p(x_i | x with i masked)
//  - CLM log-likelihood ratio: log p(mutant) − log p(wild type) of the full sequences
// Long sequences (more tokens than the model's context, <cls> and <eos> included) follow ProteinGym's
// "optimal window" rule (get_optimal_window): a window of `context` tokens centred on the scored position,
// clamped to the sequence ends. For the CLM ratio the window is centred on the mean mutated position and the
// same window of the wild type and the mutant is scored.
import type { ProteinLM } from "../model/index.js";
import { encode, MASK } from "../data/tokenizer.js";
import type { Substitution } from "../data/dms.js";
import { logProbsAt, targetLogProbs, type RowRequest } from "./forward.js";

export type ScoringMethod = "masked-marginals" | "wt-marginals" | "pll" | "llr";
export const MLM_METHODS: readonly ScoringMethod[] = ["masked-marginals", "wt-marginals", "pll"];
export const CLM_METHODS: readonly ScoringMethod[] = ["llr"];

/** ProteinGym's get_optimal_window: [start, end) of a `window`-token slice around token position `pos`. */
export function optimalWindow(pos: number, length: number, window: number): [number, number] {
  const half = Math.floor(window / 2);
  if (length <= window) return [0, length];
  if (pos < half) return [0, window];
  if (pos >= length - half) return [length - window, length];
  return [Math.max(0, pos - half), Math.min(length, pos + half)];
}

function windowRow(ids: Int32Array, pos: number, ctx: number, maskIt: boolean): RowRequest {
  const [s, e] = optimalWindow(pos, ids.length, ctx);
  const x = ids.slice(s, e);
  if (maskIt) x[pos - s] = MASK;
  return { ids: x, read: [pos - s] };
}

/** Log-probability vectors [V] at each residue index (0-based) of `sites`, masked (ESM-1v) or not. */
export function siteLogProbs(model: ProteinLM, wildType: string, sites: number[], masked: boolean): Map<number, Float32Array> {
  const ids = encode(wildType), ctx = model.cfg.context;
  let rows: RowRequest[];
  if (masked) rows = sites.map((i) => windowRow(ids, i + 1, ctx, true));
  else if (ids.length <= ctx) rows = [{ ids, read: sites.map((i) => i + 1) }];
  else rows = sites.map((i) => windowRow(ids, i + 1, ctx, false));
  const lp = logProbsAt(model, rows);
  const out = new Map<number, Float32Array>();
  if (!masked && ids.length <= ctx) sites.forEach((i, k) => out.set(i, lp[0]![k]!));
  else sites.forEach((i, k) => out.set(i, lp[k]![0]!));
  return out;
}

/** Σ over substitutions of log p(mut) − log p(wt) from a site table. */
export function marginalScore(subs: Substitution[], table: Map<number, Float32Array>): number {
  let s = 0;
  for (const m of subs) {
    const lp = table.get(m.index)!;
    s += lp[encode(m.mut)[1]!]! - lp[encode(m.wt)[1]!]!;
  }
  return s;
}

/** Pseudo-log-likelihood of each sequence (each residue masked alone, windowed for long sequences). */
export function pseudoLogLikelihoods(model: ProteinLM, seqs: string[]): number[] {
  const rows: RowRequest[] = [], owner: number[] = [], target: number[] = [];
  seqs.forEach((seq, j) => {
    const ids = encode(seq);
    for (let t = 1; t < ids.length - 1; t++) {
      rows.push(windowRow(ids, t, model.cfg.context, true));
      owner.push(j);
      target.push(ids[t]!);
    }
  });
  const lp = targetLogProbs(model, rows, target.map((t) => [t]));
  const out = new Array<number>(seqs.length).fill(0);
  rows.forEach((_, k) => (out[owner[k]!]! += lp[k]![0]!));
  return out;
}

/** CLM log-likelihood of `seq` restricted to the token window [s, e): Σ log p(x_t | x_s..t−1), t in (s, e). */
function clmWindowRow(seq: string, s: number, e: number): RowRequest {
  const ids = encode(seq).slice(s, e);
  return { ids, read: Array.from({ length: ids.length - 1 }, (_, t) => t) };
}

/** CLM log-likelihood ratios log p(mutant) − log p(wild type), one per variant. */
export function clmLogLikelihoodRatios(model: ProteinLM, wildType: string, variants: { sequence: string; substitutions: Substitution[] }[]): number[] {
  const T = wildType.length + 2, ctx = model.cfg.context;
  const windows = variants.map((v) => {
    const centre = v.substitutions.length ? Math.round(v.substitutions.reduce((a, m) => a + m.index + 1, 0) / v.substitutions.length) : Math.floor(T / 2);
    return optimalWindow(centre, T, ctx);
  });
  const keyOf = (w: [number, number]) => `${w[0]}:${w[1]}`;
  const wtWindows = [...new Map(windows.map((w) => [keyOf(w), w])).values()];
  const rows = [...wtWindows.map((w) => clmWindowRow(wildType, w[0], w[1])), ...variants.map((v, i) => clmWindowRow(v.sequence, windows[i]![0], windows[i]![1]))];
  const lp = targetLogProbs(model, rows, rows.map((r) => r.read.map((t) => r.ids[t + 1]!)));
  const ll = lp.map((v) => v.reduce((a, x) => a + x, 0));
  const wtLl = new Map(wtWindows.map((w, k) => [keyOf(w), ll[k]!]));
  return variants.map((_, i) => ll[wtWindows.length + i]! - wtLl.get(keyOf(windows[i]!))!);
}

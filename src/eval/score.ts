// Sequence scoring with a trained model: CLM log-likelihoods, MLM pseudo-log-likelihood and masked-marginal
// mutation scores (Meier et al. 2021). All natural logs; sequences are scored as `<cls> residues <eos>`.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { encode, MASK } from "../data/tokenizer.js";

/** Log-probabilities [R, T, V] for R rows of equal length T, each one sequence (no padding, so no mask). */
function logProbs(model: ProteinLM, rows: Int32Array[], T: number): Float32Array {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const R = rows.length;
      const ids = new Int32Array(R * T), pos = new Int32Array(R * T);
      rows.forEach((r, i) => ids.set(r, i * T));
      for (let i = 0; i < R * T; i++) pos[i] = i % T;
      const input = torch.tensor(ids, [R, T], { dtype: "int64", device: model.device });
      const position = torch.tensor(pos, [R, T], { dtype: "int64", device: model.device });
      return model.forward({ input, position, mask: null }).to("float32").logSoftmax(-1).data() as Float32Array;
    }),
  );
}

export interface SequenceLikelihood {
  /** Σ log p(x_t | x_<t) over residues and <eos> */
  logLikelihood: number;
  /** per predicted token */
  meanLogLikelihood: number;
  tokens: number;
}

/** CLM: log-likelihood of each sequence (the model must be causal). */
export function clmLogLikelihood(model: ProteinLM, seq: string): SequenceLikelihood {
  if (!model.causal) throw new Error("clmLogLikelihood needs a CLM; use pseudoLogLikelihood for an MLM");
  const ids = encode(seq), T = ids.length, V = model.cfg.vocab;
  if (T > model.cfg.context) throw new Error(`sequence of ${seq.length} residues exceeds the context (${model.cfg.context - 2})`);
  const lp = logProbs(model, [ids], T);
  let ll = 0;
  for (let t = 0; t + 1 < T; t++) ll += lp[t * V + ids[t + 1]!]!;
  return { logLikelihood: ll, meanLogLikelihood: ll / (T - 1), tokens: T - 1 };
}

/** MLM: pseudo-log-likelihood Σ_i log p(x_i | x with i masked) over residues, `batch` masked copies per pass. */
export function pseudoLogLikelihood(model: ProteinLM, seq: string, batch = 16): SequenceLikelihood {
  const ids = encode(seq), T = ids.length, V = model.cfg.vocab, L = T - 2;
  if (T > model.cfg.context) throw new Error(`sequence of ${L} residues exceeds the context (${model.cfg.context - 2})`);
  let ll = 0;
  for (let start = 1; start <= L; start += batch) {
    const positions = Array.from({ length: Math.min(batch, L + 1 - start) }, (_, k) => start + k);
    const rows = positions.map((p) => {
      const r = ids.slice();
      r[p] = MASK;
      return r;
    });
    const lp = logProbs(model, rows, T);
    positions.forEach((p, k) => (ll += lp[(k * T + p) * V + ids[p]!]!));
  }
  return { logLikelihood: ll, meanLogLikelihood: ll / L, tokens: L };
}

export interface Mutation {
  /** 1-based residue position */
  position: number;
  wt: string;
  mut: string;
}

/** "A23G" or "A23G:K40R" (multi-mutants are scored additively). */
export function parseMutations(text: string): Mutation[] {
  return text.split(/[:,+]/).map((m) => {
    const x = /^([A-Z])(\d+)([A-Z])$/.exec(m.trim());
    if (!x) throw new Error(`bad mutation '${m}' (expected e.g. A23G)`);
    return { wt: x[1]!, position: Number(x[2]), mut: x[3]! };
  });
}

/**
 * Masked-marginal score per variant: Σ over its mutations of log p(mut) − log p(wt) at the masked site, in
 * the wild-type context. Works for both objectives (for a CLM the site is predicted from its left context).
 */
export function maskedMarginals(model: ProteinLM, wildType: string, variants: string[]): number[] {
  const ids = encode(wildType), T = ids.length, V = model.cfg.vocab;
  const parsed = variants.map(parseMutations);
  const sites = [...new Set(parsed.flat().map((m) => m.position))].sort((a, b) => a - b);
  for (const m of parsed.flat()) {
    if (m.position < 1 || m.position > wildType.length) throw new Error(`mutation position ${m.position} is outside the sequence (1–${wildType.length})`);
    if (wildType[m.position - 1] !== m.wt) throw new Error(`mutation ${m.wt}${m.position}${m.mut}: the wild type has ${wildType[m.position - 1]} there`);
  }
  const logp = new Map<number, Float32Array>(); // site → log-probabilities [V] at the site
  for (let i = 0; i < sites.length; i += 16) {
    const chunk = sites.slice(i, i + 16);
    const rows = chunk.map((p) => {
      const r = ids.slice();
      if (!model.causal) r[p] = MASK;
      return r;
    });
    const lp = logProbs(model, rows, T);
    // CLM: the distribution of token p is read at position p−1
    chunk.forEach((p, k) => logp.set(p, lp.slice((k * T + (model.causal ? p - 1 : p)) * V, (k * T + (model.causal ? p - 1 : p) + 1) * V)));
  }
  const id = (aa: string) => encode(aa)[1]!;
  return parsed.map((ms) => ms.reduce((s, m) => s + logp.get(m.position)![id(m.mut)]! - logp.get(m.position)![id(m.wt)]!, 0));
}

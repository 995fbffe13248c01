// Sampling from a CLM: temperature and nucleus (top-p) filtering, `n` samples decoded in parallel rows.
// No KV cache: every step recomputes the prefix (fine for the small models and short samples this serves).
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { CLS, EOS, FIRST_RESIDUE, STANDARD_RESIDUES, decode, encodeResidues } from "../data/tokenizer.js";
import { Rng } from "../core/random.js";

export interface SampleOptions {
  n?: number;
  maxLength?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  /** residues every sample starts with */
  prompt?: string;
}

/** Index drawn from probabilities `p` (sum 1) restricted to the smallest set whose mass ≥ topP. */
export function sampleTopP(p: Float64Array, topP: number, rng: Rng): number {
  const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]!);
  let mass = 0, k = 0;
  while (k < order.length && (k === 0 || mass < topP)) mass += p[order[k++]!]!;
  let u = rng.next() * mass;
  for (let i = 0; i < k; i++) {
    u -= p[order[i]!]!;
    if (u <= 0) return order[i]!;
  }
  return order[k - 1]!;
}

/** Residue strings sampled from a CLM (special tokens other than <eos> are never emitted). */
export function generate(model: ProteinLM, o: SampleOptions = {}): string[] {
  if (!model.causal) throw new Error("generation needs a CLM run");
  const n = o.n ?? 1, temperature = o.temperature ?? 1, topP = o.topP ?? 1;
  const maxLen = Math.min(o.maxLength ?? 256, model.cfg.context - 2);
  if (!(temperature > 0)) throw new Error("temperature must be > 0");
  const rng = new Rng(o.seed ?? 0);
  const V = model.cfg.vocab;
  const prompt = o.prompt ? encodePrompt(o.prompt) : [];
  const rows: number[][] = Array.from({ length: n }, () => [CLS, ...prompt]);
  const done = new Array<boolean>(n).fill(false);
  while (!done.every(Boolean) && rows[0]!.length - 1 < maxLen) {
    const T = rows[0]!.length;
    const last = torch.noGrad(() =>
      torch.tidy(() => {
        const ids = Int32Array.from(rows.flat());
        const pos = Int32Array.from({ length: n * T }, (_, i) => i % T);
        const logits = model.forward({
          input: torch.tensor(ids, [n, T], { dtype: "int64", device: model.device }),
          position: torch.tensor(pos, [n, T], { dtype: "int64", device: model.device }),
          mask: null,
        }); // [n, T, V]
        return logits.select(1, T - 1).to("float32").data() as Float32Array; // [n, V]
      }),
    );
    for (let r = 0; r < n; r++) {
      if (done[r]) {
        rows[r]!.push(EOS);
        continue;
      }
      const p = new Float64Array(V);
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (allowed(v)) max = Math.max(max, last[r * V + v]! / temperature);
      let z = 0;
      for (let v = 0; v < V; v++) z += p[v] = allowed(v) ? Math.exp(last[r * V + v]! / temperature - max) : 0;
      for (let v = 0; v < V; v++) p[v]! /= z;
      const tok = sampleTopP(p, topP, rng);
      rows[r]!.push(tok);
      if (tok === EOS) done[r] = true;
    }
  }
  return rows.map((r) => {
    const end = r.indexOf(EOS);
    return decode(r.slice(1, end < 0 ? r.length : end), true);
  });
}

/** The 20 standard amino acids (the tokenizer's first residue ids) and <eos>. */
function allowed(v: number): boolean {
  return v === EOS || isStandard(v);
}

function isStandard(id: number): boolean {
  return id >= FIRST_RESIDUE && id < FIRST_RESIDUE + STANDARD_RESIDUES;
}

/** Prompt letters → ids with the tokenizer; only the 20 standard amino acids (what sampling can emit). */
function encodePrompt(s: string): number[] {
  let ids: Uint8Array;
  try {
    ids = encodeResidues(s);
  } catch (e) {
    throw new Error(`prompt: ${(e as Error).message}`);
  }
  const i = ids.findIndex((id) => !isStandard(id));
  if (i >= 0) throw new Error(`prompt: '${s.trim()[i]}' is not a standard amino acid`);
  return [...ids];
}

// Embeddings: the final hidden states (after the final LayerNorm) of each residue, and their mean over
// residues (<cls>/<eos> excluded) — the usual protein-level representation for probes.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { encode } from "../data/tokenizer.js";

export interface Embedding {
  /** [L][D] per residue (only when asked for) */
  perResidue?: Float32Array[];
  /** [D] mean over residues */
  mean: Float32Array;
}

export function embed(model: ProteinLM, seq: string, opts: { perResidue?: boolean } = {}): Embedding {
  const ids = encode(seq), T = ids.length, D = model.cfg.dModel, L = T - 2;
  if (T > model.cfg.context) throw new Error(`sequence of ${L} residues exceeds the context (${model.cfg.context - 2})`);
  const h = torch.noGrad(() =>
    torch.tidy(() => {
      const pos = Int32Array.from({ length: T }, (_, i) => i);
      const input = torch.tensor(ids, [1, T], { dtype: "int64", device: model.device });
      const position = torch.tensor(pos, [1, T], { dtype: "int64", device: model.device });
      return model.hidden({ input, position, mask: null }).to("float32").data() as Float32Array; // [1, T, D]
    }),
  );
  const mean = new Float32Array(D);
  const per: Float32Array[] = [];
  for (let t = 1; t <= L; t++) {
    const row = h.subarray(t * D, (t + 1) * D);
    for (let j = 0; j < D; j++) mean[j]! += row[j]! / L;
    if (opts.perResidue) per.push(row.slice());
  }
  return opts.perResidue ? { perResidue: per, mean } : { mean };
}

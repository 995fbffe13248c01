// Attention maps of every layer and head for one sequence, from the model's explicit attention path
// (softmax(q kᵀ/√Dh) with the model's rotary q and k; fused kernels return no weights), in evaluation mode.
// Rows and columns of <cls> and <eos> are dropped, as ESM's contact head does, so maps are residue × residue.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { encode } from "../data/tokenizer.js";
import { UserError } from "../core/errors.js";

export interface AttentionMaps {
  layers: number;
  heads: number;
  /** residues */
  length: number;
  /** [layers·heads, L, L], channel c = layer·heads + head; row = query, column = key */
  maps: Float32Array;
}

/** Token ids and positions [1, T] for `<cls> seq <eos>`. */
function inputsOf(model: ProteinLM, seq: string): { ids: Int32Array; T: number } {
  const ids = encode(seq), T = ids.length;
  if (T > model.cfg.context) throw new UserError(`sequence of ${seq.length} residues exceeds the model's context (${model.cfg.context - 2} residues)`);
  return { ids, T };
}

export function attentionMaps(model: ProteinLM, seq: string): AttentionMaps {
  const { ids, T } = inputsOf(model, seq);
  const wasTraining = model.training;
  model.eval(); // no dropout: the maps must be deterministic
  const sink: torch.Tensor[] = [];
  try {
    const maps = torch.noGrad(() =>
      torch.tidy(() => {
        const input = torch.tensor(ids, [1, T], { dtype: "int64", device: model.device });
        const position = torch.arange(0, T, 1, { device: model.device }).unsqueeze(0);
        model.hidden({ input, position, mask: null }, sink);
        const all = torch.cat(sink, 0); // [layers, H, T, T]
        return all.slice(2, 1, T - 1).slice(3, 1, T - 1).to("float32").contiguous().data() as Float32Array;
      }),
    );
    return { layers: model.cfg.layers, heads: model.cfg.heads, length: T - 2, maps };
  } finally {
    for (const t of sink) t.dispose();
    model.train(wasTraining);
  }
}

// Batched inference for evaluation: log-probabilities of many token rows of different lengths in one forward
// pass (rows padded with <pad>, a segment mask keeps padding out of attention), read back only where asked.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { attentionMask } from "../model/mask.js";
import { PAD } from "../data/tokenizer.js";

/** One row to run and the positions whose log-probability vectors [V] the caller wants back. */
export interface RowRequest {
  ids: Int32Array;
  /** token positions (0-based, < ids.length) whose distributions to return */
  read: number[];
}

/**
 * Log-softmax vectors for every requested position: result[r][k] is the [V] distribution at rows[r].read[k].
 * Rows are grouped by length, at most `maxTokens` padded tokens per pass (bounds the B·T·V logits).
 */
export function logProbsAt(model: ProteinLM, rows: RowRequest[], maxTokens = 16384): Float32Array[][] {
  const V = model.cfg.vocab;
  const out: Float32Array[][] = rows.map(() => []);
  forEachGroup(model, rows, maxTokens, (group, logits, sel) => {
    const flat = logits.indexSelect(0, sel).to("float32").logSoftmax(-1).data() as Float32Array; // [P, V]
    let p = 0;
    for (const r of group) for (let k = 0; k < rows[r]!.read.length; k++, p++) out[r]!.push(flat.slice(p * V, (p + 1) * V));
  });
  return out;
}

/**
 * Only log p(target) at each read position (gathered on the device: no [P, V] copy to the host), for
 * likelihoods of whole sequences. `targets[r][k]` is the token whose probability is read at rows[r].read[k].
 */
export function targetLogProbs(model: ProteinLM, rows: RowRequest[], targets: number[][], maxTokens = 16384): Float32Array[] {
  const out: Float32Array[] = rows.map(() => new Float32Array(0));
  forEachGroup(model, rows, maxTokens, (group, logits, sel) => {
    const tgt = Int32Array.from(group.flatMap((r) => targets[r]!));
    const t = torch.tensor(tgt, [tgt.length, 1], { dtype: "int64", device: model.device });
    const flat = logits.indexSelect(0, sel).to("float32").logSoftmax(-1).gather(1, t).data() as Float32Array; // [P]
    let p = 0;
    for (const r of group) {
      out[r] = flat.slice(p, p + rows[r]!.read.length);
      p += rows[r]!.read.length;
    }
  });
  return out;
}

/** Run rows grouped by length; `use` gets each group's row indices, logits [B·T, V] and the read positions. */
function forEachGroup(model: ProteinLM, rows: RowRequest[], maxTokens: number, use: (group: number[], logits: torch.Tensor, sel: torch.Tensor) => void): void {
  const V = model.cfg.vocab, ctx = model.cfg.context;
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.ids.length - rows[b]!.ids.length);
  for (let s = 0; s < order.length; ) {
    let e = s + 1;
    // rows sorted by length: the pass is as long as its longest (last) row
    while (e < order.length && (e - s + 1) * rows[order[e]!]!.ids.length <= maxTokens) e++;
    const group = order.slice(s, e);
    const Tmax = rows[group[group.length - 1]!]!.ids.length;
    if (Tmax > ctx) throw new Error(`a row of ${Tmax} tokens exceeds the model's context of ${ctx}`);
    const B = group.length;
    const ids = new Int32Array(B * Tmax).fill(PAD), pos = new Int32Array(B * Tmax), seg = new Int32Array(B * Tmax).fill(-1);
    group.forEach((r, b) => {
      const x = rows[r]!.ids;
      ids.set(x, b * Tmax);
      for (let t = 0; t < x.length; t++) (pos[b * Tmax + t] = t), (seg[b * Tmax + t] = 0);
    });
    const picks: number[] = [];
    group.forEach((r, b) => rows[r]!.read.forEach((t) => picks.push(b * Tmax + t)));
    torch.noGrad(() =>
      torch.tidy(() => {
        const logits = model.forward({
          input: torch.tensor(ids, [B, Tmax], { dtype: "int64", device: model.device }),
          position: torch.tensor(pos, [B, Tmax], { dtype: "int64", device: model.device }),
          mask: attentionMask(seg, B, Tmax, model.causal, model.device),
        }); // [B, T, V]
        const sel = torch.tensor(Int32Array.from(picks), [picks.length], { dtype: "int64", device: model.device });
        use(group, logits.reshape(B * Tmax, V), sel);
      }),
    );
    s = e;
  }
}

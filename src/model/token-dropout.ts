// ESM-2's token dropout (Lin et al. 2023; fair-esm ESM2.forward, Hugging Face EsmEmbeddings): the embedding of
// every <mask> token is zeroed and the others are scaled by (1 − 0.15·0.8) / (1 − r), where r is the fraction
// of the sequence's (non-pad) tokens that are <mask>. Applied in training and inference alike, so a model
// trained with it sees on average the same embedding norm with or without masks. Packed rows hold several
// sequences: r is taken per sequence, a sequence starting where its position is 0 (Batch.position restarts at
// every <cls>), which equals Hugging Face's per-row ratio when a row holds one sequence.
import { tidy, zeros, type Tensor } from "../torch/index.js";
import { MASK, PAD } from "../data/tokenizer.js";

/** the mask ratio ESM-2 was trained with: 15% of positions selected, 80% of those replaced by <mask> */
export const ESM_MASK_RATIO_TRAIN = 0.15 * 0.8;

/** h [B, T, D] embeddings, input / position [B, T] int64 → h with token dropout applied. */
export function tokenDropout(h: Tensor, input: Tensor, position: Tensor): Tensor {
  return tidy(() => {
    const [B, T] = input.shape as [number, number];
    const isMask = input.eq(MASK); // [B, T] bool
    const seg = position.eq(0).to("int64").cumsum(1); // [B, T] sequence index within the row, 0..T
    const count = (v: Tensor) => zeros([B, T + 1], { device: input.device }).scatterAdd(1, seg, v).gather(1, seg); // per-token sum over its sequence
    const masks = count(isMask.to("float32"));
    const lengths = count(input.ne(PAD).to("float32")).clamp(1, null);
    const scale = masks.div(lengths).neg().add(1).reciprocal().mul(1 - ESM_MASK_RATIO_TRAIN); // (1 − 0.12)/(1 − r)  [B, T]
    return h.maskedFill(isMask.unsqueeze(-1), 0).mul(scale.unsqueeze(-1).to(h.dtype));
  });
}

// Rotary position embeddings (Su et al. 2021) in ESM-2's layout: frequencies θ_i = 10000^(−2i/Dh) for the
// first half of the head, duplicated for the second, and rotate_half(x) = [−x₂, x₁] (as HF EsmRotaryEmbedding).
// Positions come from Batch.position, which restarts at 0 at every <cls>, so a packed sequence is rotated
// exactly as if it stood alone.
import { Tensor, cat, tensor, tidy } from "../torch/index.js";

export interface RotaryTables {
  cos: Tensor; // [B, 1, T, Dh]
  /** sin with the sign of rotate_half folded in: [−sin, sin] over the two halves; [B, 1, T, Dh] */
  sinSigned: Tensor;
}

/** cos/sin tables for positions [B, T] (int) and head size Dh; built once per forward, shared by all layers. */
export function rotaryTables(position: Tensor, headDim: number, dtype: "float32" | "bfloat16" = "float32"): RotaryTables {
  return tidy(() => {
    const half = headDim / 2;
    const inv = new Float32Array(half);
    for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(10000, (2 * i) / headDim);
    const invFreq = tensor(inv, [half], { device: position.device }); // [Dh/2]
    const freqs = position.to("float32").unsqueeze(-1).mul(invFreq).unsqueeze(1); // [B, 1, T, Dh/2]
    const c = freqs.cos(), s = freqs.sin();
    let cos = cat([c, c], -1), sinSigned = cat([s.neg(), s], -1); // [B, 1, T, Dh]
    if (dtype !== "float32") (cos = cos.to(dtype)), (sinSigned = sinSigned.to(dtype));
    return { cos, sinSigned };
  });
}

/**
 * x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁], computed as x·cos + [x₂, x₁]·[−sin, sin]:
 * four ops (chunk, cat, mul, addcmul_) on x [..., T, Dh] — pass q and k stacked ([2, B, H, T, Dh]) to rotate
 * both at once.
 */
export function applyRotary(x: Tensor, r: RotaryTables): Tensor {
  return tidy(() => {
    const [x1, x2] = x.chunk(2, -1) as [Tensor, Tensor]; // [..., T, Dh/2] each
    const swapped = cat([x2, x1], -1); // [..., T, Dh]
    return x.mul(r.cos).addcmul_(swapped, r.sinSigned);
  });
}

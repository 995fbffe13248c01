// Attention masks for packed batches (docs/CONTRACTS.md "Batches"). A token attends only to tokens of its
// own sequence (equal segment id), and for the CLM only to earlier ones. When every row holds exactly one
// sequence with no padding, no mask is needed at all: the fused attention then runs unmasked (with its
// causal flag for the CLM), which is the fast path on both CPU and CUDA.
import { Tensor, tensor } from "../torch/index.js";

/** True when each of the B rows of `segment` [B*T] is one sequence filling the whole row. */
export function singleSequenceRows(segment: Int32Array): boolean {
  for (let i = 0; i < segment.length; i++) if (segment[i] !== 0) return false;
  return true;
}

/**
 * Boolean mask [B, 1, T, T] (true = may attend): same segment (and key ≤ query for causal). Padding
 * positions (segment −1) attend only to themselves so their softmax stays finite; nothing attends to them.
 * Built on the host: B·T² bytes, cheap next to the attention itself.
 */
export function segmentMaskData(segment: Int32Array, rows: number, context: number, causal: boolean): Uint8Array {
  const T = context;
  const out = new Uint8Array(rows * T * T);
  for (let b = 0; b < rows; b++) {
    const seg = segment.subarray(b * T, (b + 1) * T);
    // each segment is one contiguous run: find [start, end) per position
    let start = 0;
    for (let i = 0; i < T; i++) {
      if (i > 0 && seg[i] !== seg[i - 1]) start = i;
      const base = (b * T + i) * T;
      if (seg[i]! < 0) {
        out[base + i] = 1;
        continue;
      }
      let end = i + 1;
      if (!causal) while (end < T && seg[end] === seg[i]) end++;
      out.fill(1, base + start, base + end);
    }
  }
  return out;
}

/** The mask as a tensor on `device`, or null when the rows need none. */
export function attentionMask(segment: Int32Array, rows: number, context: number, causal: boolean, device: string): Tensor | null {
  if (singleSequenceRows(segment)) return null;
  return tensor(segmentMaskData(segment, rows, context, causal), [rows, 1, context, context], { dtype: "bool", device });
}

// Attention masks for packed batches (docs/CONTRACTS.md "Batches"). A token attends only to tokens of its
// own sequence (equal segment id), and for the CLM only to earlier ones. When every row holds exactly one
// sequence with no padding, no mask is needed at all: the fused attention then runs unmasked (with its
// causal flag for the CLM), which is the fast path on both CPU and CUDA.
import { Tensor, full, tensor, tidy } from "../torch/index.js";

/** True when each of the B rows of `segment` [B*T] is one sequence filling the whole row. */
export function singleSequenceRows(segment: Int32Array): boolean {
  for (let i = 0; i < segment.length; i++) if (segment[i] !== 0) return false;
  return true;
}

/**
 * Boolean mask [B, 1, T, T] (true = may attend): same segment (and key ≤ query for causal). Padding
 * positions (segment −1) attend only to themselves so their softmax stays finite; nothing attends to them.
 * The host-side reference of attentionMask (B·T² bytes; tests compare the two).
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

/**
 * Segment ids whose equality alone is the mask: padding position t (segment −1) gets its own id −1−t, so a
 * padding query matches only itself and no real query (ids ≥ 0) matches it. O(B·T) on the host.
 */
export function maskSegmentIds(segment: Int32Array): Int32Array {
  const ids = new Int32Array(segment.length);
  for (let i = 0; i < segment.length; i++) ids[i] = segment[i]! < 0 ? -1 - i : segment[i]!;
  return ids;
}

/**
 * The mask as a tensor on `device`, or null when the rows need none. On an accelerator it is built there from
 * the [B, T] segment ids (B·T·4 bytes uploaded instead of the B·T² mask, no host loop per micro-batch); on
 * the CPU the host loop is the device, and measured faster than the tensor ops (B=2, T=512: 1.5 vs 3.5 ms).
 */
export function attentionMask(segment: Int32Array, rows: number, context: number, causal: boolean, device: string): Tensor | null {
  if (singleSequenceRows(segment)) return null;
  // deviceAttentionMask (equal to the host mask, tested on the CPU) waits for a GPU run before it becomes the
  // CUDA default: untested CUDA paths do not ship. PLMSCALE_DEVICE_MASK=1 opts in.
  if (device !== "cpu" && process.env.PLMSCALE_DEVICE_MASK === "1") return deviceAttentionMask(segment, rows, context, causal, device);
  return tensor(segmentMaskData(segment, rows, context, causal), [rows, 1, context, context], { dtype: "bool", device });
}

/** attentionMask by tensor ops on `device`: seg[b, q] == seg[b, k] (ids from maskSegmentIds), and k ≤ q for causal. */
export function deviceAttentionMask(segment: Int32Array, rows: number, context: number, causal: boolean, device: string): Tensor {
  const T = context;
  return tidy(() => {
    const seg = tensor(maskSegmentIds(segment), [rows, T], { dtype: "int32", device });
    const same = seg.view(rows, 1, T, 1).eq(seg.view(rows, 1, 1, T)); // [B, 1, T, T]
    return causal ? same.logicalAnd(full([T, T], true, { dtype: "bool", device }).tril()) : same;
  });
}

/**
 * The rows of a packed batch as runs of positions that attend only among themselves: each sequence is one
 * span, and each run of padding a `pad` span (a padding position attends only to itself). Attention within
 * each span gives what the block-diagonal mask gives, without the B·T² − ΣL² masked scores (src/model/
 * span-attention.ts). Plain host data: no tensor.
 */
export interface SegmentSpans {
  rows: number;
  context: number;
  /** per row: the span lengths, in order, summing to `context` */
  lengths: number[][];
  /** per row: whether each span is padding */
  pad: boolean[][];
  /** the segment ids these spans came from (for the dense-mask fallback) */
  segment: Int32Array;
}

/**
 * Spans of `segment` [B*T], or null when a sequence id occurs in two separate runs of a row (its halves would
 * attend to each other under the mask, which spans cannot express; packed batches never do this).
 */
export function segmentSpans(segment: Int32Array, rows: number, context: number): SegmentSpans | null {
  const lengths: number[][] = [], pad: boolean[][] = [];
  for (let b = 0; b < rows; b++) {
    const seg = segment.subarray(b * context, (b + 1) * context);
    const lens: number[] = [], pads: boolean[] = [], seen = new Set<number>();
    let start = 0;
    for (let i = 1; i <= context; i++) {
      if (i < context && seg[i] === seg[start]) continue;
      const id = seg[start]!;
      if (id >= 0) {
        if (seen.has(id)) return null;
        seen.add(id);
      }
      lens.push(i - start);
      pads.push(id < 0);
      start = i;
    }
    lengths.push(lens);
    pad.push(pads);
  }
  return { rows, context, lengths, pad, segment };
}


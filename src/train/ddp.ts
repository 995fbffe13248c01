// Data parallel training over a c10d process group (src/torch/distributed.ts): each rank holds a full replica,
// takes a disjoint, deterministic share of every global step's rows, and the gradients are summed across ranks
// in ~25 MB buckets (flatten → one all-reduce → unflatten), all buckets in flight together on Gloo's threads.
// No overlap with the backward pass: backward is one native call (autograd runs to the end before JS sees a
// gradient), and per-parameter hooks that could start a bucket early would have to run JS from autograd's
// thread, which the single-threaded addon refuses. The gradient is exact, not an average of rank means: every
// rank divides its summed loss by the GLOBAL step's loss tokens, so the summed gradient is the single-process
// gradient of the same global batch (up to summation order).
import * as torch from "../torch/index.js";
import type { ProcessGroup } from "../torch/distributed.js";
import type { Batch } from "../data/batch.js";
import { IGNORE } from "../data/index.js";

/** none: DDP; optimizer: ZeRO-1 (zero.ts); full: ZeRO-3 (fsdp.ts) */
export type ShardMode = "none" | "optimizer" | "full";
export const SHARD_MODES: readonly ShardMode[] = ["none", "optimizer", "full"];

/** torch DDP's default bucket size. */
export const DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024;

/** What the trainer needs to run as one rank of a data-parallel job (the shard mode is the config's
 * parallel.shard: src/train/strategy.ts). */
export interface DistOptions {
  group: ProcessGroup;
  bucketBytes?: number;
  /** this rank's index on its node (LOCAL_RANK / SLURM_LOCALID): a CUDA run uses cuda:localRank */
  localRank?: number;
}

/** Rows start, start+step, start+2·step, … of a batch (rank r of W takes start r, step W). */
export function strideRows(b: Batch, start: number, step: number): Batch {
  const T = b.context;
  const rows: number[] = [];
  for (let r = start; r < b.rows; r += step) rows.push(r);
  const n = rows.length * T;
  const out: Batch = {
    rows: rows.length, context: T, input: new Int32Array(n), target: new Int32Array(n), position: new Int32Array(n),
    segment: new Int32Array(n), realTokens: 0, lossTokens: 0, sources: {},
  };
  rows.forEach((r, i) => {
    const lo = r * T, hi = lo + T;
    out.input.set(b.input.subarray(lo, hi), i * T), out.target.set(b.target.subarray(lo, hi), i * T);
    out.position.set(b.position.subarray(lo, hi), i * T), out.segment.set(b.segment.subarray(lo, hi), i * T);
  });
  for (let i = 0; i < n; i++) {
    if (out.segment[i]! >= 0) out.realTokens++;
    if (out.target[i] !== IGNORE) out.lossTokens++;
  }
  return out;
}

/** Consecutive runs of parameters (last → first, the order backward produces them) of at most ~bucketBytes. */
export function planBuckets(sizesBytes: number[], bucketBytes: number): number[][] {
  const buckets: number[][] = [];
  let cur: number[] = [], bytes = 0;
  for (let i = sizesBytes.length - 1; i >= 0; i--) {
    if (cur.length && bytes + sizesBytes[i]! > bucketBytes) buckets.push(cur), (cur = []), (bytes = 0);
    cur.push(i);
    bytes += sizesBytes[i]!;
  }
  if (cur.length) buckets.push(cur);
  return buckets;
}

const BYTES: Record<string, number> = { float32: 4, float64: 8, bfloat16: 2, float16: 2 };

export class DataParallel {
  readonly buckets: number[][];
  /** seconds spent in collectives (launch to last wait) since construction */
  commSeconds = 0;
  /** bytes all-reduced per gradient reduction */
  readonly gradBytes: number;

  constructor(readonly group: ProcessGroup, readonly params: torch.Tensor[], bucketBytes = DEFAULT_BUCKET_BYTES) {
    const sizes = params.map((p) => p.numel * (BYTES[p.dtype] ?? 4));
    this.gradBytes = sizes.reduce((a, b) => a + b, 0);
    this.buckets = planBuckets(sizes, bucketBytes);
    for (const b of this.buckets) {
      const dt = new Set(b.map((i) => params[i]!.dtype));
      if (dt.size > 1) throw new Error(`DataParallel: a bucket mixes dtypes ${[...dt].join(", ")}`);
    }
  }

  /** Every rank's parameters := rank 0's (at start, so that replicas begin identical whatever their seeds). */
  broadcastParameters(): void {
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const b of this.buckets) {
          const ps = b.map((i) => this.params[i]!);
          const flat = torch.cat(ps.map((p) => p.reshape(-1)));
          this.group.broadcast(flat, 0);
          unflattenInto(flat, ps);
        }
      }),
    );
  }

  /**
   * Sum the gradients over ranks in place (a rank without a gradient for a parameter contributes zeros and
   * receives the sum), together with a few float64 scalars (the step's loss sum, an abort flag); returns the
   * summed scalars.
   */
  reduce(scalars: number[]): number[] {
    const t0 = performance.now();
    const out = torch.noGrad(() =>
      torch.tidy(() => {
        const sc = torch.tensor(new Float64Array(scalars));
        const works = [this.group.allReduceAsync(sc, "sum")];
        const flats = this.buckets.map((b) => {
          const flat = torch.cat(b.map((i) => {
            const p = this.params[i]!, g = p.grad;
            return (g ?? torch.zerosLike(p)).reshape(-1);
          }));
          works.push(this.group.allReduceAsync(flat, "sum"));
          return flat;
        });
        for (const w of works) w.wait();
        this.buckets.forEach((b, k) => {
          const ps = b.map((i) => this.params[i]!);
          const grads = ps.map((p) => {
            if (!p.grad) p.grad = torch.zerosLike(p); // the parameter keeps the tensor; the handle is tidied
            return p.grad!;
          });
          unflattenInto(flats[k]!, grads);
        });
        return Array.from(sc.data() as Float64Array);
      }),
    );
    this.commSeconds += (performance.now() - t0) / 1000;
    return out;
  }
}

/** Copy consecutive slices of a flat tensor into `targets` (in order). */
export function unflattenInto(flat: torch.Tensor, targets: torch.Tensor[]): void {
  let off = 0;
  for (const t of targets) {
    const n = t.numel;
    t.copy_(flat.narrow(0, off, n).view(...t.shape));
    off += n;
  }
}

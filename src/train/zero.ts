// ZeRO-1 (Rajbhandari et al. 2020, stage 1): each rank keeps the AdamW moments of its 1/W slice of the
// parameters only. Per step: reduce-scatter the gradients (each rank receives the summed gradient of its
// slice), clip by the global norm (slice norms² all-reduced), AdamW on the slice, all-gather the updated
// slices into every replica's parameters. AdamW is elementwise, so this is the same update as one process
// running AdamW on everything. Each AdamW parameter group (decay / no decay) is one flat space, padded to a
// multiple of W, cut into W equal slices. Checkpoints stay world-size independent: gatherState() rebuilds the
// moments under the names one process's AdamW uses (exp_avg.G.I), and loadStateTensors() takes those.
import * as torch from "../torch/index.js";
import type { ProcessGroup, Work } from "../torch/distributed.js";
import { unflattenInto } from "./ddp.js";
import { MOMENT_KINDS, sliceSize, type ShardReader } from "./shard-io.js";

interface FlatGroup {
  params: torch.Tensor[];
  /** elements in the group, and in one rank's slice (padded total = slice · W) */
  numel: number;
  slice: number;
  /** this rank's slice of the flat parameters (the inner AdamW's one parameter) */
  shard: torch.Tensor;
}

export class ShardedAdamW {
  private readonly flat: FlatGroup[];
  private readonly inner: torch.AdamW;
  /** seconds in collectives since construction */
  commSeconds = 0;

  constructor(
    readonly group: ProcessGroup,
    groups: { params: torch.Tensor[]; weightDecay: number }[],
    opts: { lr: number; beta1: number; beta2: number; eps: number },
    /** dtype of the slices (the master weights and moments): float32 behind bf16 parameters (bf16-params);
     * default the parameters' own */
    masterDtype?: torch.DType,
  ) {
    const W = group.worldSize;
    this.flat = groups.map((g) => {
      const numel = g.params.reduce((a, p) => a + p.numel, 0);
      const slice = sliceSize(numel, W);
      const dtype = masterDtype ?? g.params[0]?.dtype ?? "float32", device = g.params[0]?.device ?? "cpu";
      return { params: g.params, numel, slice, shard: torch.keep(torch.zeros([slice], { dtype, device })) };
    });
    this.inner = new torch.AdamW(
      this.flat.map((f, i) => ({ params: [f.shard], weightDecay: groups[i]!.weightDecay })),
      { ...opts, weightDecay: 0 },
    );
  }

  get lr(): number {
    return this.inner.lr;
  }
  set lr(v: number) {
    this.inner.lr = v;
  }
  get stepCount(): number {
    return this.inner.stepCount;
  }

  /** A group's parameters (or per-parameter tensors shaped like them) as one flat tensor padded to slice · W. */
  private flatten(f: FlatGroup, ts: torch.Tensor[]): torch.Tensor {
    const pad = f.slice * this.group.worldSize - f.numel;
    const parts = ts.map((t) => (t.dtype === f.shard.dtype ? t.reshape(-1) : t.reshape(-1).to(f.shard.dtype)));
    if (pad > 0) parts.push(torch.zeros([pad], { dtype: f.shard.dtype, device: f.shard.device }));
    return torch.cat(parts);
  }

  /** shard := this rank's slice of the current parameters (after the replicas were made identical), or of
   * `source(p)` for each parameter (the fp32 masters of bf16 parameters). */
  copyFromParams(source: (p: torch.Tensor) => torch.Tensor = (p) => p): void {
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const f of this.flat) f.shard.copy_(this.flatten(f, f.params.map(source)).narrow(0, this.group.rank * f.slice, f.slice));
      }),
    );
  }

  /** Collective: the full parameters in the slices' dtype (the fp32 masters under bf16-params), keyed by the
   * parameter tensor; rank 0 gets them (kept: the caller disposes), other ranks an empty map. */
  gatherParams(): Map<torch.Tensor, torch.Tensor> {
    const out = new Map<torch.Tensor, torch.Tensor>();
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const f of this.flat) {
          const W = this.group.worldSize;
          const full = torch.zeros([f.slice * W], { dtype: f.shard.dtype, device: f.shard.device });
          const t0 = performance.now();
          this.group.allGather(Array.from({ length: W }, (_, r) => full.narrow(0, r * f.slice, f.slice)), f.shard);
          this.commSeconds += (performance.now() - t0) / 1000;
          if (this.group.rank !== 0) continue;
          let off = 0;
          for (const p of f.params) {
            out.set(p, torch.keep(full.narrow(0, off, p.numel).reshape(...p.shape).clone()));
            off += p.numel;
          }
        }
      }),
    );
    return out;
  }

  /** Bytes of the slices themselves (this rank's fp32 master weights when they differ from the parameters). */
  sliceBytes(): number {
    return this.flat.reduce((a, f) => a + f.slice * torch.BYTES_PER_ELEMENT[f.shard.dtype], 0);
  }

  zeroGrad(): void {
    for (const f of this.flat) for (const p of f.params) p.zeroGrad();
  }

  /**
   * Reduce-scatter the gradients (and sum `scalars` across ranks), clip by the global gradient norm, AdamW on
   * this rank's slice, all-gather the parameters. Returns the summed scalars and the norm before clipping.
   */
  update(scalars: number[], clip: number): { scalars: number[]; gradNorm: number } {
    const W = this.group.worldSize;
    const out = torch.noGrad(() =>
      torch.tidy(() => {
        let t0 = performance.now();
        const sc = torch.tensor(new Float64Array(scalars));
        const works: Work[] = [this.group.allReduceAsync(sc, "sum")];
        const gradShards = this.flat.map((f) => {
          const flat = this.flatten(f, f.params.map((p) => p.grad ?? torch.zerosLike(p)));
          const chunks = Array.from({ length: W }, (_, r) => flat.narrow(0, r * f.slice, f.slice));
          const mine = torch.zeros([f.slice], { dtype: f.shard.dtype, device: f.shard.device });
          works.push(this.group.reduceScatterAsync(mine, chunks, "sum"));
          return mine;
        });
        for (const w of works) w.wait();
        this.commSeconds += (performance.now() - t0) / 1000;
        // global norm: Σ over slices of ‖slice‖² (padding is zero), summed across ranks (as clipGradNorm: float32 norms)
        const sq = torch.stack(gradShards.map((g) => g.norm(2))).square().sum().to("float64");
        t0 = performance.now();
        this.group.allReduce(sq, "sum");
        this.commSeconds += (performance.now() - t0) / 1000;
        const total = Math.sqrt(sq.item());
        const coef = clip / (total + 1e-6);
        if (coef < 1) for (const g of gradShards) g.mul_(coef);
        this.flat.forEach((f, i) => (f.shard.grad = gradShards[i]!));
        this.inner.step();
        this.inner.zeroGrad();
        t0 = performance.now();
        for (const f of this.flat) {
          const full = torch.zeros([f.slice * W], { dtype: f.shard.dtype, device: f.shard.device });
          this.group.allGather(Array.from({ length: W }, (_, r) => full.narrow(0, r * f.slice, f.slice)), f.shard);
          unflattenInto(full, f.params);
        }
        this.commSeconds += (performance.now() - t0) / 1000;
        return { scalars: Array.from(sc.data() as Float64Array), gradNorm: total };
      }),
    );
    this.zeroGrad();
    return out;
  }

  /** Collective: the full moments under one-process AdamW names (exp_avg.G.I, exp_avg_sq.G.I); rank 0 gets them
   * (kept: the caller disposes), other ranks get an empty map. */
  gatherState(): Map<string, torch.Tensor> {
    const inner = this.inner.stateTensors();
    const out = new Map<string, torch.Tensor>();
    torch.noGrad(() =>
      torch.tidy(() => {
        this.flat.forEach((f, gi) => {
          for (const kind of ["exp_avg", "exp_avg_sq"]) {
            const full = torch.zeros([f.slice * this.group.worldSize], { dtype: f.shard.dtype, device: f.shard.device });
            const chunks = Array.from({ length: this.group.worldSize }, (_, r) => full.narrow(0, r * f.slice, f.slice));
            const t0 = performance.now();
            this.group.allGather(chunks, inner.get(`${kind}.${gi}.0`)!);
            this.commSeconds += (performance.now() - t0) / 1000;
            if (this.group.rank !== 0) continue;
            let off = 0;
            f.params.forEach((p, i) => {
              out.set(`${kind}.${gi}.${i}`, torch.keep(full.narrow(0, off, p.numel).reshape(...p.shape).clone()));
              off += p.numel;
            });
          }
        });
      }),
    );
    return out;
  }

  /** Load one-process AdamW state (every rank reads the same full tensors and keeps its slice). */
  loadStateTensors(state: Map<string, torch.Tensor>, stepCount: number): void {
    const mine = new Map<string, torch.Tensor>();
    torch.noGrad(() =>
      torch.tidy(() => {
        this.flat.forEach((f, gi) => {
          for (const kind of ["exp_avg", "exp_avg_sq"]) {
            const ts = f.params.map((_, i) => {
              const t = state.get(`${kind}.${gi}.${i}`);
              if (!t) throw new Error(`optimizer state: missing ${kind}.${gi}.${i}`);
              return t;
            });
            mine.set(`${kind}.${gi}.0`, this.flatten(f, ts).narrow(0, this.group.rank * f.slice, f.slice));
          }
        });
        this.inner.loadStateTensors(mine, stepCount);
      }),
    );
  }

  /** This rank's moments as flat slices KIND.G (the sharded checkpoint format, src/train/shard-io.ts); the
   * optimizer's own tensors: do not dispose. */
  localSlices(): Map<string, torch.Tensor> {
    const inner = this.inner.stateTensors(), out = new Map<string, torch.Tensor>();
    this.flat.forEach((_, gi) => {
      for (const kind of MOMENT_KINDS) out.set(`${kind}.${gi}`, inner.get(`${kind}.${gi}.0`)!);
    });
    return out;
  }

  /** Load this rank's slice straight from a sharded checkpoint of any world size (reads only the rank files
   * that overlap it). The caller has checked that the checkpoint's layout is this optimizer's. */
  loadFromShards(reader: ShardReader): void {
    const mine = new Map<string, torch.Tensor>();
    torch.noGrad(() =>
      torch.tidy(() => {
        this.flat.forEach((f, gi) => {
          for (const kind of MOMENT_KINDS) mine.set(`${kind}.${gi}.0`, reader.range(gi, kind, this.group.rank * f.slice, f.slice));
        });
        this.inner.loadStateTensors(mine, reader.index.stepCount);
      }),
    );
  }

  /** Bytes of optimizer state this rank holds (moments of its slice, float32), from the live tensors. */
  stateBytes(): number {
    let n = 0;
    for (const t of this.inner.stateTensors().values()) n += t.numel * 4;
    return n;
  }

  dispose(): void {
    this.inner.dispose();
    for (const f of this.flat) f.shard.dispose();
  }
}

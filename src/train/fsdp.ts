// Fully sharded data parallel (ZeRO stage 3, Rajbhandari et al. 2020; the flat parameters of PyTorch FSDP,
// Zhao et al. 2023): parameters, gradients and AdamW state sharded. The model is cut into units — each
// transformer block, and the "root" (embedding, final norm, head). Each unit's parameters of one AdamW group
// (decay / no decay) form a flat space padded to slice·W; rank r permanently holds elements [r·slice,
// (r+1)·slice) of it (`shard`), the AdamW moments of that slice and a gradient accumulator of the same size.
// Between uses a unit's parameter tensors hold no storage: they are pointed (aten::set_ under no-grad) at an
// empty tensor, and, when needed, at views of an all-gathered flat buffer. The walk over units is activation
// checkpointing's (src/train/checkpointing.ts): forward block by block under no-grad (gather → forward →
// release), then for blocks last → first gather again, recompute with grad from the saved input, backward into
// a flat gradient buffer (each parameter's .grad is a view of it, so autograd accumulates in place), reduce-
// scatter it into this rank's accumulator, free. The root stays gathered for the whole micro-batch (it is
// used first and last). The update is ZeRO-1's: global norm from the slices (norms² all-reduced), clip, AdamW
// on the slices — elementwise, so the same update as one process. Overlap (`overlap`, default on): the next
// unit's all-gather is started as soon as the current one is installed (forward: block i+1; after the last
// forward block, that block again for its recomputation; backward: block i−1) and waited for only when that
// unit is needed; a unit's gradient reduce-scatter stays in flight through the next unit's backward (at most
// one in flight; waited before the next one starts and before the update). Gloo runs the collectives on its own
// threads while this thread computes; the values and the order of every sum are unchanged (bit-exact). Memory:
// two units gathered at a time instead of one, plus one unit's gradient in flight.
// Checkpoints stay consolidated and world-size independent: gatherWeights() / gatherState() rebuild the full
// tensors under one-process names on rank 0; loadStateTensors() takes those; shardParameters() cuts a full
// model (just built, loaded or initialised) into slices.
import * as torch from "../torch/index.js";
import type { ProcessGroup, Work } from "../torch/distributed.js";
import type { ProteinLM } from "../model/index.js";
import type { Unit, UnitHooks } from "./checkpointing.js";
import { decayGroups } from "./step.js";

/** One unit's parameters of one AdamW group as one flat space. */
interface FlatParam {
  params: torch.Tensor[];
  /** the parameters' shapes (a released parameter's own shape is [0]) */
  shapes: number[][];
  numel: number;
  /** elements per rank (numel padded to slice · W) */
  slice: number;
  /** AdamW group (0 decay, 1 none) and each parameter's index in it, as one process's AdamW names them */
  group: number;
  indices: number[];
  /** this rank's slice of the flat parameters: a parameter of the inner AdamW */
  shard: torch.Tensor;
  /** this rank's slice of the step's summed gradient, accumulated over micro-batches */
  gradShard: torch.Tensor;
  /** the full flat gradient while the unit's backward runs (in the parameters' dtype) */
  gradFlat: torch.Tensor | null;
  /** the parameters' dtype (bf16 under bf16-params, whose slices and accumulators are fp32 masters) */
  paramDtype: torch.DType;
}

export class FullyShardedModel {
  private readonly units = new Map<Unit, FlatParam[]>();
  private readonly inner: torch.AdamW;
  private readonly innerName = new Map<FlatParam, string>();
  private readonly gathered = new Set<Unit>();
  private readonly L: number;
  /** a unit's all-gather started ahead of its use */
  private pendingGather: { u: Unit; works: Work[]; fulls: torch.Tensor[]; kept: torch.Tensor[] } | null = null;
  /** the last unit's reduce-scatter, still in flight */
  private pendingReduce: { flats: FlatParam[]; works: Work[]; outs: torch.Tensor[]; kept: torch.Tensor[] } | null = null;
  /** inside a training walk (prepareGrads("root") … gradsReady("root")), and past its forward */
  private training = false;
  private backward = false;
  /** inside a walk over the units (gather("root") … release of the root): only then is the next unit known */
  private walking = false;
  /** seconds this thread spent launching and waiting for collectives since construction (with overlap: the
   * communication not hidden behind compute) */
  commSeconds = 0;
  /** gathers served by a prefetch, and prefetches dropped unused */
  readonly prefetches = { used: 0, dropped: 0 };
  /** gather / release / prepareGrads / gradsReady for the unit walk of src/train/checkpointing.ts */
  readonly hooks: UnitHooks;

  constructor(
    readonly group: ProcessGroup,
    readonly model: ProteinLM,
    weightDecay: number,
    opts: { lr: number; beta1: number; beta2: number; eps: number },
    /** dtype of the slices, gradient accumulators and moments: float32 behind bf16 parameters (bf16-params) */
    masterDtype?: torch.DType,
    /** prefetch the next unit's all-gather and keep reduce-scatters in flight (false: every collective waited at once) */
    readonly overlap = true,
  ) {
    const W = group.worldSize;
    this.L = model.layers.length;
    // one process's AdamW layout (decayGroups): parameter → [group, index]
    const groups = decayGroups(model, weightDecay);
    const place = new Map<torch.Tensor, [number, number]>();
    groups.forEach((g, gi) => g.params.forEach((p, i) => place.set(p, [gi, i])));
    const byUnit = new Map<Unit, torch.Tensor[][]>();
    for (const [name, p] of model.namedParameters()) {
      const u: Unit = model.unitOf(name);
      if (!byUnit.has(u)) byUnit.set(u, groups.map(() => []));
      byUnit.get(u)![place.get(p)![0]]!.push(p);
    }
    const innerGroups: torch.Tensor[][] = groups.map(() => []);
    for (const [u, perGroup] of byUnit) {
      const flats: FlatParam[] = [];
      perGroup.forEach((params, gi) => {
        if (!params.length) return;
        const numel = params.reduce((a, p) => a + p.numel, 0);
        const slice = Math.max(1, Math.ceil(numel / W));
        const o = { dtype: masterDtype ?? params[0]!.dtype, device: params[0]!.device };
        const f: FlatParam = {
          params, shapes: params.map((p) => [...p.shape]), numel, slice, group: gi, indices: params.map((p) => place.get(p)![1]),
          shard: torch.keep(torch.zeros([slice], o)), gradShard: torch.keep(torch.zeros([slice], o)), gradFlat: null, paramDtype: params[0]!.dtype,
        };
        this.innerName.set(f, `${gi}.${innerGroups[gi]!.length}`);
        innerGroups[gi]!.push(f.shard);
        flats.push(f);
      });
      this.units.set(u, flats);
    }
    this.inner = new torch.AdamW(groups.map((g, gi) => ({ params: innerGroups[gi]!, weightDecay: g.weightDecay })), { ...opts, weightDecay: 0 });
    for (const u of this.units.keys()) this.gathered.add(u); // the model was built whole
    this.hooks = {
      gather: (u) => this.gather(u),
      release: (u) => this.release(u),
      prepareGrads: (u) => this.prepareGrads(u),
      gradsReady: (u) => this.gradsReady(u),
    };
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

  private timed<T>(fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.commSeconds += (performance.now() - t0) / 1000;
    }
  }

  /** A flat space's per-parameter tensors (shaped like its parameters) as one flat tensor padded to slice · W. */
  private flatten(f: FlatParam, ts: torch.Tensor[]): torch.Tensor {
    const pad = f.slice * this.group.worldSize - f.numel;
    const parts = ts.map((t) => (t.dtype === f.shard.dtype ? t.reshape(-1) : t.reshape(-1).to(f.shard.dtype)));
    if (pad > 0) parts.push(torch.zeros([pad], { dtype: f.shard.dtype, device: f.shard.device }));
    return torch.cat(parts);
  }

  /** The W chunks of a flat tensor of slice · W elements (views). */
  private chunks(f: FlatParam, flat: torch.Tensor): torch.Tensor[] {
    return Array.from({ length: this.group.worldSize }, (_, r) => flat.narrow(0, r * f.slice, f.slice));
  }

  /** All-gather a unit's flat spaces (every rank gets the full tensors; the caller tidies them). */
  private gatherFlats(u: Unit, from: (f: FlatParam) => torch.Tensor): torch.Tensor[] {
    const W = this.group.worldSize;
    return this.timed(() => {
      const works: Work[] = [];
      const fulls = this.units.get(u)!.map((f) => {
        const full = torch.empty([f.slice * W], { dtype: f.shard.dtype, device: f.shard.device });
        works.push(this.group.allGatherAsync(this.chunks(f, full), from(f)));
        return full;
      });
      for (const w of works) w.wait();
      return fulls;
    });
  }

  /** Start the all-gather of a unit's slices (kept buffers; the caller installs or discards it). */
  private startGather(u: Unit): { u: Unit; works: Work[]; fulls: torch.Tensor[]; kept: torch.Tensor[] } {
    const W = this.group.worldSize;
    return this.timed(() => torch.noGrad(() => torch.tidy(() => {
      const works: Work[] = [], kept: torch.Tensor[] = [];
      const fulls = this.units.get(u)!.map((f) => {
        const full = torch.keep(torch.empty([f.slice * W], { dtype: f.shard.dtype, device: f.shard.device }));
        const chunks = torch.keep(this.chunks(f, full));
        kept.push(...chunks);
        works.push(this.group.allGatherAsync(chunks, f.shard));
        return full;
      });
      return { u, works, fulls, kept };
    })));
  }

  private waitAll(works: Work[]): void {
    this.timed(() => {
      for (const w of works) w.wait();
    });
  }

  /** Wait for whatever is in flight: a prefetched gather is dropped, a reduce-scatter added to the accumulators. */
  private drain(): void {
    const pg = this.pendingGather;
    this.pendingGather = null;
    if (pg) {
      this.waitAll(pg.works);
      torch.dispose([...pg.fulls, ...pg.kept]);
    }
    this.finishReduce();
  }

  /** The unit gathered next in this walk (forward: i+1; backward: i−1), or null. */
  private nextAfter(u: Unit): Unit | null {
    if (u === "root") return this.L > 0 ? 0 : null;
    if (this.backward) return u > 0 ? u - 1 : null;
    return u + 1 < this.L ? u + 1 : null;
  }

  private prefetch(u: Unit | null): void {
    if (!this.overlap || !this.walking || u === null || this.gathered.has(u) || this.pendingGather) return;
    this.pendingGather = this.startGather(u);
  }

  /** Collective: the unit's parameters become views of the all-gathered flat buffer (no-op when present). */
  gather(u: Unit): void {
    if (u === "root") this.backward = false, this.walking = true;
    if (this.gathered.has(u)) return;
    let pg = this.pendingGather;
    this.pendingGather = null;
    if (pg && pg.u !== u) {
      // every rank walks the same units, so a mismatch is the same everywhere: drop it
      this.waitAll(pg.works);
      torch.dispose([...pg.fulls, ...pg.kept]);
      this.prefetches.dropped++;
      pg = null;
    }
    if (pg) this.prefetches.used++;
    pg ??= this.startGather(u);
    this.waitAll(pg.works);
    const ready = pg;
    torch.noGrad(() =>
      torch.tidy(() => {
        this.units.get(u)!.forEach((f, k) => {
          const full = f.paramDtype === f.shard.dtype ? ready.fulls[k]! : ready.fulls[k]!.to(f.paramDtype); // fp32 masters → bf16
          let off = 0;
          f.params.forEach((p, i) => {
            const n = f.shapes[i]!.reduce((a, b) => a * b, 1);
            p.set_(full.narrow(0, off, n).view(...f.shapes[i]!));
            off += n;
          });
        });
      }),
    );
    torch.dispose([...pg.fulls, ...pg.kept]); // the parameters' views hold the storage
    this.gathered.add(u);
    this.prefetch(this.nextAfter(u));
  }

  /** The unit's parameter tensors give up their storage (each becomes an empty tensor). */
  release(u: Unit): void {
    if (!this.gathered.has(u)) return;
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const f of this.units.get(u)!) {
          for (const p of f.params) p.set_(torch.empty([0], { dtype: f.paramDtype, device: f.shard.device }));
        }
      }),
    );
    this.gathered.delete(u);
    if (u === "root") this.walking = false;
    // the last block's forward is done: its recomputation for backward comes next
    if (this.training && !this.backward && u === this.L - 1) {
      this.backward = true;
      this.prefetch(u);
    }
  }

  /** Each parameter's .grad := a view of one zeroed flat buffer per flat space (autograd adds in place). */
  private prepareGrads(u: Unit): void {
    if (u === "root") this.training = true, this.backward = false;
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const f of this.units.get(u)!) {
          const flat = torch.keep(torch.zeros([f.slice * this.group.worldSize], { dtype: f.paramDtype, device: f.shard.device }));
          f.gradFlat = flat;
          let off = 0;
          f.params.forEach((p, i) => {
            const n = f.shapes[i]!.reduce((a, b) => a * b, 1);
            p.grad = flat.narrow(0, off, n).view(...f.shapes[i]!);
            off += n;
          });
        }
      }),
    );
  }

  /** Collective: reduce-scatter the unit's gradients (summed over ranks) into this rank's accumulators (with
   * overlap: started now, added when the next unit's gradients are ready or before the update), then drop the
   * full gradients and release the parameters. */
  private gradsReady(u: Unit): void {
    this.finishReduce(); // at most one in flight
    const flats = this.units.get(u)!;
    this.pendingReduce = this.timed(() => torch.noGrad(() =>
      torch.tidy(() => {
        const works: Work[] = [], kept: torch.Tensor[] = [];
        const outs = flats.map((f) => {
          const m = torch.keep(torch.zeros([f.slice], { dtype: f.shard.dtype, device: f.shard.device }));
          const g = f.gradFlat!.dtype === f.shard.dtype ? f.gradFlat! : torch.keep(f.gradFlat!.to(f.shard.dtype)); // summed in fp32
          if (g !== f.gradFlat) kept.push(g);
          const chunks = torch.keep(this.chunks(f, g));
          kept.push(...chunks);
          works.push(this.group.reduceScatterAsync(m, chunks, "sum"));
          return m;
        });
        return { flats, works, outs, kept };
      }),
    ));
    for (const f of flats) {
      for (const p of f.params) p.zeroGrad();
      if (f.gradFlat) this.pendingReduce.kept.push(f.gradFlat); // the reduce-scatter reads it: freed when done
      f.gradFlat = null;
    }
    this.release(u);
    if (u === "root") this.training = false, this.backward = false;
    if (!this.overlap) this.finishReduce();
  }

  /** Wait for the reduce-scatter in flight and add it into the accumulators. */
  private finishReduce(): void {
    const pr = this.pendingReduce;
    if (!pr) return;
    this.pendingReduce = null;
    this.waitAll(pr.works);
    torch.noGrad(() => pr.flats.forEach((f, k) => f.gradShard.add_(pr.outs[k]!)));
    torch.dispose([...pr.outs, ...pr.kept]);
  }

  /** Collective: take rank 0's full parameters (the model as built, loaded or initialised; or `source(p)` of
   * each, the fp32 masters under bf16-params), keep this rank's slice of each flat space, release every unit. */
  shardParameters(source: (p: torch.Tensor) => torch.Tensor = (p) => p): void {
    this.drain();
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const [u, flats] of this.units) {
          if (!this.gathered.has(u)) throw new Error(`shardParameters: unit ${u} is not whole`);
          for (const f of flats) {
            const flat = this.flatten(f, f.params.map(source));
            this.timed(() => this.group.broadcast(flat, 0));
            f.shard.copy_(flat.narrow(0, this.group.rank * f.slice, f.slice));
          }
        }
      }),
    );
    for (const u of this.units.keys()) this.release(u);
  }

  zeroGrad(): void {
    torch.noGrad(() => {
      for (const flats of this.units.values()) for (const f of flats) f.gradShard.zero_();
    });
  }

  /**
   * After the step's micro-batches (whose gradients are in the accumulators): sum `scalars` across ranks, clip
   * by the global gradient norm, AdamW on this rank's slices. Returns the summed scalars and the norm before
   * clipping. Parameters stay released: the next forward gathers them.
   */
  update(scalars: number[], clip: number): { scalars: number[]; gradNorm: number } {
    this.drain(); // the last reduce-scatter lands before the norm; no gather of old slices survives the update
    const flats = [...this.units.values()].flat();
    const out = torch.noGrad(() =>
      torch.tidy(() => {
        const sc = torch.tensor(new Float64Array(scalars));
        // global norm: Σ over slices of ‖slice‖² (padding is zero), summed across ranks
        const sq = torch.stack(flats.map((f) => f.gradShard.norm(2))).square().sum().to("float64");
        this.timed(() => {
          const works = [this.group.allReduceAsync(sc, "sum"), this.group.allReduceAsync(sq, "sum")];
          for (const w of works) w.wait();
        });
        const total = Math.sqrt(sq.item());
        const coef = clip / (total + 1e-6);
        if (coef < 1) for (const f of flats) f.gradShard.mul_(coef);
        for (const f of flats) f.shard.grad = f.gradShard;
        this.inner.step();
        this.inner.zeroGrad();
        return { scalars: Array.from(sc.data() as Float64Array), gradNorm: total };
      }),
    );
    this.zeroGrad();
    return out;
  }

  // ---- consolidated checkpoints (full tensors under one-process names); a sharded format can wire here ----

  /** Collective: the full parameters by dotted name; rank 0 gets them (kept: the caller disposes), the other
   * ranks an empty map. Units stay released. */
  gatherWeights(): Map<string, torch.Tensor> {
    this.drain();
    const names = new Map<torch.Tensor, string>(this.model.namedParameters().map(([n, p]) => [p, n]));
    const out = new Map<string, torch.Tensor>();
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const [u, flats] of this.units) {
          if (this.gathered.has(u)) throw new Error(`gatherWeights: unit ${u} is gathered (called inside a step?)`);
          const fulls = this.gatherFlats(u, (f) => f.shard);
          if (this.group.rank !== 0) continue;
          flats.forEach((f, k) => this.split(f, fulls[k]!, (i, t) => out.set(names.get(f.params[i]!)!, t)));
        }
      }),
    );
    return out;
  }

  /** Collective: the AdamW moments under one-process names (exp_avg.G.I, exp_avg_sq.G.I); rank 0 gets them
   * (kept: the caller disposes), the other ranks an empty map. */
  gatherState(): Map<string, torch.Tensor> {
    this.drain();
    const inner = this.inner.stateTensors();
    const out = new Map<string, torch.Tensor>();
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const [u, flats] of this.units) {
          for (const kind of ["exp_avg", "exp_avg_sq"]) {
            const fulls = this.gatherFlats(u, (f) => inner.get(`${kind}.${this.innerName.get(f)!}`)!);
            if (this.group.rank !== 0) continue;
            flats.forEach((f, k) => this.split(f, fulls[k]!, (i, t) => out.set(`${kind}.${f.group}.${f.indices[i]}`, t)));
          }
        }
      }),
    );
    return out;
  }

  /** The flat tensor's pieces, one per parameter, shaped and cloned (kept). */
  private split(f: FlatParam, flat: torch.Tensor, put: (i: number, t: torch.Tensor) => void): void {
    let off = 0;
    f.shapes.forEach((shape, i) => {
      const n = shape.reduce((a, b) => a * b, 1);
      put(i, torch.keep(flat.narrow(0, off, n).view(...shape).clone()));
      off += n;
    });
  }

  /** Load one-process AdamW state (every rank reads the same full tensors and keeps its slices). */
  loadStateTensors(state: Map<string, torch.Tensor>, stepCount: number): void {
    const mine = new Map<string, torch.Tensor>();
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const flats of this.units.values()) {
          for (const f of flats) {
            for (const kind of ["exp_avg", "exp_avg_sq"]) {
              const ts = f.indices.map((i) => {
                const t = state.get(`${kind}.${f.group}.${i}`);
                if (!t) throw new Error(`optimizer state: missing ${kind}.${f.group}.${i}`);
                return t;
              });
              mine.set(`${kind}.${this.innerName.get(f)!}`, this.flatten(f, ts).narrow(0, this.group.rank * f.slice, f.slice));
            }
          }
        }
        this.inner.loadStateTensors(mine, stepCount);
      }),
    );
  }

  // ---- memory, counted from the live tensors ----

  /** Bytes of AdamW moments this rank holds. */
  stateBytes(): number {
    let n = 0;
    for (const t of this.inner.stateTensors().values()) n += t.numel * torch.BYTES_PER_ELEMENT[t.dtype];
    return n;
  }

  /** Bytes of parameters this rank holds: its slices plus whatever the model's parameter tensors hold now
   * (nothing between uses: a released parameter is an empty tensor). */
  parameterBytes(): number {
    let n = modelParameterBytes(this.model);
    for (const flats of this.units.values()) for (const f of flats) n += f.slice * torch.BYTES_PER_ELEMENT[f.shard.dtype];
    return n;
  }

  dispose(): void {
    try {
      this.drain();
    } catch { /* a failed collective: the group is gone; free the tensors anyway */ }
    this.inner.dispose();
    for (const flats of this.units.values()) {
      for (const f of flats) {
        f.shard.dispose();
        f.gradShard.dispose();
        f.gradFlat?.dispose();
      }
    }
  }
}

/** Bytes the model's parameter tensors hold now (numel × element size of each, as they are shaped now). */
export function modelParameterBytes(model: ProteinLM): number {
  let n = 0;
  for (const p of model.parameters()) n += p.numel * torch.BYTES_PER_ELEMENT[p.dtype];
  return n;
}

// How a run is spread over ranks, as one object the training loop talks to: wrap the model (make replicas
// identical or cut it into shards), run a micro-step (forward + backward with the strategy's hooks), update
// (reduce, clip, AdamW; returns the gradient norm), evaluate, report memory, save and load its checkpoint
// state. Four implementations: one process, DDP (ddp.ts), ZeRO-1 (zero.ts ShardedAdamW), ZeRO-3 (fsdp.ts
// FullyShardedModel). `createStrategy` chooses from the config's `parallel` section and the process group: the
// one place where the shard mode is looked at.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import type { Batch } from "../data/batch.js";
import type { ParallelConfig, TrainConfig } from "./config.js";
import { DataParallel, type DistOptions, type ShardMode } from "./ddp.js";
import { ShardedAdamW } from "./zero.js";
import { FullyShardedModel, modelParameterBytes } from "./fsdp.js";
import { decayGroups, microLossBackward, type MicroStepMode, type StepParts } from "./step.js";
import { microBatches } from "./schedule.js";
import { evaluate } from "./evaluate.js";
import { loadRunOptimizer, optimizerLayout, saveRunCheckpoint, type OptimizerCheckpoint, type SaveContext } from "./dist-checkpoint.js";
import { slicesOfFullState, type FlatGroupLayout, type ShardReader } from "./shard-io.js";
import { UserError } from "../core/errors.js";
import { MasterWeights, type PrecisionPolicy } from "./precision.js";
import { loadModelWeights } from "./state-io.js";

export interface TrainStrategy extends StepParts {
  /** the shard mode the run goes with (result.json's `shard`) */
  readonly shard: ShardMode;
  lr: number;
  /** Collective, once before the first step (after loading or initialising): every rank starts from rank 0's
   * parameters (ZeRO-1: and its slice of them; ZeRO-3: cut into slices, the model's tensors emptied). */
  start(): void;
  /** validation loss over fixed batches (collective) */
  evaluate(batches: Batch[], microRows: number): number;
  /** Collective: bytes of AdamW moments and of parameters one rank holds (the largest over ranks), from the
   * live tensors; seconds in collectives so far (undefined: a single process, no collectives). */
  stats(): { optimizerBytes: number; parameterBytes: number; commSeconds?: number };
  /** collective: write a checkpoint of the run (format and the rest from `c`) */
  save(c: Omit<SaveContext, "dist" | "model" | "opt" | "layout">): Promise<void>;
  /** load a checkpoint's optimizer state (either format, any world size it was saved at) */
  loadOptimizer(dir: string): void;
  /** load a checkpoint's weights, before start() (bf16-params: into the fp32 masters); the names not loaded */
  loadWeights(dir: string, o?: { headMayDiffer?: boolean }): string[];
  dispose(): void;
}

export interface StrategyInit {
  model: ProteinLM;
  /** this rank's device (cuda:LOCAL_RANK or cpu) */
  device: string;
  /** the run's parallel section: the shard mode, activation checkpointing, checkpoint format */
  parallel: ParallelConfig;
  optimizer: TrainConfig["optimizer"];
  /** parameter dtype, autocast, master weights (src/train/precision.ts) */
  precision: PrecisionPolicy;
  /** this process is one rank of a process group */
  dist?: DistOptions;
}

/** The strategy config.parallel names, on this process group (a single process without one). */
export function createStrategy(c: StrategyInit): TrainStrategy {
  const W = c.dist?.group.worldSize ?? 1;
  if (c.dist && c.parallel.shard === "full") {
    if (c.model.cfg.dropout > 0) throw new UserError("--shard full recomputes each block in backward and needs model.dropout 0 (the recomputed dropout masks would differ)", 2);
    if (c.parallel.checkpointFormat === "sharded") {
      throw new UserError("--checkpoint-format sharded is not available with --shard full yet (only the AdamW moments of ZeRO-1 and DDP have shard files); use --checkpoint-format consolidated", 2);
    }
    return new FullyShardedStrategy(c);
  }
  if (c.dist && W > 1 && c.parallel.shard === "optimizer") return new ZeroOneStrategy(c);
  return new ReplicatedStrategy(c);
}

const adamOptions = (o: TrainConfig["optimizer"]) => ({ lr: 0, beta1: o.beta1, beta2: o.beta2, eps: o.eps });

/** What every strategy shares: the model, its AdamW groups and flat layout, the micro-step mode. */
abstract class BaseStrategy implements TrainStrategy {
  abstract readonly shard: ShardMode;
  abstract lr: number;
  protected readonly model: ProteinLM;
  protected readonly dist?: DistOptions;
  protected readonly device: string;
  protected readonly groups: { params: torch.Tensor[]; weightDecay: number }[];
  protected readonly layout: FlatGroupLayout[];
  protected readonly mode: MicroStepMode;
  protected abstract readonly checkpoint: OptimizerCheckpoint;
  /** bf16-params: fp32 copies of the parameters (kept by one process and DDP; under ZeRO-1/3 until start()
   * has cut them into the optimizer's slices) */
  protected masters: MasterWeights | null;
  protected readonly bf16Params: boolean;

  constructor(c: StrategyInit) {
    this.model = c.model, this.dist = c.dist, this.device = c.device;
    this.bf16Params = c.precision.masterWeights;
    // the model is cast before anything holds its parameters (the cast replaces the tensors)
    this.masters = c.precision.masterWeights ? new MasterWeights(c.model, "bfloat16") : null;
    this.groups = decayGroups(c.model, c.optimizer.weightDecay);
    this.layout = optimizerLayout(c.model, this.groups, c.dist?.group.worldSize ?? 1);
    this.mode = { device: c.device, autocast: c.precision.autocast, checkpointActivations: c.parallel.checkpointActivations };
  }

  /** the tensors the optimizer updates in place of each parameter (its fp32 master under bf16-params) */
  protected optimized(ps: torch.Tensor[]): torch.Tensor[] {
    const m = this.masters;
    return m ? ps.map((p) => m.masterOf(p)) : ps;
  }

  loadWeights(dir: string, o: { headMayDiffer?: boolean } = {}): string[] {
    return loadModelWeights(dir, this.masters?.holder ?? this.model, o);
  }

  abstract start(): void;
  abstract update(scalars: number[], clip: number): { scalars: number[]; gradNorm: number };
  protected abstract memory(): { optimizer: number; parameters: number };
  protected abstract get commSeconds(): number | undefined;
  abstract dispose(): void;

  microBatchCount(rows: number, _globalRows: number, microRows: number): number {
    return microBatches(rows, microRows).length;
  }

  microStep(mb: Batch | null, denom: number): number {
    return microLossBackward(this.model, mb, denom, this.mode);
  }

  evaluate(batches: Batch[], microRows: number): number {
    return evaluate(this.model, batches, this.device, microRows, this.dist, this.mode.units, this.mode.autocast);
  }

  stats(): { optimizerBytes: number; parameterBytes: number; commSeconds?: number } {
    const m = this.memory(), comm = this.commSeconds;
    const out = (optimizerBytes: number, parameterBytes: number) => ({ optimizerBytes, parameterBytes, ...(comm !== undefined ? { commSeconds: comm } : {}) });
    if (!this.dist || this.dist.group.worldSize === 1) return out(m.optimizer, m.parameters);
    const t = torch.tensor(new Float64Array([m.optimizer, m.parameters]));
    try {
      this.dist.group.allReduce(t, "max");
      const [o, p] = t.data() as Float64Array;
      return out(o!, p!);
    } finally {
      t.dispose();
    }
  }

  save(c: Omit<SaveContext, "dist" | "model" | "opt" | "layout">): Promise<void> {
    return saveRunCheckpoint({ ...c, dist: this.dist, model: this.model, opt: this.checkpoint, layout: this.layout });
  }

  loadOptimizer(dir: string): void {
    loadRunOptimizer(dir, this.checkpoint, this.layout, this.device);
  }
}

const adamBytes = (adam: torch.AdamW) => [...adam.stateTensors().values()].reduce((a, t) => a + t.numel * 4, 0);

/** One process, or DDP: every rank holds a full replica and AdamW; gradients all-reduced in buckets. */
class ReplicatedStrategy extends BaseStrategy {
  readonly shard: ShardMode;
  private readonly adam: torch.AdamW;
  private readonly ddp: DataParallel | null;
  /** what AdamW updates and clipping measures: the parameters, or their fp32 masters */
  private readonly params: torch.Tensor[];
  protected readonly checkpoint: OptimizerCheckpoint;

  constructor(c: StrategyInit) {
    super(c);
    this.shard = c.dist ? c.parallel.shard : "none";
    this.adam = new torch.AdamW(this.groups.map((g) => ({ params: this.optimized(g.params), weightDecay: g.weightDecay })), adamOptions(c.optimizer));
    this.params = this.optimized(this.model.parameters());
    const W = c.dist?.group.worldSize ?? 1;
    this.ddp = c.dist && W > 1 ? new DataParallel(c.dist.group, this.params, c.dist.bucketBytes) : null;
    const adam = this.adam, masters = this.masters;
    this.checkpoint = {
      get stepCount() { return adam.stepCount; },
      consolidatedMoments: () => ({ tensors: adam.stateTensors(), owned: false }),
      consolidatedWeights: () => (masters ? { tensors: masters.byName, owned: false } : null),
      momentSlices: (layout, rank, w) => ({ tensors: slicesOfFullState(adam.stateTensors(), layout, rank, w), owned: true }),
      loadMoments: (s, n) => adam.loadStateTensors(s, n),
      shardedRefusal: null,
    };
  }

  get lr(): number { return this.adam.lr; }
  set lr(v: number) { this.adam.lr = v; }

  start(): void {
    this.ddp?.broadcastParameters();
    this.masters?.toParams();
  }

  update(scalars: number[], clip: number): { scalars: number[]; gradNorm: number } {
    this.masters?.gradsFromParams(); // bf16 gradients → the masters' fp32 gradients (reduced and clipped in fp32)
    const summed = this.ddp ? this.ddp.reduce(scalars) : scalars;
    const gradNorm = torch.clipGradNorm(this.params, clip);
    this.adam.step();
    this.adam.zeroGrad();
    this.masters?.toParams();
    return { scalars: summed, gradNorm };
  }

  protected memory() {
    return { optimizer: adamBytes(this.adam) + (this.masters?.bytes() ?? 0), parameters: modelParameterBytes(this.model) };
  }
  protected get commSeconds() { return this.ddp?.commSeconds; }
  dispose(): void {
    this.adam.dispose();
    this.masters?.dispose();
  }
}

/** ZeRO-1: replicas, AdamW moments for this rank's slice only (reduce-scatter, update slice, all-gather). */
class ZeroOneStrategy extends BaseStrategy {
  readonly shard: ShardMode = "optimizer";
  private readonly opt: ShardedAdamW;
  private readonly ddp: DataParallel;
  protected readonly checkpoint: OptimizerCheckpoint;

  constructor(c: StrategyInit) {
    super(c);
    const dist = c.dist!;
    this.opt = new ShardedAdamW(dist.group, this.groups, adamOptions(c.optimizer), this.bf16Params ? "float32" : undefined);
    this.ddp = new DataParallel(dist.group, this.optimized(this.model.parameters()), dist.bucketBytes); // for the start broadcast
    const opt = this.opt;
    const names = new Map(this.model.namedParameters().map(([n, p]) => [p, n] as const));
    // bf16-params: the fp32 masters are the slices; rank 0 gathers them to write the weights
    const gatherMasters = () => ({ tensors: new Map([...opt.gatherParams()].map(([p, t]) => [names.get(p)!, t] as const)), owned: true });
    this.checkpoint = {
      get stepCount() { return opt.stepCount; },
      consolidatedMoments: () => ({ tensors: opt.gatherState(), owned: true }),
      consolidatedWeights: () => (this.bf16Params ? gatherMasters() : null),
      momentSlices: () => ({ tensors: opt.localSlices(), owned: false }), // its live moments
      loadMoments: (s, n) => opt.loadStateTensors(s, n),
      loadMomentShards: (r: ShardReader) => opt.loadFromShards(r),
      shardedRefusal: null,
    };
  }

  get lr(): number { return this.opt.lr; }
  set lr(v: number) { this.opt.lr = v; }

  start(): void {
    this.ddp.broadcastParameters();
    const m = this.masters;
    this.opt.copyFromParams(m ? (p) => m.masterOf(p) : undefined);
    if (m) {
      m.toParams();
      m.dispose(); // from here the masters are this rank's slices
      this.masters = null;
    }
  }

  update(scalars: number[], clip: number) {
    return this.opt.update(scalars, clip);
  }

  protected memory() {
    return { optimizer: this.opt.stateBytes() + (this.bf16Params ? this.opt.sliceBytes() : 0), parameters: modelParameterBytes(this.model) };
  }
  protected get commSeconds() { return this.ddp.commSeconds + this.opt.commSeconds; }
  dispose(): void {
    this.opt.dispose();
    this.masters?.dispose();
  }
}

/** ZeRO-3: parameters, gradients and moments sharded by unit (block), gathered on use over the checkpointed walk. */
class FullyShardedStrategy extends BaseStrategy {
  readonly shard: ShardMode = "full";
  private readonly fsdp: FullyShardedModel;
  protected readonly checkpoint: OptimizerCheckpoint;

  constructor(c: StrategyInit) {
    super(c);
    // PLMSCALE_FSDP_OVERLAP=0: every collective waited at once (the "before" of bench:distributed)
    const overlap = process.env.PLMSCALE_FSDP_OVERLAP !== "0";
    this.fsdp = new FullyShardedModel(c.dist!.group, this.model, c.optimizer.weightDecay, adamOptions(c.optimizer), this.bf16Params ? "float32" : undefined, overlap);
    this.mode.units = this.fsdp.hooks;
    const f = this.fsdp;
    this.checkpoint = {
      get stepCount() { return f.stepCount; },
      consolidatedMoments: () => ({ tensors: f.gatherState(), owned: true }),
      consolidatedWeights: () => ({ tensors: f.gatherWeights(), owned: true }),
      momentSlices: () => { throw new Error("sharded checkpoints of --shard full are not implemented (refused at start)"); },
      loadMoments: (s, n) => f.loadStateTensors(s, n),
      shardedRefusal: "sharded checkpoints of --shard full are not implemented (refused at start)",
    };
  }

  get lr(): number { return this.fsdp.lr; }
  set lr(v: number) { this.fsdp.lr = v; }

  start(): void {
    // rank 0's parameters (bf16-params: their fp32 masters), cut into slices; the model's tensors are empty from here on
    const m = this.masters;
    this.fsdp.shardParameters(m ? (p) => m.masterOf(p) : undefined);
    m?.dispose();
    this.masters = null;
  }

  /** every rank runs as many micro-batches as rank 0 (rows 0, W, 2W, …: the largest share): each holds collectives */
  override microBatchCount(rows: number, globalRows: number, microRows: number): number {
    return Math.max(microBatches(rows, microRows).length, microBatches(Math.ceil(globalRows / this.fsdp.group.worldSize), microRows).length);
  }

  update(scalars: number[], clip: number) {
    return this.fsdp.update(scalars, clip);
  }

  protected memory() {
    return { optimizer: this.fsdp.stateBytes(), parameters: this.fsdp.parameterBytes() };
  }
  protected get commSeconds() { return this.fsdp.commSeconds; }
  dispose(): void {
    this.fsdp.dispose();
    this.masters?.dispose();
  }
}

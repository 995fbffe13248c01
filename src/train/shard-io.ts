// Sharded optimizer checkpoints: "flat groups sliced W ways". Each AdamW parameter group (decay / no decay)
// is one flat space — its parameters concatenated in order, zero-padded to slice · W — and rank r holds
// elements [r·slice, (r+1)·slice) of it (ZeRO, Rajbhandari et al. 2020 §5; src/train/zero.ts keeps its moments
// exactly so). A sharded checkpoint directory holds, besides model.safetensors and state.json (rank 0):
//   optimizer-index.json                       world size, step count, the flat layout (names, shapes, offsets,
//                                              slice size per group) and the state kinds (exp_avg, exp_avg_sq)
//   optimizer-rank-00000-of-00002.safetensors  rank r's slices, tensors "exp_avg.G" / "exp_avg_sq.G" [slice]
// The directory protocol (temp dir, COMPLETE with every file's hash, rename) is checkpoint.ts's; every rank
// writes its file into the same temp dir before rank 0 completes it. Loading reshards: any range of any flat
// group can be read back (only the rank files that overlap it are opened), so a world of any size, sharded or
// not, resumes from it; `consolidatedState` rebuilds one process's AdamW state (exp_avg.G.I …).
// Fully sharded parameters (ZeRO-3) can store their parameter slices under the same layout with more kinds.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as torch from "../torch/index.js";
import { UserError } from "../core/errors.js";

export const SHARD_INDEX_FILE = "optimizer-index.json";
export const SHARD_FORMAT = "plmscale-shards-1";
/** The AdamW moments, in the order one process's AdamW names them (exp_avg.G.I, exp_avg_sq.G.I). */
export const MOMENT_KINDS = ["exp_avg", "exp_avg_sq"] as const;

export interface FlatParam {
  name: string;
  shape: number[];
  /** first element of this parameter in its group's flat space */
  offset: number;
}

export interface FlatGroupLayout {
  params: FlatParam[];
  /** elements of the group (without padding) */
  numel: number;
  /** elements per rank: padded total = slice · worldSize */
  slice: number;
}

export interface ShardIndex {
  format: typeof SHARD_FORMAT;
  worldSize: number;
  /** optimizer steps taken (AdamW's bias correction) */
  stepCount: number;
  kinds: string[];
  dtype: string;
  groups: FlatGroupLayout[];
}

/** Elements per rank of a flat space of `numel` elements cut W ways (at least 1, so every rank has a slice). */
export function sliceSize(numel: number, worldSize: number): number {
  return Math.max(1, Math.ceil(numel / worldSize));
}

/** The flat layout of parameter groups (names and shapes in optimizer order) cut W ways. */
export function flatLayout(groups: { name: string; shape: number[] }[][], worldSize: number): FlatGroupLayout[] {
  return groups.map((g) => {
    let offset = 0;
    const params = g.map((p) => {
      const out = { name: p.name, shape: [...p.shape], offset };
      offset += p.shape.reduce((a, b) => a * b, 1);
      return out;
    });
    return { params, numel: offset, slice: sliceSize(offset, worldSize) };
  });
}

export function shardFileName(rank: number, worldSize: number): string {
  const p = (n: number) => String(n).padStart(5, "0");
  return `optimizer-rank-${p(rank)}-of-${p(worldSize)}.safetensors`;
}

export function isShardedCheckpoint(dir: string): boolean {
  return existsSync(join(dir, SHARD_INDEX_FILE));
}

/** Rank `rank`'s slices (tensor "KIND.G" of `slice` elements for every kind and group) into `dir`. */
export function writeShardFile(dir: string, rank: number, worldSize: number, slices: Map<string, torch.Tensor>): void {
  writeFileSync(join(dir, shardFileName(rank, worldSize)), torch.encodeSafetensors(slices, { format: SHARD_FORMAT, rank: String(rank), worldSize: String(worldSize) }));
}

/** Rank 0, after every rank wrote its file: the index (refused when a rank's file is missing, so no COMPLETE
 * marker can ever name an incomplete set). */
export function writeShardIndex(dir: string, index: ShardIndex): void {
  for (let r = 0; r < index.worldSize; r++) {
    if (!existsSync(join(dir, shardFileName(r, index.worldSize)))) throw new Error(`sharded checkpoint: rank ${r} of ${index.worldSize} wrote no ${shardFileName(r, index.worldSize)}`);
  }
  writeFileSync(join(dir, SHARD_INDEX_FILE), JSON.stringify(index, null, 1));
}

export function readShardIndex(dir: string): ShardIndex {
  const path = join(dir, SHARD_INDEX_FILE);
  let ix: ShardIndex;
  try {
    ix = JSON.parse(readFileSync(path, "utf8")) as ShardIndex;
  } catch (e) {
    throw new UserError(`${path}: unreadable shard index (${(e as Error).message})`);
  }
  if (ix.format !== SHARD_FORMAT || !(Number.isInteger(ix.worldSize) && ix.worldSize >= 1) || !Array.isArray(ix.groups)) {
    throw new UserError(`${path}: not a ${SHARD_FORMAT} index`);
  }
  for (let r = 0; r < ix.worldSize; r++) {
    if (!existsSync(join(dir, shardFileName(r, ix.worldSize)))) throw new UserError(`${dir}: sharded checkpoint lacks ${shardFileName(r, ix.worldSize)}`);
  }
  return ix;
}

/** Throws unless the checkpoint's flat groups hold the same parameters (names, shapes, order) as `want`. */
export function checkSameLayout(saved: FlatGroupLayout[], want: FlatGroupLayout[], where: string): void {
  const sig = (gs: FlatGroupLayout[]) => gs.map((g) => g.params.map((p) => `${p.name}[${p.shape.join("x")}]`).join(","));
  const a = sig(saved), b = sig(want);
  if (a.length !== b.length) throw new UserError(`${where}: optimizer state has ${a.length} parameter groups, this model ${b.length}`);
  a.forEach((s, i) => {
    if (s !== b[i]) throw new UserError(`${where}: optimizer group ${i} holds other parameters than this model's (a different shape or model)`);
  });
}

/** Reads ranges of a sharded checkpoint's flat groups; opens each rank file at most once. Dispose when done. */
export class ShardReader {
  readonly index: ShardIndex;
  private readonly files = new Map<number, Map<string, torch.Tensor>>();

  constructor(readonly dir: string, readonly device = "cpu") {
    this.index = readShardIndex(dir);
  }

  private rankTensors(r: number): Map<string, torch.Tensor> {
    let m = this.files.get(r);
    if (!m) {
      m = torch.loadSafetensors(join(this.dir, shardFileName(r, this.index.worldSize)), { device: this.device }).tensors;
      torch.keep([...m.values()]); // cached across tidy scopes until dispose()
      this.files.set(r, m);
    }
    return m;
  }

  /** Elements [start, start+length) of group g's flat `kind` (zeros past the saved padding), as a new tensor
   * (call inside torch.tidy: the views it cuts are tidied there). */
  range(g: number, kind: string, start: number, length: number): torch.Tensor {
    const grp = this.index.groups[g];
    if (!grp) throw new UserError(`${this.dir}: no optimizer group ${g}`);
    const S = grp.slice, W = this.index.worldSize;
    const parts: torch.Tensor[] = [];
    let pos = start;
    const end = start + length;
    while (pos < end) {
      const r = Math.floor(pos / S);
      if (r >= W) {
        parts.push(torch.zeros([end - pos], { dtype: this.index.dtype as torch.DType, device: this.device }));
        break;
      }
      const t = this.rankTensors(r).get(`${kind}.${g}`);
      if (!t || t.numel !== S) throw new UserError(`${this.dir}: ${shardFileName(r, W)} lacks ${kind}.${g} of ${S} elements`);
      const take = Math.min(end, (r + 1) * S) - pos;
      parts.push(t.narrow(0, pos - r * S, take));
      pos += take;
    }
    return parts.length === 1 ? parts[0]!.clone() : torch.cat(parts);
  }

  /** One process's AdamW state: KIND.G.I shaped like each parameter (tensors the caller disposes). */
  consolidatedState(): Map<string, torch.Tensor> {
    const out = new Map<string, torch.Tensor>();
    torch.tidy(() => {
      this.index.groups.forEach((grp, g) => {
        for (const kind of this.index.kinds) {
          const flat = this.range(g, kind, 0, grp.numel);
          grp.params.forEach((p, i) => {
            const n = p.shape.reduce((a, b) => a * b, 1);
            out.set(`${kind}.${g}.${i}`, torch.keep(flat.narrow(0, p.offset, n).reshape(...p.shape).clone()));
          });
        }
      });
    });
    return out;
  }

  dispose(): void {
    for (const m of this.files.values()) torch.dispose([...m.values()]);
    this.files.clear();
  }
}

/**
 * Rank r's slices of one process's (unsharded) AdamW state under the layout (a DDP replica writing a sharded
 * checkpoint): KIND.G = elements [r·slice, (r+1)·slice) of the flattened, zero-padded moments.
 */
export function slicesOfFullState(state: Map<string, torch.Tensor>, layout: FlatGroupLayout[], rank: number, worldSize: number, kinds: readonly string[] = MOMENT_KINDS): Map<string, torch.Tensor> {
  const out = new Map<string, torch.Tensor>();
  torch.noGrad(() =>
    torch.tidy(() => {
      layout.forEach((grp, g) => {
        for (const kind of kinds) {
          const parts = grp.params.map((_, i) => {
            const t = state.get(`${kind}.${g}.${i}`);
            if (!t) throw new Error(`optimizer state: missing ${kind}.${g}.${i}`);
            return t.reshape(-1);
          });
          const pad = grp.slice * worldSize - grp.numel;
          const dtype = parts[0]?.dtype ?? "float32", device = parts[0]?.device ?? "cpu";
          if (pad > 0) parts.push(torch.zeros([pad], { dtype, device }));
          out.set(`${kind}.${g}`, torch.keep(torch.cat(parts).narrow(0, rank * grp.slice, grp.slice).clone()));
        }
      });
    }),
  );
  return out;
}

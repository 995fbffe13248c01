// Process groups over PyTorch's own c10d (native/src/distributed.cc): a store (FileStore for one machine,
// TCPStore across machines) for the rendezvous, a Gloo process group from rank/world/address, and the
// collectives on tensors this engine owns. Every call has a deadline; a failed collective or a dead peer is an
// Error "rank r/W op failed: …", and the group refuses further use afterwards (a half-done collective leaves
// peers out of step). Synchronous calls wait; `*Async` calls return a Work to wait on later, so several
// collectives (e.g. DDP's buckets) can be in flight together on Gloo's threads.
import { native } from "./native.js";
import type { Tensor } from "./tensor.js";

export type ReduceOp = "sum" | "avg" | "max" | "min" | "product";

/** Where the ranks meet: a file every rank can open (one machine) or rank 0's TCP address. */
export type Rendezvous = { kind: "file"; path: string } | { kind: "tcp"; host: string; port: number };

export interface GroupOptions {
  rank: number;
  worldSize: number;
  rendezvous: Rendezvous;
  /** deadline of the rendezvous and default deadline of every collective (ms; default 60 000) */
  timeoutMs?: number;
  /** address this rank's Gloo device binds to (default 127.0.0.1 for a file rendezvous, else the hostname's) */
  host?: string;
}

/** A failed collective, rendezvous or store call ("rank r/W op failed: …"): an expected failure of a job. */
export class DistributedError extends Error {
  override name = "DistributedError";
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new DistributedError((e as Error).message);
  }
}

/** The addon's dist* functions with their errors turned into DistributedError. */
const dn = new Proxy(native, {
  get: (target, key: keyof typeof native) => (...args: unknown[]) => wrap(() => (target[key] as (...a: unknown[]) => unknown)(...args)),
}) as typeof native;

/** True when the addon was built with c10d (the gloo headers were found at build time). */
export function distributedAvailable(): boolean {
  return native.distAvailable();
}

/** A pending collective: wait() returns when it finished and throws when it failed or ran past its deadline. */
export class Work {
  private done = false;
  private failure: Error | undefined;
  constructor(private readonly id: number, private readonly timeoutMs: number) {}
  /** Waits once; later calls return at once, or throw the same error again when it failed. */
  wait(timeoutMs = this.timeoutMs): void {
    if (this.failure) throw this.failure;
    if (this.done) return;
    try {
      dn.distWait(this.id, timeoutMs);
    } catch (e) {
      this.failure = e as Error;
      throw e;
    } finally {
      this.done = true;
    }
  }
  isCompleted(): boolean {
    return this.done || native.distIsCompleted(this.id);
  }
}

/** A c10d key-value store (the rendezvous); also usable for small string messages between ranks. */
export class Store {
  readonly id: number;
  constructor(r: Rendezvous, worldSize: number, isServer: boolean, timeoutMs: number) {
    this.id = r.kind === "file"
      ? dn.distStoreCreate("file", r.path, 0, worldSize, false, timeoutMs)
      : dn.distStoreCreate("tcp", r.host, r.port, worldSize, isServer, timeoutMs);
  }
  set(key: string, value: string): void {
    dn.distStoreSet(this.id, key, value);
  }
  /** waits for the key up to the store's timeout, then throws */
  get(key: string): string {
    return dn.distStoreGet(this.id, key);
  }
  add(key: string, delta: number): number {
    return dn.distStoreAdd(this.id, key, delta);
  }
  destroy(): void {
    native.distDestroy(this.id);
  }
}

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly timeoutMs: number;
  readonly store: Store;
  private readonly id: number;
  private destroyed = false;

  /** Joins the group: blocks until all `worldSize` ranks have joined, or throws after timeoutMs. */
  constructor(o: GroupOptions) {
    if (!Number.isInteger(o.worldSize) || o.worldSize < 1) throw new Error(`worldSize must be a positive integer, got ${o.worldSize}`);
    if (!Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.worldSize) throw new Error(`rank must be in [0, ${o.worldSize}), got ${o.rank}`);
    this.rank = o.rank;
    this.worldSize = o.worldSize;
    this.timeoutMs = o.timeoutMs ?? 60_000;
    this.store = new Store(o.rendezvous, o.worldSize, o.rank === 0, this.timeoutMs);
    const host = o.host ?? (o.rendezvous.kind === "file" ? "127.0.0.1" : "");
    try {
      this.id = dn.distGroupCreate(this.store.id, o.rank, o.worldSize, this.timeoutMs, "gloo", host);
    } catch (e) {
      this.store.destroy();
      throw e;
    }
  }

  private run(id: number | undefined, async: boolean, timeoutMs: number): Work | undefined {
    return async ? new Work(id!, timeoutMs) : undefined;
  }

  /** In place: t = reduce over ranks of t ("avg" = sum / worldSize). */
  allReduce(t: Tensor, op: ReduceOp = "sum", timeoutMs = this.timeoutMs): void {
    dn.distAllReduce(this.id, t.handle, op, false, timeoutMs);
  }
  allReduceAsync(t: Tensor, op: ReduceOp = "sum", timeoutMs = this.timeoutMs): Work {
    return this.run(dn.distAllReduce(this.id, t.handle, op, true, timeoutMs), true, timeoutMs)!;
  }
  /** In place: every rank's t = root's t. */
  broadcast(t: Tensor, root = 0, timeoutMs = this.timeoutMs): void {
    dn.distBroadcast(this.id, t.handle, root, false, timeoutMs);
  }
  broadcastAsync(t: Tensor, root = 0, timeoutMs = this.timeoutMs): Work {
    return this.run(dn.distBroadcast(this.id, t.handle, root, true, timeoutMs), true, timeoutMs)!;
  }
  /** outputs[r] = rank r's input (outputs: worldSize tensors shaped like input) */
  allGather(outputs: Tensor[], input: Tensor, timeoutMs = this.timeoutMs): void {
    dn.distAllGather(this.id, outputs.map((t) => t.handle), input.handle, false, timeoutMs);
  }
  allGatherAsync(outputs: Tensor[], input: Tensor, timeoutMs = this.timeoutMs): Work {
    return this.run(dn.distAllGather(this.id, outputs.map((t) => t.handle), input.handle, true, timeoutMs), true, timeoutMs)!;
  }
  /** output = reduce over ranks of inputs[rank] (inputs: worldSize tensors shaped like output) */
  reduceScatter(output: Tensor, inputs: Tensor[], op: ReduceOp = "sum", timeoutMs = this.timeoutMs): void {
    dn.distReduceScatter(this.id, output.handle, inputs.map((t) => t.handle), op, false, timeoutMs);
  }
  reduceScatterAsync(output: Tensor, inputs: Tensor[], op: ReduceOp = "sum", timeoutMs = this.timeoutMs): Work {
    return this.run(dn.distReduceScatter(this.id, output.handle, inputs.map((t) => t.handle), op, true, timeoutMs), true, timeoutMs)!;
  }
  barrier(timeoutMs = this.timeoutMs): void {
    dn.distBarrier(this.id, false, timeoutMs);
  }
  barrierAsync(timeoutMs = this.timeoutMs): Work {
    return this.run(dn.distBarrier(this.id, true, timeoutMs), true, timeoutMs)!;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    native.distDestroy(this.id);
    this.store.destroy();
  }
}

// BatchPrefetcher: the Sampler run in a worker thread, `depth` batches ahead, so batch assembly and masking
// never stall the training step. The stream is identical to the synchronous Sampler with the same options
// (tested); state() is the state after the last batch handed out, so checkpoints resume exactly.
import { Worker } from "node:worker_threads";
import type { Batch } from "./batch.js";
import type { SamplerOptions, SamplerState } from "./sampler.js";

type Msg = { ready: true; state: SamplerState } | { error: string } | { batch: Batch; state: SamplerState };

export class BatchPrefetcher {
  private worker!: Worker;
  private queue: { batch: Batch; state: SamplerState }[] = [];
  private waiting: { resolve: (b: Batch) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private last: SamplerState | null = null;
  private ready!: Promise<void>;

  constructor(readonly dir: string, readonly options: SamplerOptions, private readonly depth = 4, state?: SamplerState) {
    this.start(state);
  }

  private start(state?: SamplerState): void {
    this.queue = [];
    this.failure = null;
    this.last = state ?? null;
    this.worker = new Worker(new URL("./prefetch-worker.js", import.meta.url), {
      workerData: { dir: this.dir, options: this.options, state },
    });
    this.worker.unref();
    let markReady!: () => void, markFailed!: (e: Error) => void;
    this.ready = new Promise((res, rej) => { markReady = res; markFailed = rej; });
    this.ready.catch(() => {});
    this.worker.on("message", (m: Msg) => {
      if ("ready" in m) {
        this.last = m.state;
        markReady();
        this.worker.postMessage({ want: this.depth });
      } else if ("error" in m) {
        this.fail(new Error(`sampler worker: ${m.error}`));
        markFailed(this.failure!);
      } else {
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = null;
          this.hand(m, w.resolve);
        } else this.queue.push(m);
      }
    });
    this.worker.on("error", (e) => { this.fail(e); markFailed(e); });
  }

  private fail(e: Error): void {
    this.failure = e;
    if (this.waiting) {
      this.waiting.reject(e);
      this.waiting = null;
    }
  }

  private hand(m: { batch: Batch; state: SamplerState }, resolve: (b: Batch) => void): void {
    this.last = m.state;
    this.worker.postMessage({ want: 1 });
    resolve(m.batch);
  }

  /** The next batch (resolves immediately when one is already prefetched). */
  next(): Promise<Batch> {
    if (this.failure) return Promise.reject(this.failure);
    const m = this.queue.shift();
    if (m) return new Promise((res) => this.hand(m, res));
    if (this.waiting) return Promise.reject(new Error("BatchPrefetcher.next: previous next() still pending"));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Resolves once the worker has opened the corpus (errors such as a bad corpus reject here). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Sampler state after the last batch returned by next() (the initial state once ready). */
  state(): SamplerState {
    if (!this.last) throw new Error("BatchPrefetcher.state: await whenReady() or next() first");
    return this.last;
  }

  /** Restart the worker from a saved state (prefetched batches are dropped). */
  async restore(state: SamplerState): Promise<void> {
    await this.worker.terminate();
    this.start(state);
    await this.ready;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

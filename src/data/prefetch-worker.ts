// Worker side of BatchPrefetcher: builds a Sampler on the corpus and posts (batch, state) pairs on demand.
import { parentPort, workerData } from "node:worker_threads";
import { openCorpus } from "./corpus.js";
import { Sampler, type SamplerOptions, type SamplerState } from "./sampler.js";

const { dir, options, state } = workerData as { dir: string; options: SamplerOptions; state?: SamplerState };
const port = parentPort!;
try {
  const sampler = new Sampler(openCorpus(dir), options);
  if (state) sampler.restore(state);
  port.on("message", (m: { want: number }) => {
    for (let i = 0; i < m.want; i++) {
      const batch = sampler.next();
      const st = sampler.state();
      port.postMessage({ batch, state: st }, [batch.input.buffer, batch.target.buffer, batch.position.buffer, batch.segment.buffer] as ArrayBuffer[]);
    }
  });
  port.postMessage({ ready: true, state: sampler.state() });
} catch (e) {
  port.postMessage({ error: (e as Error).message });
}

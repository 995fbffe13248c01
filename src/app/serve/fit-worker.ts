// Worker thread: fits one sweep (src/sweep/fit.ts) off the server's event loop. A 500-run sweep takes
// seconds to fit; the page keeps updating meanwhile and the charts switch to the new fit when it arrives.
import { parentPort, workerData } from "node:worker_threads";
import { fitSweep } from "../../sweep/fit.js";

const { dir, bootstrap } = workerData as { dir: string; bootstrap: number };
try {
  parentPort!.postMessage({ fit: fitSweep(dir, { bootstrap }) });
} catch (e) {
  parentPort!.postMessage({ error: (e as Error).message });
}

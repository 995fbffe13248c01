// One rank of bench:distributed's raw all-reduce timing through plmscale's addon (argv: rank, numel, iters,
// store file); rank 0 prints {"seconds": mean seconds per all-reduce}.
import * as torch from "../src/torch/index.js";

const [rankS, numelS, itersS, store] = process.argv.slice(2);
const rank = Number(rankS), numel = Number(numelS), iters = Number(itersS);
torch.setNumThreads(1);
const pg = new torch.dist.ProcessGroup({ rank, worldSize: 2, rendezvous: { kind: "file", path: store! }, timeoutMs: 120_000 });
const x = torch.ones([numel]);
for (let i = 0; i < 3; i++) pg.allReduce(x);
pg.barrier();
const t0 = performance.now();
for (let i = 0; i < iters; i++) pg.allReduce(x);
const dt = (performance.now() - t0) / 1000 / iters;
if (rank === 0) process.stdout.write(JSON.stringify({ seconds: dt }) + "\n");
pg.destroy();

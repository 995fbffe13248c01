// One rank of the c10d tests (test/torch/distributed.test.ts): argv = rank, worldSize, rendezvous JSON, scenario.
// Prints one JSON line per result on stdout; errors as {"error": message, "ms": elapsed}.
import * as torch from "../../src/torch/index.js";

const [rankS, worldS, rvS, scenario] = process.argv.slice(2);
const rank = Number(rankS), worldSize = Number(worldS);
const emit = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
const t0 = Date.now();
const timeoutMs = scenario === "collectives" ? 20_000 : 3_000;
let pg: torch.dist.ProcessGroup;
try {
  pg = new torch.dist.ProcessGroup({ rank, worldSize, rendezvous: JSON.parse(rvS!), timeoutMs });
} catch (e) {
  emit({ error: (e as Error).message, name: (e as Error).name, ms: Date.now() - t0 });
  process.exit(0);
}
const arr = (t: torch.Tensor) => Array.from(t.data() as Float32Array);

if (scenario === "collectives") {
  const a = torch.tensor([rank + 1, 10 * (rank + 1)]);
  pg.allReduce(a, "sum");
  const avg = torch.tensor([rank + 1, 2 * rank]);
  pg.allReduce(avg, "avg");
  const mx = torch.tensor([rank, -rank]);
  pg.allReduce(mx, "max");
  const b = torch.tensor([rank * 7 + 1, rank]);
  pg.broadcast(b, worldSize - 1);
  const outs = Array.from({ length: worldSize }, () => torch.zeros([3]));
  pg.allGather(outs, torch.tensor([rank, rank * 2, rank * 3]));
  const rs = torch.zeros([2]);
  // input chunk c on rank r = [100·c + r, c - r]
  pg.reduceScatter(rs, Array.from({ length: worldSize }, (_, c) => torch.tensor([100 * c + rank, c - rank])));
  // several async works in flight at once, waited in reverse order
  const xs = Array.from({ length: 3 }, (_, k) => torch.full([1000], rank + k));
  const works = xs.map((x) => pg.allReduceAsync(x, "sum"));
  for (const w of [...works].reverse()) w.wait();
  const bw = pg.barrierAsync();
  bw.wait();
  emit({
    sum: arr(a), avg: arr(avg), max: arr(mx), broadcast: arr(b), allGather: outs.map(arr), reduceScatter: arr(rs),
    async: xs.map((x) => [arr(x)[0], arr(x)[999]]), barrierDone: bw.isCompleted(),
  });
} else if (scenario === "dead-peer" || scenario === "stalled-peer") {
  pg.barrier();
  if (rank === 1) {
    if (scenario === "dead-peer") process.exit(3);
    await new Promise((r) => setTimeout(r, 8_000)); // alive but never joins the collective
    process.exit(0);
  }
  const t1 = Date.now();
  const x = torch.ones([4]);
  const work = pg.allReduceAsync(x, "sum", 1_500);
  try {
    work.wait();
    emit({ noError: true });
  } catch (e) {
    emit({ error: (e as Error).message, name: (e as Error).name, ms: Date.now() - t1 });
    // waiting again reports the same failure (not a silent success)
    try {
      work.wait();
      emit({ rewait: "no error" });
    } catch (e2) {
      emit({ rewait: (e2 as Error).message === (e as Error).message ? "same error" : (e2 as Error).message });
    }
  }
  // the group refuses further use after a failure
  try {
    pg.barrier();
    emit({ noError: true });
  } catch (e) {
    emit({ error: (e as Error).message, name: (e as Error).name, ms: Date.now() - t1 });
  }
  process.exit(0);
}
pg.destroy();

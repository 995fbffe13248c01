// c10d process groups in the addon (native/src/distributed.cc via src/torch/distributed.ts), with real
// processes: every rank is a child `node dist-worker.js`; expected values are computed here from the ranks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../../src/torch/index.js";

const WORKER = fileURLToPath(new URL("./dist-worker.js", import.meta.url));
const available = torch.dist.distributedAvailable();
const skip = available ? false : "addon built without c10d (libgloo-dev missing)";

interface RankOut { lines: Record<string, unknown>[]; code: number | null; stderr: string }

/** Start `world` workers and collect their JSON lines; the whole test has its own deadline. */
function runRanks(world: number, rendezvous: unknown, scenario: string, deadlineMs = 30_000, ranks = world): Promise<RankOut[]> {
  return Promise.all(Array.from({ length: ranks }, (_, rank) => new Promise<RankOut>((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, String(rank), String(world), JSON.stringify(rendezvous), scenario], {
      stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, OMP_NUM_THREADS: "1" },
    });
    let out = "", err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`rank ${rank} did not finish within ${deadlineMs} ms (a hang): ${err}`));
    }, deadlineMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ lines: out.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>), code, stderr: err });
    });
  })));
}

function fileRendezvous(): { kind: "file"; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "plm-dist-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return { kind: "file", path: join(dir, "store") };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function checkCollectives(outs: RankOut[], W: number): void {
  const ranks = [...Array(W).keys()];
  const sum = (f: (r: number) => number) => ranks.reduce((a, r) => a + f(r), 0);
  outs.forEach((o, rank) => {
    assert.equal(o.code, 0, o.stderr);
    const r = o.lines[0]!;
    assert.deepEqual(r.sum, [sum((q) => q + 1), sum((q) => 10 * (q + 1))]);
    assert.deepEqual(r.avg, [sum((q) => q + 1) / W, sum((q) => 2 * q) / W]);
    assert.deepEqual(r.max, [W - 1, 0]);
    assert.deepEqual(r.broadcast, [(W - 1) * 7 + 1, W - 1]);
    assert.deepEqual(r.allGather, ranks.map((q) => [q, 2 * q, 3 * q]));
    assert.deepEqual(r.reduceScatter, [sum((q) => 100 * rank + q), sum((q) => rank - q)]);
    assert.deepEqual(r.async, [0, 1, 2].map((k) => [sum((q) => q + k), sum((q) => q + k)]));
    assert.equal(r.barrierDone, true);
  });
}

test("collectives over a FileStore, 3 ranks: all-reduce sum/avg/max, broadcast, all-gather, reduce-scatter, async works, barrier", { skip }, async () => {
  checkCollectives(await runRanks(3, fileRendezvous(), "collectives"), 3);
});

test("collectives over a TCPStore, 2 ranks (rank 0 serves the store)", { skip }, async () => {
  checkCollectives(await runRanks(2, { kind: "tcp", host: "127.0.0.1", port: await freePort() }, "collectives"), 2);
});

test("a dead peer is an error naming the rank and the operation, fast, and the group refuses further use", { skip }, async () => {
  const [r0, r1] = await runRanks(2, fileRendezvous(), "dead-peer");
  assert.equal(r1!.code, 3);
  const [first, rewait, second] = r0!.lines;
  assert.equal(rewait!.rewait, "same error");
  assert.equal(first!.name, "DistributedError");
  assert.match(String(first!.error), /rank 0\/2 allReduce\(sum\) failed: .*(closed|reset|peer)/i);
  assert.ok(Number(first!.ms) < 1_500, `dead peer noticed after ${first!.ms} ms (the deadline was 1500)`);
  assert.match(String(second!.error), /unusable after an earlier failure/);
});

test("a stalled peer: the collective's deadline turns into an error, not a hang", { skip }, async () => {
  const [r0] = await runRanks(2, fileRendezvous(), "stalled-peer", 30_000);
  const [first, rewait] = r0!.lines;
  assert.equal(rewait!.rewait, "same error");
  assert.match(String(first!.error), /rank 0\/2 allReduce\(sum\) failed: .*time/i);
  assert.ok(Number(first!.ms) >= 1_400 && Number(first!.ms) < 6_000, `timed out after ${first!.ms} ms (deadline 1500)`);
});

test("a rendezvous that never completes (rank 1 never starts) is an error after the timeout", { skip }, async () => {
  const [r0] = await runRanks(2, fileRendezvous(), "join-only", 30_000, 1);
  const [first] = r0!.lines;
  assert.match(String(first!.error), /rank 0\/2 join failed/);
  assert.ok(Number(first!.ms) >= 2_900 && Number(first!.ms) < 10_000, `join failed after ${first!.ms} ms (timeout 3000)`);
});

test("a TCPStore client whose server never comes fails after its timeout", { skip }, async () => {
  const t0 = Date.now();
  const [r1] = await runRanksFrom(1, 2, { kind: "tcp", host: "127.0.0.1", port: await freePort() });
  assert.match(String(r1!.lines[0]!.error), /TCPStore 127\.0\.0\.1:\d+ \(client\) failed/);
  assert.ok(Date.now() - t0 < 30_000);
});

/** rank `rank` alone (no peers). */
async function runRanksFrom(rank: number, world: number, rendezvous: unknown): Promise<RankOut[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, String(rank), String(world), JSON.stringify(rendezvous), "join-only"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    const timer = setTimeout(() => (child.kill("SIGKILL"), reject(new Error("hang"))), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve([{ lines: out.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>), code, stderr: "" }]);
    });
  });
}

test("bad arguments are errors before any communication", { skip }, () => {
  assert.throws(() => new torch.dist.ProcessGroup({ rank: 2, worldSize: 2, rendezvous: fileRendezvous() }), /rank must be in \[0, 2\)/);
});

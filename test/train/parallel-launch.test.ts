// The strategy a memory plan picks travels into the train config (`plan --gpu --gpus --emit`), `train --config`
// honours it (ranks, shard mode, checkpoint format), `train --emit slurm` turns it into nodes × GPUs, and the
// emitted sbatch script really starts the ranks: run under stand-ins for `scontrol` and `srun` (which start
// SLURM_NTASKS real rank processes with SLURM_PROCID/SLURM_LOCALID), the ranks meet at the FIRST host of the
// allocation — the second one does not exist, so picking it would fail the run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../../src/torch/index.js";
import { parseTrainConfig } from "../../src/train/config.js";
import { resolveParallel, slurmShape } from "../../src/train/parallel.js";
import { shardFileName } from "../../src/train/shard-io.js";
import { listCheckpoints } from "../../src/train/checkpoint.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const skip = torch.dist.distributedAvailable() ? false : "addon built without c10d";
const dir = mkdtempSync(join(tmpdir(), "plm-par-launch-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const FASTA = join(dir, "seqs.fasta");
writeFileSync(FASTA, ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "LLGACDEFGHIKLMNPQRSTVWY", "WYVHHKKTTSSAAGGPLE", "MENDLQRSTVWYACDEKLM",
  "PPGGSSLLKKRRTTAAMNV", "MVLSPADKTNVKAAWGKVGAHAG", "GLSDGEWQQVLNVWGKVEAD", "AQRFYCDNKWQLHPTEMKK"].map((s, i) => `>s${i}\n${s}\n`).join(""));

const env = { ...process.env, OMP_NUM_THREADS: "1" };
function cli(a: string[], extraEnv: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...a], { encoding: "utf8", env: { ...env, ...extraEnv }, timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("resolveParallel: flags over the config; a launcher's world over both; slurmShape splits ranks into nodes", () => {
  const base = { ranks: 4, shard: "optimizer", checkpointActivations: true, checkpointFormat: "sharded" } as const;
  assert.deepEqual(resolveParallel(base, {}), { ranks: 4, shard: "optimizer", checkpointFormat: "sharded", checkpointActivations: true, launchLocal: true, ranksFrom: "config" });
  const f = resolveParallel(base, { nproc: 1, shard: "none", checkpointFormat: "consolidated" });
  assert.deepEqual([f.ranks, f.shard, f.checkpointFormat, f.launchLocal, f.ranksFrom], [1, "none", "consolidated", false, "--nproc"]);
  const w = resolveParallel(base, {}, 8);
  assert.deepEqual([w.ranks, w.launchLocal, w.ranksFrom], [8, false, "launcher"]);
  assert.match(w.note!, /planned for 4 ranks .* running with 8/);
  assert.equal(resolveParallel({ ...base, ranks: 1 }, {}, 2).note, undefined, "a config without a plan of ranks says nothing");
  assert.equal(resolveParallel({ ...base, shard: "full", checkpointFormat: "consolidated" }, {}).shard, "full");
  assert.throws(() => resolveParallel({ ...base, shard: "full" }, {}), /--checkpoint-format sharded is not available with --shard full/);
  assert.throws(() => resolveParallel(base, { checkpointFormat: "zip" }), /--checkpoint-format must be one of consolidated, sharded, got 'zip'/);
  assert.deepEqual(slurmShape(64), { nodes: 8, gpusPerNode: 8 });
  assert.deepEqual(slurmShape(4), { nodes: 1, gpusPerNode: 4 });
  assert.deepEqual(slurmShape(64, undefined, 4), { nodes: 16, gpusPerNode: 4 });
  assert.deepEqual(slurmShape(64, 2), { nodes: 2, gpusPerNode: 32 });
  assert.throws(() => slurmShape(12), /12 is not a whole number of nodes of 8 GPUs/);
});

test("the train config's parallel section: 'full' parses (ZeRO-3 plans), unknown modes and 0 ranks do not", () => {
  assert.equal(parseTrainConfig({ parallel: { shard: "full" } }).parallel.shard, "full");
  assert.deepEqual(parseTrainConfig({}).parallel, { ranks: 1, shard: "none", checkpointActivations: false, checkpointFormat: "consolidated" });
  assert.throws(() => parseTrainConfig({ parallel: { shard: "zero3" } }), /parallel\.shard: expected one of none\|optimizer\|full/);
  assert.throws(() => parseTrainConfig({ parallel: { ranks: 0 } }), /parallel\.ranks: must be at least 1/);
  assert.throws(() => parseTrainConfig({ parallel: { nodes: 2 } }), /unknown key 'parallel\.nodes'/);
});

test("plan: ESM-2 3B's budget as an MLM on 64 × A100 80 GB is a runnable plan; its config carries the strategy to train and Slurm", () => {
  const cfgPath = join(dir, "esm-scale.json");
  const p = cli(["plan", "--objective", "mlm", "--like", "esm2-3b", "--gpu", "a100", "--gpus", "64", "--emit", cfgPath, "--json"]);
  assert.equal(p.status, 0, p.stderr);
  const plan = JSON.parse(p.stdout) as { N: number; shape: { Ntotal: number }; memory: { microRows: number; usableBytes: number; chosen: { strategy: string; checkpointActivations: boolean; total: number } | null } };
  const chosen = plan.memory.chosen!;
  assert.ok(chosen, "a strategy fits");
  assert.ok(chosen.total <= plan.memory.usableBytes);
  assert.ok(plan.shape.Ntotal > 5e9, `a multi-billion model (${plan.shape.Ntotal})`);
  assert.ok(["ddp", "zero1", "full"].includes(chosen.strategy), `strategy ${chosen.strategy}`);
  const shard = { ddp: "none", zero1: "optimizer", full: "full" }[chosen.strategy]!;
  const cfg = parseTrainConfig(JSON.parse(readFileSync(cfgPath, "utf8")));
  assert.deepEqual(cfg.parallel, { ranks: 64, shard, checkpointActivations: chosen.checkpointActivations, checkpointFormat: shard === "optimizer" ? "sharded" : "consolidated" });
  assert.equal(cfg.microBatchRows, plan.memory.microRows);
  assert.deepEqual((plan as unknown as { emittedParallel: unknown }).emittedParallel, cfg.parallel);
  assert.equal(cfg.device, "cuda");

  // --emit slurm from the config: 8 nodes × 8 GPUs, the strategy spelled out on the srun line
  const s = cli(["train", "--emit", "slurm", "--config", cfgPath, "--out", "runs/big", "--partition", "gpu"]);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /^#SBATCH --nodes=8$/m);
  assert.match(s.stdout, /^#SBATCH --ntasks-per-node=8$/m);
  assert.match(s.stdout, /^#SBATCH --gpus-per-node=8$/m);
  const srun = s.stdout.split("\n").find((l) => l.startsWith("srun"))!;
  assert.ok(srun.includes(`--config ${cfgPath}`), srun);
  assert.ok(srun.includes(`--shard ${shard} --checkpoint-format ${cfg.parallel.checkpointFormat}`), srun);
  assert.equal(srun.includes("--checkpoint-activations"), chosen.checkpointActivations, srun);

  // on this machine (fewer than 64 GPUs) train --config refuses to start 64 local ranks and says how to launch
  const t = cli(["train", "--config", cfgPath, "--out", join(dir, "never")]);
  assert.equal(t.status, 2, t.stderr);
  assert.match(t.stderr, /asks for 64 ranks, one GPU each \(parallel\.ranks\).*srun or torchrun/);
  assert.ok(!existsSync(join(dir, "never")));
});

const TINY = {
  objective: "mlm", model: { layers: 1, dModel: 32, heads: 4, ffn: 128, vocab: 33, context: 32 }, tokens: 32 * 8 * 4, batchTokens: 32 * 8,
  microBatchRows: 2, lr: { peak: 3e-3 }, data: { corpus: FASTA, seed: 1 }, eval: { everySteps: 0, tokens: 256 }, checkpoint: { everySteps: 2, keep: 2 },
  threads: 1, seed: 1,
};

test("train --config honours parallel: 2 ranks under ZeRO-1 with sharded checkpoints, no flag needed", { skip }, () => {
  const cfgPath = join(dir, "two.json");
  writeFileSync(cfgPath, JSON.stringify({ ...TINY, parallel: { ranks: 2, shard: "optimizer", checkpointFormat: "sharded" } }));
  const out = join(dir, "two");
  const r = cli(["train", "--config", cfgPath, "--out", out, "--json", "--quiet"]);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { worldSize: number; shard: string };
  assert.deepEqual([res.worldSize, res.shard], [2, "optimizer"]);
  const last = listCheckpoints(join(out, "checkpoints"))[0]!;
  assert.ok(existsSync(join(last.dir, shardFileName(1, 2))), "sharded checkpoint");
  const full = join(dir, "full.json");
  writeFileSync(full, JSON.stringify({ ...TINY, parallel: { ranks: 2, shard: "full" } }));
  // a ZeRO-3 section trains (2 ranks) and checkpoints consolidated; asking it for sharded checkpoints is refused
  const f = cli(["train", "--config", full, "--out", join(dir, "full"), "--json", "--quiet"]);
  assert.equal(f.status, 0, f.stderr);
  assert.deepEqual((({ worldSize, shard }) => [worldSize, shard])(JSON.parse(f.stdout) as { worldSize: number; shard: string }), [2, "full"]);
  const fs = cli(["train", "--config", full, "--checkpoint-format", "sharded", "--out", join(dir, "full-sharded")]);
  assert.equal(fs.status, 2);
  assert.match(fs.stderr, /--checkpoint-format sharded is not available with --shard full/);
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

test("train --emit slurm for 2 nodes: run under srun/scontrol stand-ins, the ranks meet at the first node and train", { skip, timeout: 300_000 }, async () => {
  const out = join(dir, "slurm-run");
  const e = cli(["train", "--emit", "slurm", "--nodes", "2", "--gpus-per-node", "1", "--shard", "optimizer", "--checkpoint-format", "sharded",
    "--objective", "mlm", "--shape", "1,32,4", "--context", "32", "--tokens", String(32 * 8 * 4), "--batch-tokens", "256", "--micro-rows", "2",
    "--eval-every", "0", "--eval-tokens", "256", "--checkpoint-every", "2", "--threads", "1", "--device", "cpu", "--data", FASTA, "--out", out, "--quiet"]);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /MASTER_ADDR=\$\(scontrol show hostnames "\$SLURM_JOB_NODELIST" \| head -n 1\)/);
  const srunLine = e.stdout.split("\n").find((l) => l.startsWith("srun"))!;
  assert.ok(srunLine.includes("--shard optimizer --checkpoint-format sharded"), srunLine);
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  // scontrol show hostnames LIST: one host per line; the first is this machine, the second does not exist
  writeFileSync(join(bin, "scontrol"), `#!/bin/bash\n[ "$1 $2" = "show hostnames" ] || exit 9\n[ "$3" = "$SLURM_JOB_NODELIST" ] || exit 8\nprintf 'localhost\\nno-such-node.invalid\\n'\n`);
  // srun: one task per node here (--ntasks-per-node=1), each with its SLURM_PROCID and SLURM_LOCALID
  writeFileSync(join(bin, "srun"), `#!/bin/bash\nwhile [[ "$1" == --* ]]; do shift; done\npids=()\nfor ((i = 0; i < SLURM_NTASKS; i++)); do\n  SLURM_PROCID=$i SLURM_LOCALID=0 "$@" & pids+=($!)\ndone\nrc=0\nfor p in "\${pids[@]}"; do wait "$p" || rc=1; done\nexit $rc\n`);
  for (const f of ["scontrol", "srun"]) chmodSync(join(bin, f), 0o755);
  const script = join(dir, "train.sbatch");
  writeFileSync(script, e.stdout);
  const port = await freePort();
  const sh = spawnSync("bash", [script], {
    encoding: "utf8", timeout: 240_000,
    env: {
      ...process.env, PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`, SLURM_JOB_NODELIST: "localhost,no-such-node.invalid",
      SLURM_NTASKS: "2", SLURM_CPUS_PER_TASK: "1", MASTER_PORT: String(port), PLMSCALE_DIST_HOST: "127.0.0.1",
    },
  });
  assert.equal(sh.status, 0, sh.stderr);
  const res = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as { worldSize: number; shard: string; steps: number };
  assert.deepEqual([res.worldSize, res.shard, res.steps], [2, "optimizer", 4]);
  const last = listCheckpoints(join(out, "checkpoints"))[0]!;
  assert.ok(existsSync(join(last.dir, shardFileName(1, 2))), "each rank wrote its slice");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { invokeCommand, parseCommandArgs, type Command, type CommandIO } from "../../src/cli/command.js";
import { UserError } from "../../src/core/errors.js";
import { sweepDesignCommand, sweepFitCommand, sweepRunCommand, sweepRunOneCommand, sweepStatusCommand } from "../../src/cli/specs/sweep.js";
import { reportCommand } from "../../src/cli/specs/tools.js";
import { findCommand } from "../../src/cli/registry.js";
import { syntheticSweep } from "./synthetic-sweep.js";

async function run<R>(cmd: Command<R>, argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const io: CommandIO = { out: (l) => out.push(l), err: (l) => err.push(l), json: argv.includes("--json"), signal: new AbortController().signal };
  const { result: r, code } = await invokeCommand(cmd, argv, io);
  if (!io.json) code.human?.(r, io);
  return { r, out, err };
}

test("the sweep commands and report are registered", () => {
  for (const name of ["sweep design", "sweep run", "sweep run-one", "sweep status", "sweep fit", "report", "demo"]) {
    assert.equal(findCommand([...name.split(" "), "X"])?.cmd.name, name);
  }
});

test("sweep design writes sweep.json and one config per run; a second design into the same directory is refused", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "plmscale-cli-")), "s");
  const { r, out: lines } = await run(sweepDesignCommand, ["--objective", "mlm", "--budgets", "1e15,1e16,1e17", "--corpus", "/nonexistent", "--out", out, "--preset", "paper", "--fixed"]);
  assert.equal(r.design.points.length, 12);
  assert.equal(r.design.adaptive, undefined);
  assert.ok(existsSync(join(out, "sweep.json")));
  for (const p of r.design.points) assert.ok(existsSync(join(out, "configs", `${p.id}.json`)));
  assert.match(r.design.centreSource.mlm!, /paper-mlm/);
  assert.match(lines[0]!, /12 runs/);
  await assert.rejects(run(sweepDesignCommand, ["--budgets", "1e15", "--corpus", "/c", "--out", out]), (e) => e instanceof UserError && /already holds a sweep/.test(e.message));
  // the default is adaptive: the smallest budget now, the others once its runs have finished
  const ad = await run(sweepDesignCommand, ["--objective", "mlm", "--budgets", "1e15,1e16,1e17", "--corpus", "/nonexistent", "--out", out + "-adaptive", "--preset", "paper"]);
  assert.deepEqual([...new Set(ad.r.design.points.map((p) => p.C))], [1e15]);
  assert.ok(ad.r.design.adaptive && ad.r.design.adaptive.fallback.mlm!.a > 0.5, JSON.stringify(ad.r.design.adaptive));
  assert.match(ad.out[0]!, /adaptive/);
  await assert.rejects(run(sweepDesignCommand, ["--objective", "xlm", "--budgets", "1e15", "--corpus", "/c", "--out", out + "2"]), (e) => e instanceof UserError && e.exitCode === 2);
});

test("sweep status, emit slurm, fit and report on a finished synthetic sweep", async () => {
  const s = syntheticSweep({ skip: [2], fail: [5] });
  const st = await run(sweepStatusCommand, [s.dir]);
  assert.deepEqual([st.r.counts.done, st.r.counts.failed, st.r.counts.pending], [10, 1, 1]);
  assert.ok(st.out.some((l) => /failed .*simulated/.test(l)), st.out.join("\n"));
  const em = await run(sweepRunCommand, [s.dir, "--emit", "slurm", "--partition", "gpu", "--gpus-per-run", "1", "--time", "00:30:00"]);
  const script = readFileSync(em.r.emitted!, "utf8");
  assert.match(script, /^#SBATCH --array=2,5$/m, "only unfinished runs are submitted");
  assert.match(script, /sweep run-one .* "\$SLURM_ARRAY_TASK_ID" --threads "\$OMP_NUM_THREADS" --device cuda$/m);
  const fit = await run(sweepFitCommand, [s.dir, "--bootstrap", "20"]);
  assert.ok(existsSync(join(s.dir, "fit.json")));
  assert.ok(fit.out.some((l) => /^CLM: IsoFLOP a=0\.4\d\d \[/.test(l) && /paper a=0\.578/.test(l)), fit.out.join("\n"));
  const rep = await run(reportCommand, [s.dir, "--out", join(s.dir, "r.html"), "--budget", "1e20"]);
  assert.ok(rep.r.bytes > 50_000);
  assert.match(readFileSync(join(s.dir, "r.html"), "utf8"), /Plan for a budget of 1\.00e\+20 FLOPs/);
});

test("emit slurm creates the job's --output directory and refuses a finished sweep", async () => {
  const s = syntheticSweep({ skip: [0] });
  assert.ok(!existsSync(join(s.dir, "state")));
  await run(sweepRunCommand, [s.dir, "--emit", "slurm"]);
  assert.ok(existsSync(join(s.dir, "state")), "Slurm does not create it");
  const done = syntheticSweep();
  await assert.rejects(run(sweepRunCommand, [done.dir, "--emit", "slurm"]), (e) => e instanceof UserError && /nothing to submit/.test(e.message));
});

test("run-one checks its index; run refuses a directory that is not a sweep", async () => {
  const s = syntheticSweep();
  await assert.rejects(run(sweepRunOneCommand, [s.dir, "12"]), (e) => e instanceof UserError && /0\.\.11/.test(e.message));
  const one = await run(sweepRunOneCommand, [s.dir, "3"]);
  assert.equal(one.r.state, "done");
  assert.equal(one.r.summary.skipped, 1, "a finished run is skipped, not retrained");
  await assert.rejects(run(sweepRunCommand, [tmpdir()]), (e) => e instanceof UserError && /not a sweep directory/.test(e.message));
});

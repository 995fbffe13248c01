import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineRun, flag, num, optNum, optStr, str, type CommandIO, type ParsedArgs } from "../command.js";
import { UserError } from "../../core/errors.js";
import { executeSweep, type ExecSummary } from "../../sweep/executor.js";
import { growSweep, runSweep, type SweepRunSummary } from "../../sweep/adaptive-run.js";
import { readDesign, sweepStatus } from "../../sweep/layout.js";
import { shellQuote, slurmScript } from "../../sweep/slurm.js";
import { readPreamble } from "../../train/slurm-train.js";

export function deviceOpt(args: ParsedArgs): "cpu" | "cuda" | undefined {
  const d = optStr(args, "device");
  if (d === undefined || d === "cpu" || d === "cuda") return d;
  throw new UserError(`--device must be cpu or cuda, got '${d}'`, 2);
}

/** --nproc of run-one (ranks per run); other commands do not declare it. */
export function nprocOpt(args: ParsedArgs): number | undefined {
  const n = optNum(args, "nproc");
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new UserError(`--nproc must be a positive integer, got ${n}`, 2);
  return n;
}

/** How compute nodes should call this plmscale: node + this build's launcher, bin.js (absolute; it preloads tcmalloc). */
export function selfCommand(): string {
  return `${shellQuote(process.execPath)} ${shellQuote(fileURLToPath(new URL("../bin.js", import.meta.url)))}`;
}

export async function runLocal(dir: string, args: ParsedArgs, io: CommandIO, only?: number[]): Promise<ExecSummary> {
  readDesign(dir);
  return executeSweep(dir, {
    workers: num(args, "workers", 1), threads: optNum(args, "threads"), device: deviceOpt(args), only, nproc: nprocOpt(args),
    retryFailed: !flag(args, "skip-failed"), signal: io.signal,
    onEvent: (e) => io.err(`[sweep] ${e.line}`),
  });
}

type RunResult = { sweep: string; emitted?: string; summary?: ExecSummary | SweepRunSummary; counts?: Record<string, number>; unfinished?: number; exitCode?: number; round?: number; adaptive?: boolean; complete?: boolean };

export default defineRun<RunResult>({
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UserError("expected one sweep directory: plmscale sweep run SWEEP", 2);
    const dir = resolve(args.positionals[0]!);
    const emit = optStr(args, "emit");
    if (emit !== undefined) {
      if (emit !== "slurm") throw new UserError(`--emit supports 'slurm', got '${emit}'`, 2);
      let design = readDesign(dir);
      // adaptive: one array per round; once the last round's runs are done, decide the next one first
      if (design.adaptive && !flag(args, "fixed") && sweepStatus(dir, design).counts.done === design.points.length) {
        const g = growSweep(dir);
        for (const e of g.events) io.err(`[sweep] round ${e.round} ${e.kind} ${e.objective} C=${e.C.toExponential(1)}: ${e.detail}`);
        design = readDesign(dir);
      }
      const st = sweepStatus(dir, design);
      const left = st.runs.filter((r) => r.state !== "done").map((r) => r.index);
      if (left.length === 0) throw new UserError(design.adaptive ? "every run of this sweep has finished and the adaptive design is complete; nothing to submit" : "every run of this sweep has finished; nothing to submit");
      const script = slurmScript(design, {
        sweepDir: dir, plmscale: optStr(args, "plmscale") ?? selfCommand(), partition: optStr(args, "partition"),
        gpusPerRun: optNum(args, "gpus-per-run"), time: optStr(args, "time"), maxConcurrent: optNum(args, "max-concurrent"),
        cpusPerRun: optNum(args, "cpus-per-run"), indices: left,
        account: optStr(args, "account"), output: optStr(args, "output"), preamble: readPreamble(optStr(args, "slurm-preamble")),
      });
      const path = resolve(str(args, "script", join(dir, "sweep.sbatch")));
      mkdirSync(join(dir, "state"), { recursive: true }); // Slurm does not create the --output directory
      writeFileSync(path, script);
      chmodSync(path, 0o755);
      return { sweep: dir, emitted: path, counts: st.counts, round: design.adaptive?.round, adaptive: !!design.adaptive };
    }
    readDesign(dir);
    const summary = await runSweep(dir, {
      workers: num(args, "workers", 1), threads: optNum(args, "threads"), device: deviceOpt(args),
      retryFailed: !flag(args, "skip-failed"), signal: io.signal, fixed: flag(args, "fixed"),
      onEvent: (e) => io.err(`[sweep] ${e.line}`),
      onGrow: (g) => { for (const e of g.events) io.err(`[sweep] round ${e.round} ${e.kind} ${e.objective} C=${e.C.toExponential(1)}: ${e.detail}`); },
    });
    const design = readDesign(dir);
    const counts = sweepStatus(dir, design).counts;
    // a sweep run that leaves points unfinished (failed, busy elsewhere, interrupted) is not a success
    const unfinished = counts.failed + counts.running + counts.interrupted + counts.pending;
    return { sweep: dir, summary, counts, unfinished, adaptive: !!design.adaptive, complete: summary.complete, round: design.adaptive?.round, exitCode: summary.aborted ? 130 : unfinished > 0 ? 1 : 0 };
  },
  human(r, io) {
    if (r.emitted) {
      io.out(`wrote ${r.emitted} (${r.counts!.pending + r.counts!.interrupted + r.counts!.failed + r.counts!.running} array tasks${r.adaptive ? `, adaptive round ${r.round}` : ""})`);
      if (r.adaptive) io.out(`adaptive sweep: when this array has finished, run 'plmscale sweep run ${r.sweep} --emit slurm' again for the next round`);
      io.out(`submit: sbatch ${r.emitted}    progress: plmscale sweep status ${r.sweep}`);
      return;
    }
    const s = r.summary!;
    const c = r.counts!;
    io.out(`${r.sweep}: ran ${s.ran} (done ${s.done}, failed ${s.failed}, interrupted ${s.interrupted}), skipped ${s.skipped}`);
    io.out(`sweep: ${c.done} done, ${c.running} running, ${c.failed} failed, ${c.interrupted} interrupted, ${c.pending} pending`);
    for (const f of s.failures) io.out(`  failed ${f.id}: ${f.error.split("\n")[0]}`);
    if (s.busy > 0) io.out(`${s.busy} point(s) held by another executor or a live trainer: left alone (see 'plmscale sweep status ${r.sweep}')`);
    if (s.aborted) io.out(`interrupted: run 'plmscale sweep run ${r.sweep}' again to continue`);
    else if (r.unfinished) io.out(`${r.unfinished} point(s) unfinished: exit status 1`);
    else if (c.done > 0) io.out(`${r.adaptive ? `adaptive design complete after round ${r.round}; ` : ""}next: plmscale sweep fit ${r.sweep}`);
  },
});

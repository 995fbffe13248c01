#!/usr/bin/env node
// With bin.ts (the launcher), the only place that calls process.exit. Dispatches `plmscale <command...> [options]` to the registry.
import { commands, findCommand } from "./registry.js";
import { parseCommandArgs, type Command, type CommandIO } from "./command.js";
import { asUserError, UserError } from "../core/errors.js";
import { commandHelp } from "./help.js";
import { watchParent } from "../core/parent-watch.js";

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "plmscale — train compute-optimal protein language models",
    "",
    "Usage: plmscale <command> [options]   (every command takes --help and --json)",
    "",
    "Commands:",
    ...lines,
  ].join("\n");
}

/**
 * The one place that reports a bug: anything that is not a UserError (or a system error said in words by
 * asUserError) keeps its stack, so that it can be reported. test/cli/bad-input.test.ts checks that no
 * expected failure of any command reaches it.
 */
export function reportUnexpected(name: string, e: unknown): number {
  console.error(`plmscale ${name}: unexpected error: ${(e as Error)?.stack ?? e}`);
  return 1;
}

/** An error thrown outside a command's own promise (an event handler, a stray rejection) ends the process the same way. */
function onStrayError(e: unknown): void {
  const u = asUserError(e);
  if (u instanceof UserError) {
    console.error(`plmscale: ${u.message}`);
    process.exit(u.exitCode);
  }
  process.exit(reportUnexpected(process.argv.slice(2).filter((a) => !a.startsWith("-")).slice(0, 2).join(" ") || "plmscale", e));
}

/** --threads N on a compute command: checked here once, and passed on as PLMSCALE_THREADS (to child runs too). */
function applyThreadsFlag(v: string): void {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--threads: expected a whole number of threads >= 1, got '${v}'`, 2);
  process.env.PLMSCALE_THREADS = String(n);
}

/** --device on a compute command: cpu or cuda, and cuda only where it is there (one line, exit 2, every command). */
async function checkDeviceFlag(v: string): Promise<void> {
  if (v !== "cpu" && v !== "cuda") throw new UserError(`--device must be cpu or cuda, got '${v}'`, 2);
  if (v === "cuda") (await import("../torch/device.js")).requireCuda("--device cuda");
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(topHelp());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commands.filter((c) => c.name.startsWith(argv[0] + " "));
    if (group.length) {
      console.error(`'${argv.join(" ")}' needs a subcommand:\n` + group.map((c) => `  ${c.name}  ${c.summary}`).join("\n"));
    } else {
      console.error(`unknown command '${argv[0]}'. Run 'plmscale --help'.`);
    }
    return 2;
  }
  const { cmd, rest } = found;
  const controller = new AbortController();
  let firstSigint = 0;
  const onSigint = () => {
    // one Ctrl-C arrives twice under the launcher (the terminal's process group, and forwarded by bin.ts)
    if (controller.signal.aborted && Date.now() - firstSigint < SAME_SIGINT_MS) return;
    if (controller.signal.aborted) process.exit(130);
    firstSigint = Date.now();
    console.error("\ninterrupted: finishing the current step (Ctrl-C again to quit now)");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  // started by the launcher or a sweep pool: stop (checkpointing) when that parent dies, even by SIGKILL
  const unwatch = watchParent((pid) => {
    console.error(`plmscale: parent process ${pid} is gone; stopping (finishing the current step)`);
    controller.abort();
    setTimeout(() => process.exit(137), 60_000).unref();
  });
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      console.log(commandHelp(cmd));
      return 0;
    }
    if (cmd.engine && typeof args.values.threads === "string") applyThreadsFlag(args.values.threads);
    // a script emitted for a cluster (--emit slurm) runs elsewhere: its device is not this machine's to check
    if (cmd.engine && typeof args.values.device === "string" && args.values.emit === undefined) await checkDeviceFlag(args.values.device);
    const json = args.values.json === true;
    const io: CommandIO = {
      out: (l) => process.stdout.write(l + "\n"),
      err: (l) => process.stderr.write(l + "\n"),
      json,
      signal: controller.signal,
    };
    const code = (await cmd.load()).default;
    const result = await code.run(args, io);
    if (json) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    else if (code.human) code.human(result, io);
    else if (result !== undefined) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    if (controller.signal.aborted) return 130;
    // a result may carry its own exit status (e.g. `sweep run` with unfinished points) after being printed
    const exit = (result as { exitCode?: unknown } | undefined)?.exitCode;
    return typeof exit === "number" ? exit : 0;
  } catch (caught) {
    // a system error a user can fix (disk full, missing directory) is reported in words, without a stack
    const e = asUserError(caught);
    if (e instanceof UserError) {
      console.error(`plmscale ${cmd.name}: ${e.message}`);
      return e.exitCode;
    }
    return reportUnexpected(cmd.name, e);
  } finally {
    unwatch();
    process.off("SIGINT", onSigint);
  }
}

/** SIGINTs closer together than this are one interruption (a second, later one quits at once) */
const SAME_SIGINT_MS = 1000;

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
import { realpathSync } from "node:fs";
const entryReal = process.argv[1] ? realpathSync(process.argv[1]) : "";
if (isEntry || entryReal === new URL(import.meta.url).pathname) {
  void runProcess(process.argv.slice(2));
}

/** Run a command as the whole process (main.js as the entry, or bin.js in-process): exit with its status. */
export async function runProcess(argv: string[]): Promise<never> {
  process.on("uncaughtException", onStrayError);
  process.on("unhandledRejection", onStrayError);
  process.exit(await main(argv));
}

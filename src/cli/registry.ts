// Every CLI command, in the order `plmscale --help` lists them. Only declarations are imported here (src/cli/specs/);
// each command's code, and libtorch with it, loads when that command runs.
import type { Command } from "./command.js";
import { dataFetchCommand, dataPrepareCommand, dataStatsCommand } from "./specs/data.js";
import { embedCommand, generateCommand, scoreCommand, trainCommand, transferCommand } from "./specs/train.js";
import { demoCommand, sweepDesignCommand, sweepFitCommand, sweepRunCommand, sweepRunOneCommand, sweepStatusCommand } from "./specs/sweep.js";
import { fitCommand, planCommand } from "./specs/scaling.js";
import { doctorCommand, reportCommand, versionCommand } from "./specs/tools.js";
import { exportCommand, importCommand } from "./specs/interop.js";
import { serveCommand } from "./specs/app.js";
import { evalCommand, finetuneCommand, sweepEvalCommand } from "./specs/eval.js";
import { studyRepetitionCommand, studyTransferCommand } from "./specs/study.js";

export const commands: Command<any>[] = [
  demoCommand,
  dataPrepareCommand,
  dataStatsCommand,
  dataFetchCommand,
  trainCommand,
  transferCommand,
  scoreCommand,
  embedCommand,
  generateCommand,
  evalCommand,
  finetuneCommand,
  exportCommand,
  importCommand,
  sweepDesignCommand,
  sweepRunCommand,
  sweepRunOneCommand,
  sweepStatusCommand,
  sweepFitCommand,
  sweepEvalCommand,
  studyTransferCommand,
  studyRepetitionCommand,
  fitCommand,
  planCommand,
  reportCommand,
  serveCommand,
  doctorCommand,
  versionCommand,
];

/** Longest command name that prefixes argv wins ("data prepare" before "data"). */
export function findCommand(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const cmd of commands) {
    const words = cmd.name.split(" ");
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.cmd.name.split(" ").length)) {
      best = { cmd, rest: argv.slice(words.length) };
    }
  }
  return best;
}

// Every CLI command, in the order `plmscale --help` lists them. Add one import and one entry per command.
import type { Command } from "./command.js";
import { versionCommand } from "./commands/version.js";
import { doctorCommand } from "./commands/doctor.js";
import { dataPrepareCommand } from "./commands/data-prepare.js";
import { dataStatsCommand } from "./commands/data-stats.js";
import { dataFetchCommand } from "./commands/data-fetch.js";
import { trainCommand } from "./commands/train.js";
import { transferCommand } from "./commands/transfer.js";
import { scoreCommand } from "./commands/score.js";
import { embedCommand } from "./commands/embed.js";
import { generateCommand } from "./commands/generate.js";
import { finetuneCommand } from "./commands/finetune.js";
import { fitCommand } from "./commands/fit.js";
import { planCommand } from "./commands/plan.js";
import { sweepDesignCommand } from "./commands/sweep-design.js";
import { sweepRunCommand } from "./commands/sweep-run.js";
import { sweepRunOneCommand } from "./commands/sweep-run-one.js";
import { sweepStatusCommand } from "./commands/sweep-status.js";
import { sweepFitCommand } from "./commands/sweep-fit.js";
import { reportCommand } from "./commands/report.js";
import { demoCommand } from "./commands/demo.js";

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
  finetuneCommand,
  sweepDesignCommand,
  sweepRunCommand,
  sweepRunOneCommand,
  sweepStatusCommand,
  sweepFitCommand,
  fitCommand,
  planCommand,
  reportCommand,
  doctorCommand,
  versionCommand,
];

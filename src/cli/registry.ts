// Every CLI command, in the order `plmscale --help` lists them. Add one import and one entry per command.
import type { Command } from "./command.js";
import { versionCommand } from "./commands/version.js";
import { fitCommand } from "./commands/fit.js";
import { planCommand } from "./commands/plan.js";
import { dataPrepareCommand } from "./commands/data-prepare.js";
import { dataStatsCommand } from "./commands/data-stats.js";
import { dataFetchCommand } from "./commands/data-fetch.js";
import { doctorCommand } from "./commands/doctor.js";

export const commands: Command<any>[] = [
  dataPrepareCommand,
  dataStatsCommand,
  dataFetchCommand,
  fitCommand,
  planCommand,
  doctorCommand,
  versionCommand,
];

// Every CLI command, in the order `plmscale --help` lists them. Add one import and one entry per command.
import type { Command } from "./command.js";
import { versionCommand } from "./commands/version.js";
import { doctorCommand } from "./commands/doctor.js";

export const commands: Command<any>[] = [versionCommand, doctorCommand];

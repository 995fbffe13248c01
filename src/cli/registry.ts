// Every CLI command, in the order `plmscale --help` lists them. Add one import and one entry per command.
import type { Command } from "./command.js";
import { versionCommand } from "./commands/version.js";
import { trainCommand } from "./commands/train.js";
import { transferCommand } from "./commands/transfer.js";

export const commands: Command<any>[] = [versionCommand, trainCommand, transferCommand];

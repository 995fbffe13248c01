import { readFileSync } from "node:fs";
import { defineCommand } from "../command.js";

export function packageVersion(): string {
  const url = new URL("../../../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}

export const versionCommand = defineCommand({
  name: "version",
  summary: "print the plmscale version",
  usage: ["[--json]"],
  options: {},
  examples: ["plmscale version"],
  async run() {
    return { version: packageVersion() };
  },
  human(r, io) {
    io.out(`plmscale ${r.version}`);
  },
});

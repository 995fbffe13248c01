import { readFileSync } from "node:fs";
import { defineRun } from "../command.js";

export function packageVersion(): string {
  const url = new URL("../../../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}

export default defineRun({
  async run() {
    return { version: packageVersion() };
  },
  human(r, io) {
    io.out(`plmscale ${r.version}`);
  },
});

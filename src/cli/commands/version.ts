import { defineRun } from "../command.js";
import { packageVersion } from "../../core/version.js";

export default defineRun({
  async run() {
    return { version: packageVersion() };
  },
  human(r, io) {
    io.out(`plmscale ${r.version}`);
  },
});

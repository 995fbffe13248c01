import { defineRun, str, optStr, optNum, flag } from "../command.js";
import { UserError } from "../../core/errors.js";
import { fetchFile, type FetchResult } from "../../data/fetch.js";
import { Progress } from "../progress.js";

export default defineRun({
  async run(args, io): Promise<FetchResult> {
    const url = args.positionals[0];
    if (!url || args.positionals.length > 1) throw new UserError("give exactly one URL", 2);
    const sha = optStr(args, "sha256");
    if (sha !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha)) throw new UserError("--sha256 must be 64 hex digits", 2);
    const progress = new Progress(io.err, flag(args, "quiet"));
    try {
      const r = await fetchFile(url, str(args, "out"), {
        sha256: sha, retries: optNum(args, "retries"), signal: io.signal,
        onProgress: (done, total) => progress.update({ label: "fetch", done, total, unit: "bytes" }),
      });
      progress.stop();
      return r;
    } finally {
      progress.stop();
    }
  },
  human(r, io) {
    io.out(`${r.path}: ${r.bytes} bytes, sha256 ${r.sha256} (${r.attempts} attempt${r.attempts > 1 ? "s" : ""}, ${r.resumed} resumed)`);
  },
});

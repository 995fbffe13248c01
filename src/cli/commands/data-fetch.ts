import { defineCommand, str, optStr, optNum, flag } from "../command.js";
import { UserError } from "../../core/errors.js";
import { fetchFile, type FetchResult } from "../../data/fetch.js";
import { Progress } from "../progress.js";

export const dataFetchCommand = defineCommand({
  name: "data fetch",
  summary: "download a remote corpus file with resume (HTTP Range), retries and a sha256 check",
  usage: ["URL --out FILE [--sha256 HEX] [--retries N] [--quiet] [--json]"],
  description: `Downloads to FILE.part and renames to FILE only when complete (and matching --sha256 when given). A dropped
connection is retried with back-off, continuing from the bytes already on disk (HTTP Range); rerunning the
command after an interruption also resumes.`,
  options: {
    out: { type: "string", value: "FILE", required: true, description: "where the file goes" },
    sha256: { type: "string", value: "HEX", description: "expected sha256 (64 hex digits); a mismatch removes the download" },
    retries: { type: "string", value: "N", description: "attempts after a dropped connection" },
    quiet: { type: "boolean", description: "no progress output" },
  },
  examples: ["plmscale data fetch https://ftp.uniprot.org/pub/databases/uniprot/uniref/uniref50/uniref50.fasta.gz --out data/uniref50.fasta.gz"],
  positionals: true,
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

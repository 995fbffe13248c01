// Declarations of the application commands above sweeps and reports (serve); the run code loads on demand.
import { defineCommand } from "../command.js";

export const serveCommand = defineCommand({
  name: "serve",
  summary: "a live page for runs and sweeps: runs table, loss curves, IsoFLOP profiles and laws, updated as they train",
  usage: ["PATH… [--port P] [--host H] [--token T] [--poll-ms MS]"],
  description: `PATH is a run, a sweep, a study or a directory of them. Serves one page (nothing on it is fetched from
elsewhere): a table of runs (status, N, D, C, tokens/s, MFU, last and best validation loss, ETA, the error
of a failed run), the selected runs' train and validation loss by tokens or FLOPs, and per sweep the
report's charts (IsoFLOP profiles with parabolas and minima, the fitted laws with intervals beside the
paper's, every run's validation curve). The page updates as metrics.jsonl files grow and runs finish
(files are polled, so network filesystems work); each run has its own page at /run/<path>.
Stop with Ctrl-C.

Safety: binds to 127.0.0.1 unless --host is given. With any other host a token is required on every
request (one is generated and printed unless --token is given). Only files under the served paths are
readable (no '..', no symbolic links out of the tree).

From a laptop, for a sweep on a cluster login node:
  ssh -L 8787:127.0.0.1:8787 login.cluster   # then, there: plmscale serve sweeps/big
  open http://127.0.0.1:8787/ on the laptop`,
  options: {
    port: { type: "integer", min: 0, max: 65535, value: "P", default: "8787", description: "port (0 picks a free one)" },
    host: { type: "string", value: "H", description: "address to bind (default 127.0.0.1)" },
    token: { type: "string", value: "T", description: "require this token (16+ characters of A-Z a-z 0-9 - _), also on loopback" },
    "poll-ms": { type: "integer", min: 1, value: "MS", description: "how often to look at the run directories (default 1000)" },
  },
  examples: ["plmscale serve demo-out/sweep"],
  positionals: true,
  load: () => import("../commands/serve.js"),
});

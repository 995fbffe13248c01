import { resolve } from "node:path";
import { UserError } from "../../core/errors.js";
import { startServer } from "../../app/serve/server.js";
import { CliError, defineCommand, optNum, optStr } from "../command.js";

export interface ServeResult {
  url: string;
  runs: number;
  sweeps: number;
  seconds: number;
}

export const serveCommand = defineCommand<ServeResult>({
  name: "serve",
  summary: "a live page for runs and sweeps: runs table, loss curves, IsoFLOP profiles and laws, updated as they train",
  help: `Usage: plmscale serve PATH… [--port P] [--host H] [--token T] [--poll-ms MS]

PATH is a run, a sweep, a study or a directory of them. Serves one page (nothing on it is fetched from
elsewhere): a table of runs (status, N, D, C, tokens/s, MFU, last and best validation loss, ETA, the error
of a failed run), the selected runs' train and validation loss by tokens or FLOPs, and per sweep the
report's charts (IsoFLOP profiles with parabolas and minima, the fitted laws with intervals beside the
paper's, every run's validation curve). The page updates as metrics.jsonl files grow and runs finish
(files are polled, so network filesystems work); each run has its own page at /run/<path>.
Stop with Ctrl-C.

Safety: binds to 127.0.0.1 unless --host is given. With any other host a token is required on every
request (one is generated and printed unless --token is given). Only files under the served paths are
readable (no '..', no symbolic links out of the tree).

Options:
  --port P       port (default 8787; 0 picks a free one)
  --host H       address to bind (default 127.0.0.1)
  --token T      require this token (16+ characters of A-Z a-z 0-9 - _), also on loopback
  --poll-ms MS   how often to look at the run directories (default 1000)

From a laptop, for a sweep on a cluster login node:
  ssh -L 8787:127.0.0.1:8787 login.cluster   # then, there: plmscale serve sweeps/big
  open http://127.0.0.1:8787/ on the laptop

Example:
  plmscale serve demo-out/sweep`,
  options: { port: { type: "string" }, host: { type: "string" }, token: { type: "string" }, "poll-ms": { type: "string" } },
  positionals: true,
  async run(args, io) {
    if (args.positionals.length === 0) throw new CliError("expected at least one run, sweep or directory: plmscale serve PATH…", 2);
    const t0 = Date.now();
    let server;
    try {
      server = await startServer({
        paths: args.positionals.map((p) => resolve(p)), host: optStr(args, "host"), port: optNum(args, "port") ?? 8787,
        token: optStr(args, "token"), pollMs: optNum(args, "poll-ms"),
      });
    } catch (e) {
      // UserError → CliError until cli/main.ts prints UserError itself
      if (e instanceof UserError) throw new CliError(e.message, e.exitCode);
      throw e;
    }
    const say = io.json ? io.err : io.out;
    const runs = server.state.rows().length, sweeps = server.state.discovery.sweeps.length;
    say(`serving ${runs} run(s) in ${sweeps} sweep(s) at ${server.openUrl}`);
    if (server.token) say(`token required on every request (query ?token=… or header 'Authorization: Bearer …'): ${server.token}`);
    else say("bound to loopback only; from another machine use: ssh -L " + `${server.port}:127.0.0.1:${server.port} THIS_HOST`);
    say("Ctrl-C to stop");
    await new Promise<void>((done) => {
      if (io.signal.aborted) return done();
      io.signal.addEventListener("abort", () => done(), { once: true });
    });
    await server.close();
    return { url: server.url, runs: server.state.rows().length, sweeps: server.state.discovery.sweeps.length, seconds: (Date.now() - t0) / 1000 };
  },
  human(r, io) {
    io.out(`stopped after ${Math.round(r.seconds)} s`);
  },
});

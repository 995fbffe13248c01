import { resolve } from "node:path";
import { UserError } from "../../core/errors.js";
import { startServer } from "../../app/serve/server.js";
import { defineRun, optNum, optStr } from "../command.js";

export interface ServeResult {
  url: string;
  runs: number;
  sweeps: number;
  seconds: number;
}

export default defineRun<ServeResult>({
  async run(args, io) {
    if (args.positionals.length === 0) throw new UserError("expected at least one run, sweep or directory: plmscale serve PATH…", 2);
    const t0 = Date.now();
    const server = await startServer({
      paths: args.positionals.map((p) => resolve(p)), host: optStr(args, "host"), port: optNum(args, "port") ?? 8787,
      token: optStr(args, "token"), pollMs: optNum(args, "poll-ms"),
    });
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

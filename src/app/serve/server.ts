// `plmscale serve`: one page for runs and sweeps, updated live. Node's own http: GET only, JSON under /api,
// Server-Sent Events on /api/events, raw run files under /files (with Range), the page's script, styles and
// vega bundles under /assets (no request ever leaves the server). Loopback by default; any other host needs
// a token. The state is polled from disk every `pollMs` (works on NFS) and changes are pushed to the pages.
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../core/errors.js";
import { makeRoots } from "./discover.js";
import { LiveCharts } from "./live-charts.js";
import { hostHeaderOk, parseRange, requestToken, resolveServedFile, tokenFor, tokenMatches } from "./safety.js";
import { ServeState, type RunRow } from "./state.js";

export interface ServeOptions {
  paths: string[];
  host?: string;
  /** 0 picks a free port */
  port?: number;
  /** required on every request when set; generated when the host is not loopback and none is given */
  token?: string;
  /** milliseconds between polls of the run directories (default 1000) */
  pollMs?: number;
  /** look for new runs and sweeps every this many polls (default 5) */
  rescanEvery?: number;
}

export interface RunningServer {
  url: string;
  /** the URL to open, with the token when one is required */
  openUrl: string;
  host: string;
  port: number;
  token: string | null;
  state: ServeState;
  charts: LiveCharts;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The page's own files: beside this module when packaged, else in the source tree (dist/src/… → src/…). */
function staticDir(): string {
  for (const d of [join(here, "static"), join(here, "../../../../src/app/serve/static")]) if (existsSync(join(d, "index.html"))) return d;
  throw new Error(`serve: the page's files (static/index.html) are missing next to ${here}`);
}

function findModuleFile(rel: string): string {
  for (let d = here; ; d = dirname(d)) {
    const p = join(d, "node_modules", rel);
    if (existsSync(p)) return p;
    if (dirname(d) === d) throw new Error(`serve: ${rel} not found in node_modules`);
  }
}

const ASSETS: Record<string, { file: () => string; type: string }> = {
  "page.js": { file: () => join(staticDir(), "page.js"), type: "text/javascript; charset=utf-8" },
  "page.css": { file: () => join(staticDir(), "page.css"), type: "text/css; charset=utf-8" },
  "vega.min.js": { file: () => findModuleFile("vega/build/vega.min.js"), type: "text/javascript; charset=utf-8" },
  "vega-lite.min.js": { file: () => findModuleFile("vega-lite/build/vega-lite.min.js"), type: "text/javascript; charset=utf-8" },
};

// vega compiles its expressions with Function(): hence 'unsafe-eval'; everything else only from this origin
const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
};

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const host = o.host ?? "127.0.0.1";
  const token = tokenFor(host, o.token);
  const roots = makeRoots(o.paths);
  const state = new ServeState(roots);
  state.rescan();
  state.poll();
  const charts = new LiveCharts(state, () => broadcast([], false, true));
  const pages = readFileSync(join(staticDir(), "index.html"), "utf8");
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string | number> = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": Buffer.byteLength(body), ...extra });
    res.end(res.req.method === "HEAD" ? undefined : body);
  };
  const json = (res: ServerResponse, value: unknown, status = 200) => send(res, status, JSON.stringify(value), "application/json; charset=utf-8");
  const fail = (res: ServerResponse, status: number, why: string) => send(res, status, why + "\n", "text/plain; charset=utf-8");

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") return fail(res, 405, "only GET and HEAD");
    const target = req.url ?? "/";
    if (!target.startsWith("/")) return fail(res, 400, "bad request target");
    const url = new URL(target, "http://x");
    // the raw path, before URL() folds "..": every route below matches on it, so nothing is normalised away
    const rawPath = target.split("?")[0]!;
    if (!token && !hostHeaderOk(req.headers.host)) return fail(res, 403, "this server answers only to localhost / 127.0.0.1 (Host header)");
    if (rawPath.startsWith("/assets/")) {
      const a = ASSETS[rawPath.slice(8)];
      if (!a) return fail(res, 404, "no such asset");
      return send(res, 200, readFileSync(a.file()), a.type, { "Cache-Control": "max-age=3600" });
    }
    if (token && !tokenMatches(token, requestToken(url, req.headers))) return fail(res, 401, "token required: open the URL printed by 'plmscale serve' (…?token=…)");
    if (rawPath === "/" || rawPath.startsWith("/run/")) return send(res, 200, pages, "text/html; charset=utf-8");
    if (rawPath === "/favicon.ico") return send(res, 204, "", "image/x-icon");
    if (rawPath === "/api/state") return json(res, snapshot());
    if (rawPath === "/api/run") {
      const r = state.get(url.searchParams.get("key") ?? "");
      if (!r) return fail(res, 404, "no such run");
      return json(res, { version: state.version, row: r.row, dir: r.entry.dir, config: r.config, result: r.result, partialLine: r.tail.hasPartialLine });
    }
    if (rawPath === "/api/charts") {
      const t0 = performance.now();
      const x = url.searchParams.get("x") === "flops" ? "flops" : "tokens";
      const out = url.searchParams.get("scope") === "run"
        ? { charts: charts.run(url.searchParams.get("key") ?? ""), notes: [] as string[] }
        : charts.overview((url.searchParams.get("selected") ?? "").split(",").filter(Boolean), x);
      return json(res, { version: state.version, ...out, ms: Math.round(performance.now() - t0) });
    }
    if (rawPath === "/api/events") {
      res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/event-stream; charset=utf-8", Connection: "keep-alive" });
      res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ version: state.version })}\n\n`);
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    if (rawPath.startsWith("/files/")) return serveFile(req, res, rawPath.slice(7));
    return fail(res, 404, "not found");
  };

  const serveFile = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const f = resolveServedFile(raw, roots);
    if (!f.ok) return fail(res, f.status, f.why);
    const range = parseRange(req.headers.range, f.size);
    if (range.kind === "invalid") return send(res, 416, "bad range\n", "text/plain; charset=utf-8", { "Content-Range": `bytes */${f.size}` });
    const type = /\.(json|jsonl)$/.test(f.path) ? "application/json; charset=utf-8" : /\.(log|txt|csv)$/.test(f.path) ? "text/plain; charset=utf-8" : "application/octet-stream";
    const [start, end, status] = range.kind === "partial" ? [range.start, range.end, 206] : [0, f.size - 1, 200];
    const headers: Record<string, string | number> = { ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": Math.max(0, end - start + 1), "Accept-Ranges": "bytes" };
    if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${f.size}`;
    res.writeHead(status, headers);
    if (req.method === "HEAD" || f.size === 0) return res.end();
    createReadStream(f.path, { start, end }).on("error", () => res.destroy()).pipe(res);
  };

  const snapshot = () => ({
    version: state.version, roots: roots.map((r) => ({ name: r.name, path: r.path })),
    sweeps: state.sweepRows(), runs: state.rows(), problems: state.discovery.problems, pollMs: o.pollMs ?? 1000,
  });

  function broadcast(rows: RunRow[], rescanned: boolean, fitted = false) {
    const msg = `event: update\ndata: ${JSON.stringify({ version: state.version, rows, sweeps: state.sweepRows(), rescanned, fitted })}\n\n`;
    for (const s of streams) s.write(msg);
  }

  let polls = 0;
  const timer = setInterval(() => {
    try {
      const rescanned = ++polls % (o.rescanEvery ?? 5) === 0 && state.rescan();
      const rows = state.poll();
      if (rows.length || rescanned) broadcast(rows, rescanned);
    } catch (e) {
      process.emitWarning(`serve: poll failed: ${(e as Error).message}`);
    }
  }, o.pollMs ?? 1000);
  const keepAlive = setInterval(() => { for (const s of streams) s.write(": keep-alive\n\n"); }, 15_000);

  const server: Server = createServer((req, res) => {
    try { handle(req, res); } catch (e) { if (!res.headersSent) fail(res, 500, `server error: ${(e as Error).message}`); else res.destroy(); }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? new UserError(`port ${o.port} on ${host} is in use; choose another with --port`) : e.code === "EADDRNOTAVAIL" ? new UserError(`${host} is not an address of this machine`, 2) : e));
    server.listen(o.port ?? 0, host, () => resolve());
  }).catch((e) => { clearInterval(timer); clearInterval(keepAlive); throw e; });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shown}:${port}/`;
  return {
    url, openUrl: token ? `${url}?token=${token}` : url, host, port, token, state, charts,
    close: async () => {
      clearInterval(timer);
      clearInterval(keepAlive);
      for (const s of streams) s.end();
      streams.clear();
      await charts.close();
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    },
  };
}

// Resumable download for remote corpora (UniRef, MGnify): data goes to OUT.part; after a dropped connection
// the next attempt asks for the rest with an HTTP Range header (206 → append; 200 → the server ignored the
// range, start over). Retries with exponential back-off; the optional sha256 is checked over the whole file
// before OUT.part is renamed to OUT, so OUT only ever exists complete.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { UserError } from "../core/errors.js";

export interface FetchOptions {
  sha256?: string;
  retries?: number;
  /** first back-off in ms (doubles per retry, default 1000) */
  backoffMs?: number;
  /** socket inactivity timeout in ms (default 30000) */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number | undefined) => void;
}

export interface FetchResult {
  path: string;
  bytes: number;
  sha256: string;
  attempts: number;
  resumed: number; // attempts that continued a partial file
}

/** A failed download (exit code 4); a subclass because the retry loop gives up at once on a permanent one. */
export class FetchError extends UserError {
  constructor(message: string, readonly permanent = false) {
    super(message, 4);
  }
}

function get(url: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal, hops = 0): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === "https:" ? httpsRequest : u.protocol === "http:" ? httpRequest : null);
    if (!req) return reject(new FetchError(`unsupported URL scheme '${u.protocol}'`, true));
    const r = req(u, { headers, signal, timeout: timeoutMs }, (res) => {
      const code = res.statusCode ?? 0;
      if (code >= 300 && code < 400 && res.headers.location) {
        res.resume();
        if (hops >= 5) return reject(new FetchError("too many redirects", true));
        resolve(get(new URL(res.headers.location, u).href, headers, timeoutMs, signal, hops + 1));
      } else resolve(res);
    });
    r.on("timeout", () => r.destroy(new FetchError(`no data for ${timeoutMs} ms`)));
    r.on("error", reject);
    r.end();
  });
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest("hex");
}

export async function fetchFile(url: string, out: string, o: FetchOptions = {}): Promise<FetchResult> {
  const part = out + ".part";
  const retries = o.retries ?? 5;
  let attempts = 0, resumed = 0;
  let lastError: Error | null = null;
  while (attempts <= retries) {
    if (o.signal?.aborted) throw new FetchError("interrupted; run the same command again to resume", true);
    attempts++;
    const have = existsSync(part) ? statSync(part).size : 0;
    try {
      const res = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {}, o.timeoutMs ?? 30000, o.signal);
      const code = res.statusCode ?? 0;
      let start = 0, total: number | undefined;
      if (code === 206) {
        const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(String(res.headers["content-range"] ?? ""));
        start = m ? Number(m[1]) : have;
        if (start !== have) { res.resume(); rmSync(part, { force: true }); throw new FetchError(`server resumed at byte ${start}, expected ${have}; restarting`); }
        total = m && m[3] !== "*" ? Number(m[3]) : undefined;
        resumed++;
      } else if (code === 416 && have > 0) {
        res.resume();
        total = have; // nothing left to fetch: the partial file is complete
      } else if (code === 200) {
        const len = res.headers["content-length"];
        total = len !== undefined ? Number(len) : undefined;
      } else {
        res.resume();
        const permanent = code >= 400 && code < 500 && code !== 408 && code !== 429;
        throw new FetchError(`HTTP ${code} for ${url}`, permanent);
      }
      if (code !== 416) {
        const ws = createWriteStream(part, { flags: code === 206 ? "a" : "w" });
        let bytes = start;
        // every byte received is flushed to OUT.part even when the connection drops, so the next Range is exact
        const failed = await new Promise<Error | null>((resolve) => {
          let err: Error | null = null;
          res.on("data", (c: Buffer) => {
            bytes += c.length;
            o.onProgress?.(bytes, total);
            if (!ws.write(c)) {
              res.pause();
              ws.once("drain", () => res.resume());
            }
          });
          res.on("aborted", () => (err ??= new FetchError(`connection dropped after ${bytes} bytes`)));
          res.on("error", (e) => (err ??= e));
          res.on("close", () => ws.end());
          ws.on("finish", () => resolve(err));
          ws.on("error", (e) => resolve(e));
        });
        if (failed) throw failed;
        if (!res.complete) throw new FetchError(`connection dropped after ${bytes} bytes`);
        if (total !== undefined && bytes !== total) throw new FetchError(`got ${bytes} of ${total} bytes`);
      }
      const sha = await sha256Of(part);
      if (o.sha256 && sha !== o.sha256.toLowerCase()) {
        rmSync(part, { force: true });
        throw new FetchError(`sha256 mismatch for ${url}: got ${sha}, expected ${o.sha256}; the partial file was removed`, true);
      }
      renameSync(part, out);
      return { path: out, bytes: statSync(out).size, sha256: sha, attempts, resumed };
    } catch (e) {
      lastError = e as Error;
      if (e instanceof FetchError && e.permanent) throw e;
      if (o.signal?.aborted) throw new FetchError("interrupted; run the same command again to resume", true);
      if (attempts > retries) break;
      await new Promise((r) => setTimeout(r, (o.backoffMs ?? 1000) * 2 ** (attempts - 1)));
    }
  }
  throw new FetchError(`giving up after ${attempts} attempts: ${lastError?.message}; run again to resume from ${part}`);
}

// The server's guards, as pure functions: which hosts count as loopback, token checks, mapping a URL path to
// a file inside the served trees (traversal, encoded traversal and symlinks out of the tree refused) and
// parsing a Range header (one range of sane size; anything else is refused with 416).
import { realpathSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { join, normalize, sep } from "node:path";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { UserError } from "../../core/errors.js";
import { insideRoots, type ServedRoot } from "./discover.js";

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/**
 * The token a server on `host` requires: the given one (checked), a fresh random one for a non-loopback host
 * without one, or null (loopback, none given). An empty token on a non-loopback host is refused.
 */
export function tokenFor(host: string, given: string | undefined): string | null {
  const loopback = isLoopbackHost(host);
  const token = given ?? (loopback ? null : randomBytes(18).toString("base64url"));
  if (!loopback && !token) throw new UserError(`--host ${host} is not loopback; a token is required`, 2);
  if (token !== null && !/^[A-Za-z0-9_-]{16,}$/.test(token)) throw new UserError("--token must be at least 16 characters of A-Z, a-z, 0-9, - or _", 2);
  return token;
}

/** The Host header of a request to a loopback-only server must name loopback (stops DNS rebinding). */
export function hostHeaderOk(header: string | undefined): boolean {
  if (!header) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(header);
  return m !== null && isLoopbackHost(m[1]!);
}

export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected), b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token from `?token=`, `Authorization: Bearer …` or `X-Plmscale-Token`. */
export function requestToken(url: URL, headers: Record<string, string | string[] | undefined>): string | undefined {
  const q = url.searchParams.get("token");
  if (q) return q;
  const auth = headers.authorization;
  if (typeof auth === "string" && auth.startsWith("Bearer ")) return auth.slice(7).trim();
  const h = headers["x-plmscale-token"];
  return typeof h === "string" ? h : undefined;
}

export type Resolved = { ok: true; path: string; size: number } | { ok: false; status: 400 | 403 | 404; why: string };

/**
 * `rawPath` is what follows /files/ in the request target, still percent-encoded: "<root name>/<path>".
 * Each segment is decoded once; ".", "..", empty segments, NUL and a decoded "/" or "\" are refused
 * before the file system is touched, and the real path (symlinks resolved) must stay inside a served root.
 */
export function resolveServedFile(rawPath: string, roots: readonly ServedRoot[]): Resolved {
  const parts = rawPath.split("/");
  let segs: string[];
  try { segs = parts.map((p) => decodeURIComponent(p)); } catch { return { ok: false, status: 400, why: "bad percent-encoding" }; }
  if (segs.length < 2 || segs.some((s) => s === "" || s === "." || s === ".." || /[\0/\\]/.test(s))) return { ok: false, status: 403, why: "path segments must be plain names" };
  const root = roots.find((r) => r.name === segs[0]);
  if (!root) return { ok: false, status: 404, why: "no such served path" };
  const joined = normalize(join(root.real, ...segs.slice(1)));
  if (!joined.startsWith(root.real + sep)) return { ok: false, status: 403, why: "outside the served path" };
  let real: string;
  try { real = realpathSync(joined); } catch { return { ok: false, status: 404, why: "not found" }; }
  if (!insideRoots(real, roots)) return { ok: false, status: 403, why: "a link out of the served paths" };
  const st = statSync(real);
  if (!st.isFile()) return { ok: false, status: 404, why: "not a file" };
  return { ok: true, path: real, size: st.size };
}

/** Longest range we serve in one response (a client pages through larger files). */
export const MAX_RANGE_BYTES = 64 << 20;

export type RangeResult = { kind: "full" } | { kind: "partial"; start: number; end: number } | { kind: "invalid" };

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; multiple ranges, huge numbers and empty ranges are invalid. */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: "full" };
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "invalid" };
  let start: number, end: number;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0) return { kind: "invalid" };
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (Number(m[2] || start) < start) return { kind: "invalid" };
  }
  if (start >= size || end < start || end - start + 1 > MAX_RANGE_BYTES) return { kind: "invalid" };
  return { kind: "partial", start, end };
}

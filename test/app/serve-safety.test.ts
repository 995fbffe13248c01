// serve's guards over real HTTP: traversal (plain and percent-encoded), symlinks out of the tree, ranges,
// tokens, the Host check, and a non-loopback bind without a token. Requests go out raw (http.request) so
// that no client library folds "../" away before the server sees it.
import { strict as assert } from "node:assert";
import { request } from "node:http";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { UserError } from "../../src/core/errors.js";
import { startServer, type RunningServer } from "../../src/app/serve/server.js";
import { isLoopbackHost, parseRange, MAX_RANGE_BYTES, tokenFor } from "../../src/app/serve/safety.js";
import { lawSweep } from "./serve-fixtures.js";

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("serve: files only from the served tree", () => {
  let srv: RunningServer;
  let root: string, runKey: string, secret: string;
  before(async () => {
    const s = lawSweep({ lines: 4 });
    root = s.dir;
    // a secret beside the served tree, and a link to it from inside a run directory
    const outside = mkdtempSync(join(tmpdir(), "plmscale-secret-"));
    secret = join(outside, "secret.txt");
    writeFileSync(secret, "TOP-SECRET\n");
    const run = join(root, "runs", s.design.points[0]!.id);
    symlinkSync(secret, join(run, "leak.txt"));
    symlinkSync(outside, join(run, "leakdir"));
    srv = await startServer({ paths: [root], port: 0, pollMs: 100_000 });
    runKey = srv.state.rows()[0]!.key;
  });
  after(() => srv.close());

  test("a run file is served, whole and by range", async () => {
    const whole = await get(srv.port, `/files/${runKey}/metrics.jsonl`);
    assert.equal(whole.status, 200);
    assert.equal(whole.body.trim().split("\n").length, 4);
    const part = await get(srv.port, `/files/${runKey}/metrics.jsonl`, { range: "bytes=2-7" });
    assert.equal(part.status, 206);
    assert.equal(part.body, whole.body.slice(2, 8));
    assert.equal(part.headers["content-range"], `bytes 2-7/${Buffer.byteLength(whole.body)}`);
    const tail = await get(srv.port, `/files/${runKey}/metrics.jsonl`, { range: "bytes=-5" });
    assert.equal(tail.body, whole.body.slice(-5));
  });

  test("../ and its encodings are refused, and never reach the secret", async () => {
    const name = root.split("/").pop()!;
    const tries = [
      `/files/${name}/../${secret.split("/").slice(-2).join("/")}`,
      `/files/${name}/%2e%2e/%2e%2e/%2e%2e${secret}`,
      `/files/${name}/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd`,
      `/files/${name}/runs/..%2f..%2f..%2fetc/passwd`,
      `/files/${name}/..\\..\\etc\\passwd`,
      `/files/${name}/%252e%252e/sweep.json`,
      `/files/%2e%2e/etc/passwd`,
      `/files/${name}/runs/%00/sweep.json`,
      `/../../../etc/passwd`,
    ];
    for (const t of tries) {
      const r = await get(srv.port, t);
      assert.ok([400, 403, 404].includes(r.status), `${t} → ${r.status}`);
      assert.ok(!r.body.includes("TOP-SECRET") && !r.body.includes("root:"), t);
    }
    assert.equal((await get(srv.port, `/files/${name}/%2e%2e/x`)).status, 403);
  });

  test("symbolic links out of the tree are refused (file and directory)", async () => {
    const f = await get(srv.port, `/files/${runKey}/leak.txt`);
    assert.equal(f.status, 403);
    assert.ok(!f.body.includes("TOP-SECRET"));
    const d = await get(srv.port, `/files/${runKey}/leakdir/secret.txt`);
    assert.equal(d.status, 403);
  });

  test("absurd and multiple ranges get 416", async () => {
    for (const range of ["bytes=0-99999999999999999999", "bytes=999999-", "bytes=5-2", "bytes=0-1,3-4", "bytes=-0", "pages=1-2", `bytes=0-${MAX_RANGE_BYTES * 4}`]) {
      const r = await get(srv.port, `/files/${runKey}/metrics.jsonl`, { range });
      if (range === `bytes=0-${MAX_RANGE_BYTES * 4}`) assert.equal(r.status, 206, "an end past the file is clamped (RFC 9110)");
      else assert.equal(r.status, 416, range);
    }
    assert.deepEqual(parseRange(`bytes=0-${MAX_RANGE_BYTES}`, MAX_RANGE_BYTES * 2), { kind: "invalid" }, "more than MAX_RANGE_BYTES in one range");
  });

  test("only GET/HEAD, and a Host header naming another site is refused (DNS rebinding)", async () => {
    const r = await new Promise<number>((resolve) => {
      const req = request({ host: "127.0.0.1", port: srv.port, path: "/api/state", method: "POST" }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.end();
    });
    assert.equal(r, 405);
    assert.equal((await get(srv.port, "/api/state", { host: "evil.example:80" })).status, 403);
    assert.equal((await get(srv.port, "/api/state", { host: `localhost:${srv.port}` })).status, 200);
  });

  test("security headers: a CSP that allows only this origin", async () => {
    const r = await get(srv.port, "/");
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-security-policy"]), /default-src 'none'; script-src 'self'/);
    assert.equal(r.headers["x-content-type-options"], "nosniff");
    assert.doesNotMatch(r.body, /https?:\/\/(?!127)/, "the page references no other site");
  });
});

describe("serve: tokens and binds", () => {
  test("a non-loopback host without a token is refused, or gets a generated one; loopback needs none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plmscale-serve-"));
    mkdirSync(join(dir, "r"));
    // refused before anything is bound (tests bind loopback only)
    await assert.rejects(startServer({ paths: [dir], host: "0.0.0.0", port: 0, token: "" }), (e: unknown) => e instanceof UserError && /0\.0\.0\.0 is not loopback; a token is required/.test(e.message));
    await assert.rejects(startServer({ paths: [dir], host: "192.168.1.10", port: 0, token: "short" }), (e: unknown) => e instanceof UserError && /at least 16/.test(e.message));
    const a = tokenFor("0.0.0.0", undefined), b = tokenFor("::", undefined);
    assert.ok(a && b && a.length >= 16 && a !== b, "a fresh random token per server");
    assert.equal(tokenFor("127.0.0.1", undefined), null);
    assert.equal(tokenFor("localhost", undefined), null);
    assert.equal(tokenFor("::1", undefined), null);
    assert.equal(isLoopbackHost("127.9.9.9"), true);
    assert.equal(isLoopbackHost("128.0.0.1"), false);
    assert.equal(isLoopbackHost("localhost.evil.example"), false);
  });

  test("with a token: refused without or with a wrong one; accepted by query or header", async () => {
    const s = lawSweep({ lines: 2 });
    const token = "a-long-test-token-1234";
    const srv = await startServer({ paths: [s.dir], port: 0, token, pollMs: 100_000 });
    try {
      const key = srv.state.rows()[0]!.key;
      assert.equal((await get(srv.port, "/api/state")).status, 401);
      assert.equal((await get(srv.port, "/api/state?token=a-long-test-token-1235")).status, 401);
      assert.equal((await get(srv.port, `/files/${key}/result.json`)).status, 401);
      assert.equal((await get(srv.port, `/api/events`)).status, 401);
      const q = await get(srv.port, `/api/state?token=${token}`);
      assert.equal(q.status, 200);
      assert.equal(JSON.parse(q.body).runs.length, s.design.points.length);
      assert.equal((await get(srv.port, "/api/state", { authorization: `Bearer ${token}` })).status, 200);
      assert.equal((await get(srv.port, `/files/${key}/result.json`, { "x-plmscale-token": token })).status, 200);
      // the bundled scripts are public code and load without it (the page itself does not)
      assert.equal((await get(srv.port, "/assets/page.js")).status, 200);
      assert.equal((await get(srv.port, "/")).status, 401);
    } finally {
      await srv.close();
    }
  });

  test("a path that does not exist is a UserError naming it", async () => {
    await assert.rejects(startServer({ paths: ["/nonexistent/plmscale-x"], port: 0 }), (e: unknown) => e instanceof UserError && /nonexistent\/plmscale-x does not exist/.test(e.message));
  });
});

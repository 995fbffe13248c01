import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { fetchFile, FetchError } from "../../src/data/fetch.js";
import { tmp } from "./helpers.js";

const body = randomBytes(300_000);
const sha = createHash("sha256").update(body).digest("hex");

/** A 127.0.0.1 server that honours Range and cuts the first `drops` responses after `cutAt` bytes. */
async function serve(opts: { drops: number; cutAt: number; ranges?: boolean }) {
  const log: { range: string | undefined; status: number }[] = [];
  let drops = opts.drops;
  const server: Server = createServer((req, res) => {
    if (req.url !== "/file.bin") {
      res.writeHead(404).end();
      log.push({ range: undefined, status: 404 });
      return;
    }
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? "");
    const start = m && opts.ranges !== false ? Number(m[1]) : 0;
    const status = m && opts.ranges !== false ? 206 : 200;
    log.push({ range: req.headers.range, status });
    const headers: Record<string, string | number> = { "content-length": body.length - start };
    if (status === 206) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(status, headers);
    if (drops > 0) {
      drops--;
      res.write(body.subarray(start, Math.min(body.length, start + opts.cutAt)), () => res.socket?.destroy());
    } else res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, log, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test("a dropped connection is resumed with HTTP Range and the checksum verified", async () => {
  const s = await serve({ drops: 2, cutAt: 100_000 });
  try {
    const out = join(tmp(), "file.bin");
    const r = await fetchFile(`${s.url}/file.bin`, out, { sha256: sha, backoffMs: 5 });
    assert.ok(readFileSync(out).equals(body));
    assert.equal(r.sha256, sha);
    assert.equal(r.attempts, 3);
    assert.equal(r.resumed, 2);
    // the cut happens inside the kernel's buffers, so the resume offsets are whatever had arrived: > 0 and rising
    const offsets = s.log.map((l) => (l.range ? Number(/bytes=(\d+)-/.exec(l.range)![1]) : 0));
    assert.equal(offsets[0], 0);
    assert.ok(offsets[1]! > 0 && offsets[2]! > offsets[1]! && offsets[2]! <= 200_000, `offsets ${offsets}`);
    assert.ok(!existsSync(out + ".part"));
  } finally {
    await s.close();
  }
});

test("a server that ignores Range restarts the file from zero", async () => {
  const s = await serve({ drops: 1, cutAt: 50_000, ranges: false });
  try {
    const out = join(tmp(), "file.bin");
    const r = await fetchFile(`${s.url}/file.bin`, out, { sha256: sha, backoffMs: 5 });
    assert.ok(readFileSync(out).equals(body));
    assert.equal(r.resumed, 0);
  } finally {
    await s.close();
  }
});

test("a leftover .part from an interrupted run is continued", async () => {
  const s = await serve({ drops: 0, cutAt: 0 });
  try {
    const out = join(tmp(), "file.bin");
    writeFileSync(out + ".part", body.subarray(0, 123_456));
    const r = await fetchFile(`${s.url}/file.bin`, out, { sha256: sha });
    assert.ok(readFileSync(out).equals(body));
    assert.deepEqual(s.log.map((l) => l.range), ["bytes=123456-"]);
    assert.equal(r.attempts, 1);
  } finally {
    await s.close();
  }
});

test("checksum mismatch, HTTP 404 and exhausted retries are errors; no output file appears", async () => {
  const s = await serve({ drops: 10, cutAt: 10_000 });
  try {
    const dir = tmp();
    await assert.rejects(fetchFile(`${s.url}/file.bin`, join(dir, "a"), { sha256: "0".repeat(64), backoffMs: 1, retries: 20 }),
      (e: Error) => e instanceof FetchError && /sha256 mismatch/.test(e.message));
    assert.ok(!existsSync(join(dir, "a")) && !existsSync(join(dir, "a.part")));
    await assert.rejects(fetchFile(`${s.url}/missing`, join(dir, "b"), { backoffMs: 1 }), /HTTP 404/);
    const s2 = await serve({ drops: 10, cutAt: 1000 });
    try {
      await assert.rejects(fetchFile(`${s2.url}/file.bin`, join(dir, "c"), { backoffMs: 1, retries: 2 }), /giving up after 3 attempts.*resume/);
      assert.ok(!existsSync(join(dir, "c")));
      const kept = readFileSync(join(dir, "c.part"));
      assert.ok(kept.length > 0 && kept.length <= 3000 && kept.equals(body.subarray(0, kept.length)), "the partial file is kept for a later resume");
    } finally {
      await s2.close();
    }
  } finally {
    await s.close();
  }
});

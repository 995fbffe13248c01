// `plmscale serve` as a user runs it: a real process, its printed URL, Ctrl-C, and its user errors.
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { lawSweep } from "./serve-fixtures.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

describe("plmscale serve (CLI)", () => {
  test("prints the URL, serves the sweep, stops on Ctrl-C with a JSON summary", async () => {
    const s = lawSweep({ lines: 3 });
    const child = spawn(process.execPath, [MAIN, "serve", s.dir, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "", out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (b: Buffer) => {
        err += b.toString();
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (c) => reject(new Error(`exited ${c}: ${err}`)));
    });
    assert.match(err, new RegExp(`serving ${s.design.points.length} run\\(s\\) in 1 sweep\\(s\\)`));
    const state = (await (await fetch(url + "api/state")).json()) as { runs: { state: string }[] };
    assert.equal(state.runs.filter((r) => r.state === "done").length, s.design.points.length);
    const code = await new Promise<number | null>((resolve) => { child.on("exit", resolve); child.kill("SIGINT"); });
    assert.equal(code, 130);
    const summary = JSON.parse(out) as { url: string; runs: number; sweeps: number };
    assert.deepEqual([summary.url, summary.runs, summary.sweeps], [url, s.design.points.length, 1]);
  });

  test("user errors: exit code 2 and a one-line message, no stack trace", () => {
    const r = spawnSync(process.execPath, [MAIN, "serve", "/nonexistent/plmscale-y"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), "plmscale serve: /nonexistent/plmscale-y does not exist");
    const none = spawnSync(process.execPath, [MAIN, "serve"], { encoding: "utf8" });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /expected at least one run, sweep or directory/);
    const help = spawnSync(process.execPath, [MAIN, "serve", "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /ssh -L 8787:127\.0\.0\.1:8787/);
  });
});

// The plmscale launcher (bin.ts) re-executes node with tcmalloc preloaded when the library is installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tcmallocPath } from "../../src/torch/allocator.js";

const bin = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const doctor = (env: NodeJS.ProcessEnv) => {
  const r = spawnSync(process.execPath, [bin, "doctor", "--json"], { env: { ...process.env, LD_PRELOAD: "", ...env }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { tcmalloc: boolean };
};

test("launcher preloads tcmalloc when installed; PLMSCALE_MALLOC=default keeps glibc", () => {
  assert.equal(doctor({ PLMSCALE_MALLOC: "default" }).tcmalloc, false);
  assert.equal(doctor({}).tcmalloc, tcmallocPath() !== null);
});

test("launcher passes the exit code through", () => {
  const r = spawnSync(process.execPath, [bin, "no-such-command"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command/);
});

test("launcher exits 128+signal when its child dies of a signal: 130 for SIGINT, 137 for SIGKILL, 143 for SIGTERM", { skip: tcmallocPath() === null && "no tcmalloc: the launcher runs main.js in-process" }, async () => {
  const { spawn } = await import("node:child_process");
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  // a real engine command (sweep run) over an empty sweep dir would exit at once: use train on a FASTA big
  // enough to keep the child busy, and signal the child (not the launcher) once it has started training
  const dir = mkdtempSync(join(tmpdir(), "plmscale-sig-"));
  const fa = join(dir, "x.fasta");
  const base = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDW";
  // distinct sequences (rotations): exact copies would all land on one side of the held-out split
  writeFileSync(fa, Array.from({ length: 400 }, (_, i) => `>s${i}\n${base.slice(i % base.length) + base.slice(0, i % base.length)}`).join("\n"));
  for (const [sig, code] of [["SIGINT", 130], ["SIGKILL", 137], ["SIGTERM", 143]] as const) {
    const p = spawn(process.execPath, [bin, "train", "--data", fa, "--out", join(dir, sig), "--shape", "2,32,2", "--tokens", "50M", "--context", "64", "--threads", "1"], { env: { ...process.env, LD_PRELOAD: "", PLMSCALE_MALLOC: "" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    const started = new Promise<void>((res) => p.stderr.on("data", (b) => { stderr += b; if (/step|tokens\/s|%/.test(stderr)) res(); }));
    await Promise.race([started, new Promise((r) => setTimeout(r, 60000))]);
    const child = spawnSync("pgrep", ["-P", String(p.pid)], { encoding: "utf8" }).stdout.trim().split("\n")[0];
    assert.ok(child, "the launcher started a child node");
    process.kill(Number(child), sig);
    const status = await new Promise<number | null>((res) => p.on("exit", (c) => res(c)));
    assert.equal(status, code, `${sig}: ${stderr.slice(-500)}`);
  }
});

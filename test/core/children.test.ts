// Child tools stop with their parent: a tool started through spawnTool, which itself starts a grandchild (as
// mmseqs's workflows do), is gone with its whole process group when the parent gets SIGTERM or SIGHUP or exits.
// Real processes, real signals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHILDREN = fileURLToPath(new URL("../../src/core/children.js", import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("tools started by spawnTool die with their parent: SIGTERM, SIGHUP, process.exit", async () => {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-children-"));
  let tried = 0;
  for (const how of ["SIGTERM", "SIGHUP", "exit"] as const) {
    const pidfile = join(dir, `${how}.pid`);
    // the tool: a shell that starts a long sleep (the grandchild) and waits for it
    const script = `import { spawnTool } from ${JSON.stringify(CHILDREN)};
spawnTool("sh", ["-c", "sleep 300 & echo $! > ${pidfile}; wait"], { stdio: "ignore" });
${how === "exit" ? `setTimeout(() => process.exit(1), 1500);` : ""}
setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => parent.on("exit", (c, s) => r([c, s])));
    await until(() => existsSync(pidfile) && readFileSync(pidfile, "utf8").trim() !== "", `${how}: the tool did not start`);
    const sleeper = Number(readFileSync(pidfile, "utf8"));
    assert.ok(alive(sleeper), `${how}: grandchild running`);
    if (how !== "exit") parent.kill(how);
    const [code, sig] = await exited;
    if (how === "exit") assert.equal(code, 1);
    else assert.equal(sig, how, `${how}: the parent still dies of its signal`);
    await until(() => !alive(sleeper), `${how}: grandchild ${sleeper} still running after its parent's end`);
    tried++;
  }
  assert.equal(tried, 3);
});

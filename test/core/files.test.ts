// The one atomic writer (core/files.ts): a failed write leaves nothing behind, a killed writer leaves only its
// temp file (which removeStaleTemps recognises, for plain files and safetensors alike), readJson names files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, constants, createReadStream, existsSync, openSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readJson, removeStaleTemps, writeFileAtomic, writeJsonAtomic } from "../../src/core/files.js";

const FILES = fileURLToPath(new URL("../../src/core/files.js", import.meta.url));
const TORCH = fileURLToPath(new URL("../../src/torch/index.js", import.meta.url));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "plmscale-files-"));
}

/**
 * Run `code` (an ES module body writing `target`) in a child that is SIGKILLed while it writes: the child's
 * temp path (named after its pid) is made a FIFO before the child starts, so the write blocks on it until the
 * parent has read the first bytes; then the parent kills it. Deterministic: no timing, no polling.
 */
async function killMidWrite(dir: string, target: string, code: string): Promise<void> {
  const child = spawn("bash", ["-c", `read -r _ && exec "${process.execPath}" --input-type=module -e '${code}'`], { stdio: ["pipe", "ignore", "inherit"] });
  const fifo = join(dir, `.${target}.tmp-${child.pid}`);
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo");
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, sig) => resolve(sig)));
  child.stdin!.end("go\n");
  const rs = createReadStream(fifo);
  const wrote = new Promise<boolean>((resolve, reject) => {
    rs.once("data", () => resolve(true));
    rs.once("error", reject);
  });
  // a writer that never opens its temp path (another naming) finishes instead: fail, do not hang
  const first = await Promise.race([wrote, exited.then(() => false)]);
  child.kill("SIGKILL");
  rs.destroy();
  if (!first) {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)); // release our blocked open of the FIFO
    assert.fail(`the child finished without writing to ${fifo}: its temp file is named otherwise`);
  }
  assert.equal(await exited, "SIGKILL");
}

test("writeFileAtomic replaces the file and leaves no temp file", () => {
  const dir = tmp();
  const p = join(dir, "a.json");
  writeJsonAtomic(p, { x: 1 });
  writeJsonAtomic(p, { x: 2 });
  assert.deepEqual(JSON.parse(readFileSync(p, "utf8")), { x: 2 });
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("a write that fails leaves the old file intact and removes its temp file", () => {
  const dir = tmp();
  const p = join(dir, "target");
  mkdirSync(p); // rename of a file over a directory fails
  assert.throws(() => writeFileAtomic(p, "new"), /EISDIR|ENOTDIR|EEXIST|directory/i);
  assert.deepEqual(readdirSync(dir), ["target"]);
});

test("a writer SIGKILLed mid-write leaves the target untouched and a temp file removeStaleTemps removes", async () => {
  const dir = tmp();
  writeFileSync(join(dir, "out.txt"), "old");
  writeFileSync(join(dir, "keep.tmp-12"), "not hidden: not a writer's temp");
  writeFileSync(join(dir, ".hidden"), "not a temp");
  await killMidWrite(dir, "out.txt", `import { writeFileAtomic } from "${FILES}"; writeFileAtomic("${join(dir, "out.txt")}", "x".repeat(1 << 20));`);
  assert.equal(readFileSync(join(dir, "out.txt"), "utf8"), "old");
  const temps = readdirSync(dir).filter((n) => n.startsWith(".out.txt.tmp-"));
  assert.equal(temps.length, 1, readdirSync(dir).join(", "));
  assert.deepEqual(removeStaleTemps(dir), temps);
  assert.deepEqual(readdirSync(dir).sort(), [".hidden", "keep.tmp-12", "out.txt"]);
});

test("a safetensors writer killed mid-write leaves a temp file removeStaleTemps removes", async () => {
  const dir = tmp();
  const code = `import * as torch from "${TORCH}"; torch.saveSafetensors("${join(dir, "model.safetensors")}", { w: torch.zeros([512, 512]) });`;
  await killMidWrite(dir, "model.safetensors", code);
  assert.equal(existsSync(join(dir, "model.safetensors")), false);
  const names = readdirSync(dir);
  assert.equal(names.length, 1);
  assert.match(names[0]!, /^\.model\.safetensors\.tmp-\d+$/);
  assert.deepEqual(removeStaleTemps(dir), names);
  assert.deepEqual(readdirSync(dir), []);
});

test("readJson names the file when it is missing or not JSON", () => {
  const dir = tmp();
  assert.throws(() => readJson(join(dir, "nope.json")), /nope\.json not found: .*nope\.json/);
  writeFileSync(join(dir, "bad.json"), "{ not json");
  assert.throws(() => readJson(join(dir, "bad.json"), "result.json"), /result\.json is not valid JSON: .*bad\.json/);
  writeFileSync(join(dir, "good.json"), '{"a": [1, 2]}');
  assert.deepEqual(readJson(join(dir, "good.json")), { a: [1, 2] });
});

// The in-place read path under hostile conditions, in real child processes: a corpus larger than the
// trainer's address-space limit (prlimit --as: RLIMIT_AS bounds everything the process maps or allocates), and
// a corpus on a read-only file system (a read-only bind mount inside `unshare -rm`, a private user + mount
// namespace: no root needed where user namespaces are allowed, nothing changes outside the child).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdirSync, readFileSync, statSync, existsSync, rmSync } from "node:fs";
import { writeSyntheticCorpus } from "./synthetic-corpus.js";
import { tmp } from "./helpers.js";

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const TRAIN = ["--objective", "clm", "--shape", "2,32,4", "--context", "128", "--tokens", "4096", "--batch-tokens", "1024", "--threads", "1", "--eval-tokens", "512", "--quiet", "--json"];
const LIMIT_MB = 2500; // node + libtorch start in ≈ 2 GB of address space here (1.5 GB hangs in start-up)

test(`a corpus larger than the trainer's memory limit (prlimit --as ${LIMIT_MB} MB) trains`, { skip: !has("prlimit") && "prlimit not installed", timeout: 180_000 }, () => {
  const d = tmp();
  const dir = writeSyntheticCorpus(join(d, "big"), { sequences: 2_700_000, length: 1000 });
  const bytes = statSync(join(dir, "shards/syn.train.00000.tok")).size + statSync(join(dir, "shards/syn.train.idx")).size;
  assert.ok(bytes > LIMIT_MB * 2 ** 20, `${bytes} bytes`);
  const limited = (args: string[]) => spawnSync("prlimit", [`--as=${LIMIT_MB * 2 ** 20}`, process.execPath, ...args], { encoding: "utf8", timeout: 120_000 });
  // the limit is real: holding the training split in memory, as the old read path did, is refused
  const hold = limited(["-e", `Buffer.alloc(${bytes}); console.log("held")`]);
  assert.notEqual(hold.status, 0);
  assert.doesNotMatch(hold.stdout, /held/);
  const r = limited([BIN, "train", "--data", dir, "--out", join(d, "run"), ...TRAIN]);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(readFileSync(join(d, "run", "result.json"), "utf8")) as { valLoss: number; steps: number };
  assert.equal(result.steps, 4);
  assert.ok(result.valLoss > 0 && result.valLoss < 4, String(result.valLoss));
  rmSync(dir, { recursive: true, force: true });
});

const unshareWorks = has("unshare") && spawnSync("unshare", ["-rm", "true"]).status === 0;

test("a corpus on a read-only file system trains, and cluster-weighted sampling keeps its members file in $TMPDIR", { skip: !unshareWorks && "unshare -rm (user + mount namespaces) not available", timeout: 120_000 }, () => {
  const d = tmp();
  const dir = writeSyntheticCorpus(join(d, "small"), { sequences: 3000, length: 200 });
  const ro = join(d, "ro");
  mkdirSync(ro);
  const tmpd = join(d, "t");
  mkdirSync(tmpd);
  const sampler = `import(${JSON.stringify(fileURLToPath(new URL("../../src/data/index.js", import.meta.url)))}).then((m) => { const s = new m.Sampler(m.openCorpus(${JSON.stringify(ro)}), { split: "train", objective: "mlm", context: 128, rows: 2, seed: 1, clusterWeighted: true }); s.next(); console.log("drew"); })`;
  const script = [
    `mount --bind ${dir} ${ro} && mount -o remount,ro,bind ${ro}`,
    `if touch ${ro}/probe 2>/dev/null; then echo writable; exit 9; fi`,
    `${process.execPath} ${BIN} train --data ${ro} --out ${join(d, "run")} ${TRAIN.join(" ")} >/dev/null || exit 3`,
    `TMPDIR=${tmpd} ${process.execPath} -e '${sampler}' || exit 4`,
  ].join("\n");
  const r = spawnSync("unshare", ["-rm", "sh", "-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /drew/);
  assert.ok(existsSync(join(d, "run", "result.json")));
  assert.ok(!existsSync(join(dir, "shards", "syn.train.members")), "nothing written into the corpus");
  assert.ok(existsSync(join(tmpd, "plmscale-clusters")));
});

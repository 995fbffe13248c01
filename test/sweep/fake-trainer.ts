// A small real child program standing in for `plmscale train` in executor tests. Written to a temp file and
// run with node. Behaviour per run comes from RUN/config.json's "fake" field:
//   "ok"         write metrics + result.json and exit 0
//   "ok-slow"    the same after 400 ms (long enough for two pools to contend)
//   "fail-once"  exit 1 on the first try (after creating the run directory), succeed on the next
//   "always-fail" exit 3 with a message on stderr
//   "slow"       write a checkpoint, then wait; on SIGINT save and exit 130; a resumed run finishes at once
// Every invocation appends "<id> <fresh|resume>" to $FAKE_LOG.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { mkdtempSync } from "node:fs";

const SCRIPT = String.raw`
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join, basename } from "node:path";
const a = process.argv.slice(2);
const resume = a[0] === "--resume";
const dir = resume ? a[1] : a[a.indexOf("--out") + 1];
const cfgPath = resume ? join(dir, "config.json") : a[a.indexOf("--config") + 1];
if (!resume && existsSync(join(dir, "config.json"))) { console.error(dir + " already holds a run"); process.exit(4); }
const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
mkdirSync(dir, { recursive: true });
if (!resume) writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
appendFileSync(process.env.FAKE_LOG, basename(dir) + " " + (resume ? "resume" : "fresh") + " threads=" + (process.env.OMP_NUM_THREADS ?? "-") + "\n");
const done = () => {
  appendFileSync(join(dir, "metrics.jsonl"), JSON.stringify({ step: 1, tokens: cfg.tokens / 2, trainLoss: 3.0, valLoss: 3.1 }) + "\n");
  appendFileSync(join(dir, "metrics.jsonl"), JSON.stringify({ step: 2, tokens: cfg.tokens, trainLoss: 2.8, valLoss: 2.9 }) + "\n");
  const N = cfg.fakeN;
  const res = { objective: cfg.objective, N, D: cfg.tokens, C: 6 * N * cfg.tokens, loss: cfg.fakeLoss, valLoss: cfg.fakeLoss, wallSeconds: 0.1 };
  writeFileSync(join(dir, "result.json.tmp"), JSON.stringify(res));
  renameSync(join(dir, "result.json.tmp"), join(dir, "result.json"));
  process.exit(0);
};
const mode = cfg.fake ?? "ok";
if (mode === "ok") done();
if (mode === "ok-slow") setTimeout(done, 400);
if (mode === "fail-once") {
  const m = join(dir, "..", basename(dir) + ".tried");
  if (existsSync(m)) done();
  writeFileSync(m, "1");
  console.error("simulated crash on first try");
  process.exit(1);
}
if (mode === "always-fail") { console.error("boom: out of memory (simulated)"); process.exit(3); }
if (mode === "slow") {
  if (resume) done();
  mkdirSync(join(dir, "checkpoints"), { recursive: true });
  process.on("SIGINT", () => { writeFileSync(join(dir, "checkpoints", "step-2.safetensors"), "x"); process.exit(130); });
  writeFileSync(join(dir, "checkpoints", "step-1.safetensors"), "x");
  console.log("ready");
  setTimeout(() => process.exit(9), 60000);
}
`;

export function writeFakeTrainer(): string {
  const dir = mkdtempSync(join(tmpdir(), "plmscale-fake-"));
  const path = join(dir, "fake-train.mjs");
  writeFileSync(path, SCRIPT);
  return path;
}

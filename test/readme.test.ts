// README.md is executed: every command line of its sh/console code blocks runs, in order, in one temporary
// directory, with the sizes shrunk by the table below; a command fails the test when it exits non-zero or prints
// a stack trace. Long or external ones (the demo, the test suite, serve, cluster launches, downloads) run as
// `--help` (or the documented dry run) only. The table is the "documented mapping": every entry must still match
// a README line, so an edited README cannot leave it silently stale. CI cost: about 1–2 minutes on 2 cores.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BIN = join(ROOT, "dist", "src", "cli", "bin.js");

type Rule =
  | { match: string; help: string; why: string }
  | { match: string; replace: [string | RegExp, string][]; why: string };

/** First matching rule wins; `match` is a substring of the README line (after `$P`/`plmscale` is stripped). */
export const RULES: Rule[] = [
  // outside plmscale or too long for a test: their own --help
  { match: "npm run demo", help: "demo", why: "30 minutes; demo --quick is the short path" },
  { match: "npm test", help: "", why: "the test suite itself" },
  { match: "serve ", help: "serve", why: "a server that runs until stopped" },
  { match: "--nproc 2", help: "train", why: "multi-process launch: tested in test/train (2 ranks over Gloo)" },
  { match: "--emit slurm", help: "train", why: "a cluster job (its script is tested in test/train)" },
  { match: "--source uniref50=uniref50.fasta.gz", help: "data prepare", why: "external FASTA files" },
  { match: "import --from esm2_t6_8M_UR50D.pt", help: "import", why: "a download from fair-esm" },
  { match: "--run runs/esm2-8M", help: "score", why: "needs the imported ESM-2" },
  { match: "--from runs/esm2-8M", help: "transfer", why: "needs the imported ESM-2" },
  { match: "--dms /path/to/ProteinGym", help: "eval", why: "a ProteinGym download" },
  { match: "fit --runs runs.csv", help: "fit", why: "the user's own runs table" },
  // tiny sizes
  { match: "data prepare --preset swissprot", replace: [["--preset swissprot", "--source sp=test/fixtures/swissprot-sample.fasta.gz --valid 0.05 --test 0.05"]], why: "the bundled 2k-record sample instead of Swiss-Prot" },
  { match: "train --objective clm --shape 4,128,4 --tokens 2M --context 256", replace: [["--shape 4,128,4", "--shape 1,32,2"], ["--tokens 2M", "--tokens 16k"], ["--context 256", "--context 128 --eval-tokens 2048"]], why: "tiny" },
  { match: "train --objective clm --shape 4,128,4 --tokens 2M --data", replace: [["--shape 4,128,4", "--shape 1,32,2"], ["--tokens 2M", "--tokens 8k --eval-tokens 2048"]], why: "tiny" },
  { match: "transfer --from runs/clm-tiny", replace: [["--tokens 1M", "--tokens 8k --eval-tokens 2048"]], why: "tiny" },
  { match: "finetune", replace: [["--folds 5", "--folds 3 --epochs 1"]], why: "three folds (the least), one epoch" },
  { match: "sweep design", replace: [["--budgets 1e11,3e11,1e12", "--budgets 1e9,3e9 --per-budget 3 --fixed --eval-tokens 2048"]], why: "two tiny budgets, 3 sizes each, no adaptive rounds" },
  { match: "sweep run", replace: [["--workers 2 --threads 1", "--workers 2 --threads 1"]], why: "as written (the small budgets make it short)" },
  { match: "export --run runs/mlm-8M", replace: [["runs/mlm-8M", "runs/mlm-from-clm"]], why: "the tour's MLM" },
  { match: "fit --runs sweep/", replace: [["sweep/", "sweeps/mine"], ["--bootstrap 500", "--bootstrap 20"], ["--method isoflop", "--method parametric"]], why: "the tour's tiny sweep (two budgets whose minima need not be bracketed: no IsoFLOP law)" },
  // a law fitted on ~1e4-parameter models plans only within 100× of them: the same commands at a budget in range
  { match: "plan --objective mlm --flops 1e21 --preset sweeps/mine/fit.json", replace: [["--flops 1e21", "--flops 1e13"]], why: "within the tiny sweep's range" },
  { match: "plan --objective mlm --flops 1e21 --preset my-mlm.json", replace: [["--flops 1e21", "--flops 1e13"]], why: "within the tiny sweep's range" },
  { match: "train --objective mlm --shape 2,128,4 --tokens 600k", replace: [["--shape 2,128,4", "--shape 1,32,2"], ["--tokens 600k", "--tokens 16k --eval-tokens 2048"]], why: "tiny" },
  { match: "--tasks perplexity,dms --max-seqs 160", replace: [["--max-seqs 160", "--max-seqs 16 --max-variants 20"]], why: "a few sequences and variants" },
  { match: "--like esm2-3b --gpu a100 --gpus 64 --emit mlm-10b.json", replace: [], why: "fast as written" },
];

/** Command lines of the README's sh/console blocks: continuations joined, comments and prompts removed. */
export function readmeCommands(text: string): string[] {
  const out: string[] = [];
  const blocks = text.matchAll(/```(sh|console)\n([\s\S]*?)```/g);
  for (const [, kind, body] of blocks) {
    const lines = body!.replace(/\\\n\s*/g, "").split("\n");
    for (let l of lines) {
      if (kind === "console") {
        if (!l.startsWith("$ ")) continue; // output lines
        l = l.slice(2);
      }
      l = l.replace(/\s+#.*$/, "").trim();
      if (!l || l.startsWith("#") || l.startsWith("P=")) continue;
      out.push(l);
    }
  }
  return out;
}

function plmscaleArgs(line: string): string | null {
  const m = /^(?:\$P|plmscale|npx plmscale)\s+(.*)$/.exec(line);
  return m ? m[1]! : null;
}

test("README.md's commands run in order (tiny sizes; long ones as --help)", { timeout: 600_000 }, () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const lines = readmeCommands(readme);
  assert.ok(lines.length >= 30, `only ${lines.length} command lines found`);
  const used = new Set<Rule>();
  const dir = mkdtempSync(join(tmpdir(), "plm-readme-"));
  symlinkSync(join(ROOT, "test"), join(dir, "test"));
  const failures: string[] = [];
  let ran = 0;
  for (const line of lines) {
    const rule = RULES.find((r) => line.includes(r.match));
    if (rule) used.add(rule);
    let cmd: string;
    if (rule && "help" in rule) {
      if (!rule.help) continue;
      cmd = `node ${BIN} ${rule.help} --help`;
    } else {
      const args = plmscaleArgs(line);
      if (args === null) continue; // ssh and other non-plmscale lines (the serve block's cluster example)
      let a = args;
      for (const [from, to] of rule && "replace" in rule ? rule.replace : []) {
        const before = a;
        a = a.replace(from, to);
        assert.notEqual(a === before && from !== to, true, `rule '${rule!.match}': '${String(from)}' no longer in: ${line}`);
      }
      cmd = `node ${BIN} ${a}`;
    }
    const t0 = Date.now();
    const r = spawnSync("bash", ["-c", cmd], { cwd: dir, encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1", PLMSCALE_THREADS: "1" }, timeout: 300_000 });
    ran++;
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const trace = /\n\s+at .+:\d+:\d+\)?\n/.test(r.stderr ?? "");
    console.log(`# ${secs}s ${r.status === 0 && !trace ? "ok " : "FAIL"} ${cmd.replace(`node ${BIN}`, "plmscale")}`);
    if (r.status !== 0 || trace) failures.push(`${line}\n  ran: ${cmd}\n  exit ${r.status}${trace ? " with a stack trace" : ""}\n  ${(r.stderr || r.stdout).trim().split("\n").slice(-6).join("\n  ")}`);
  }
  const stale = RULES.filter((r) => !used.has(r)).map((r) => r.match);
  assert.deepEqual(stale, [], "mapping rules that match no README line (update the table in test/readme.test.ts)");
  assert.ok(ran >= 25, `only ${ran} commands ran`);
  assert.deepEqual(failures, []);
});

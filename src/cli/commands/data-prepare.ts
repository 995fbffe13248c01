import { defineRun, optStr, optNum, strList, flag, str, parseNumber, optionValues } from "../command.js";
import { PREPARE_OPTIONS } from "../specs/data.js";
import { asUserError, UserError } from "../../core/errors.js";
import { prepareCorpus, PrepareError, type SourceSpec, type ProgressEvent, type PrepareOptions } from "../../data/prepare.js";
import { swissprotPreset } from "../../data/swissprot.js";
import type { CorpusManifest } from "../../data/manifest.js";
import { Progress } from "../progress.js";
import { existsSync, statSync } from "node:fs";
import { cpus } from "node:os";

/** `name=path[,path…][:weight]` → a source spec. */
export function parseSourceArg(arg: string): SourceSpec {
  const m = /^([^=]+)=(.+?)(?::([0-9]*\.?[0-9]+(?:e[-+]?\d+)?))?$/i.exec(arg);
  if (!m) throw new UserError(`--source '${arg}': expected NAME=PATH[,PATH…][:WEIGHT]`, 2);
  const paths = m[2]!.split(",").filter(Boolean);
  for (const p of paths) {
    if (!existsSync(p)) throw new UserError(`--source ${m[1]}: file not found: ${p}`, 2);
    if (statSync(p).isDirectory()) throw new UserError(`--source ${m[1]}: ${p} is a directory; give FASTA files (plain or .gz), comma-separated`, 2);
  }
  const weight = m[3] !== undefined ? Number(m[3]) : 1;
  if (!(weight > 0)) throw new UserError(`--source ${m[1]}: weight must be > 0`, 2);
  return { name: m[1]!, weight, inputs: paths.map((p) => ({ name: p, path: p })) };
}

export default defineRun({
  async run(args, io): Promise<CorpusManifest> {
    const out = str(args, "out");
    const sources: SourceSpec[] = [];
    const opts: Partial<PrepareOptions> = {};
    const preset = optStr(args, "preset");
    if (preset !== undefined) {
      const [name, w] = preset.split(":");
      if (name !== "swissprot") throw new UserError(`--preset '${name}': the only preset is 'swissprot'`, 2);
      const weight = w === undefined ? 1 : parseNumber(w, "preset");
      const p = swissprotPreset({ weight });
      sources.push(p.source);
      opts.attach = p.attach;
      opts.preset = p.preset;
    }
    for (const s of strList(args, "source")) sources.push(parseSourceArg(s));
    if (sources.length === 0) throw new UserError("give --preset swissprot or at least one --source NAME=PATH", 2);
    if ((optNum(args, "valid") ?? 0.01) + (optNum(args, "test") ?? 0.01) >= 1) throw new UserError("--valid + --test must be below 1 (the rest is training data)", 2);
    const { "on-bad": onBad, cluster } = optionValues(args, PREPARE_OPTIONS);
    const progress = new Progress(io.err, flag(args, "quiet"));
    const t0 = Date.now();
    const onProgress = (e: ProgressEvent) => {
      if (e.phase === "done") return progress.stop();
      if ((e.phase === "cluster" || e.phase === "write") && e.message) {
        // mmseqs reports no progress of its own: show what runs and for how long
        progress.stop();
        return io.err(`cluster: ${e.message}`);
      }
      const label = e.phase === "ingest" ? `ingest ${e.source}` : e.phase;
      progress.update({ label, done: e.done, total: e.total, unit: e.unit });
    };
    try {
      const m = await prepareCorpus({
        ...opts, out, sources, onBad, cluster,
        maxRecords: optNum(args, "max-records"), minLength: optNum(args, "min-length"), maxLength: optNum(args, "max-length"),
        validFraction: optNum(args, "valid"), testFraction: optNum(args, "test"), seed: optNum(args, "seed"),
        identity: optNum(args, "identity"), coverage: optNum(args, "coverage"), threads: optNum(args, "threads") ?? cpus().length,
        memoryMB: optNum(args, "memory") ?? optNum(args, "dedup-memory"), clustersFile: optStr(args, "clusters"), resume: !flag(args, "no-resume"), workers: optNum(args, "workers"), forceDiskDedup: flag(args, "disk-dedup"), hashInputs: flag(args, "hash-inputs"), force: flag(args, "force"),
        signal: io.signal,
      }, onProgress);
      progress.stop();
      if (!io.json) io.err(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return m;
    } catch (e) {
      progress.stop();
      // PrepareError (data/prepare.ts) is still its own class; FastaFormatError is a UserError with exit code 3
      if (e instanceof PrepareError) throw new UserError(e.message, 3);
      if (io.signal.aborted) throw new UserError(`interrupted; ${out}.partial was left incomplete — run the same command again (it resumes after the last finished pass)`, 130);
      // a full disk (ENOSPC) or an unwritable --out: said in words, naming where the corpus was being built
      throw asUserError(e, `building the corpus in ${out}.partial (removed)`);
    }
  },
  human(m, io) {
    io.out(`corpus written: ${m.sources.map((s) => s.name).join(", ")} (${m.wallSeconds.toFixed(1)} s)`);
    for (const s of m.sources) {
      const inv = Object.entries(s.invalid).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(", ") || "0";
      const fil = Object.entries(s.filtered).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(", ") || "0";
      io.out(`  ${s.name} (weight ${s.weight}): read ${s.read}, kept ${s.kept}, duplicates ${s.deduplicated}, filtered ${fil}, invalid ${inv}`);
      for (const sp of ["train", "valid", "test"] as const) {
        const c = s.splits[sp];
        io.out(`    ${sp.padEnd(5)} ${String(c.sequences).padStart(10)} sequences ${String(c.tokens).padStart(13)} tokens`);
      }
    }
    const c = m.clustering;
    io.out(`  clusters: ${c.sizes.clusters} (${c.method}${c.identity !== null ? `, identity ${c.identity}, coverage ${c.coverage}` : ""}); train ${c.splits.train}, valid ${c.splits.valid}, test ${c.splits.test}; largest ${c.sizes.largest}, singletons ${c.sizes.singletons}`);
    io.out(`  guarantee: ${c.guarantee}`);
    if (c.file) io.out(`  --clusters ${c.file.name}: ${c.file.clusters} clusters hold corpus sequences; ${c.file.missing} sequence${c.file.missing === 1 ? "" : "s"} not in the file (each its own cluster); ${c.file.unmatchedMembers} member line${c.file.unmatchedMembers === 1 ? "" : "s"} name no corpus sequence`);
    io.out(`  dedup: ${m.dedup.mode}, ${m.dedup.distinct} distinct sequences`);
  },
});

// plmscale embed: mean-pooled (and optionally per-residue) embeddings of sequences from a run, as JSONL.
import { defineRun, existingPath, flag, optStr } from "../command.js";
import { asFailure, asUserError, UserError } from "../../core/errors.js";
import { writeFileAtomic } from "../../core/files.js";
import { loadModel, embed } from "../../eval/index.js";
import { fitsContext, truncatedLength } from "../../eval/long-sequences.js";
import { readFastaRecords } from "../../data/fasta.js";
import { longPolicy, lowerCaseNote, skippedLine, type SkippedSequence } from "./long-sequences.js";

export default defineRun({
  async run(args, io) {
    const run = existingPath(args, "run"), fasta = existingPath(args, "fasta"), out = optStr(args, "out");
    const policy = longPolicy(args, false);
    const loaded = loadModel(run, { device: optStr(args, "device"), warn: io.err });
    const context = loaded.model.cfg.context;
    const lines: string[] = [], skipped: SkippedSequence[] = [];
    let truncated = 0;
    try {
      const records = await readFastaRecords(fasta);
      const note = lowerCaseNote(fasta);
      if (note) io.err(note);
      for (const r of records) {
        let seq = r.seq;
        if (!fitsContext(loaded.model, seq)) {
          if (policy === "skip") {
            const k = { id: r.id, line: r.line, length: r.seq.length };
            skipped.push(k);
            io.err(skippedLine(fasta, k, context, false));
            continue;
          }
          seq = seq.slice(0, truncatedLength(context, false));
          truncated++;
        }
        let e;
        try { e = embed(loaded.model, seq, { perResidue: flag(args, "per-residue") }); }
        catch (err) { throw new UserError(`${fasta}: line ${r.line}: record '${r.id}': ${(err as Error).message}`, 1); }
        lines.push(JSON.stringify({
          id: r.id, length: r.seq.length, ...(seq.length < r.seq.length ? { residuesEmbedded: seq.length } : {}),
          mean: Array.from(e.mean), ...(e.perResidue ? { perResidue: e.perResidue.map((x) => Array.from(x)) } : {}),
        }));
      }
    } catch (e) {
      throw asFailure(e);
    } finally {
      loaded.model.dispose();
    }
    if (out) {
      try { writeFileAtomic(out, lines.join("\n") + "\n"); } catch (e) { throw asUserError(e, `--out ${out}`); }
    }
    else if (!io.json) for (const l of lines) io.out(l);
    return { run, checkpoint: loaded.checkpoint, sequences: lines.length, truncated, skipped, context, dim: loaded.config.model.dModel, out: out ?? null };
  },
  human(r, io) {
    if (r.out) io.out(`wrote ${r.sequences} embeddings (dim ${r.dim}) to ${r.out}${r.truncated ? ` (${r.truncated} truncated to the first ${r.context - 2} residues)` : ""}`);
    if (r.skipped.length) io.err(`${r.skipped.length} sequence(s) longer than the context (${r.context - 2} residues) skipped; --truncate embeds their first ${r.context - 2} residues`);
  },
});

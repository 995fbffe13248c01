// plmscale embed: mean-pooled (and optionally per-residue) embeddings of sequences from a run, as JSONL.
import { defineRun, existingPath, flag, optStr } from "../command.js";
import { asFailure, asUserError, UserError } from "../../core/errors.js";
import { writeFileAtomic } from "../../core/files.js";
import { loadModel, embed } from "../../eval/index.js";
import { readFastaRecords } from "../../data/fasta.js";

export default defineRun({
  async run(args, io) {
    const run = existingPath(args, "run"), fasta = existingPath(args, "fasta"), out = optStr(args, "out");
    const loaded = loadModel(run, { device: optStr(args, "device"), warn: io.err });
    const lines: string[] = [];
    try {
      for (const r of await readFastaRecords(fasta)) {
        let e;
        try { e = embed(loaded.model, r.seq, { perResidue: flag(args, "per-residue") }); }
        catch (err) { throw new UserError(`${fasta}: line ${r.line}: record '${r.id}': ${(err as Error).message}`, 1); }
        lines.push(JSON.stringify({ id: r.id, length: r.seq.length, mean: Array.from(e.mean), ...(e.perResidue ? { perResidue: e.perResidue.map((x) => Array.from(x)) } : {}) }));
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
    return { run, checkpoint: loaded.checkpoint, sequences: lines.length, dim: loaded.config.model.dModel, out: out ?? null };
  },
  human(r, io) {
    if (r.out) io.out(`wrote ${r.sequences} embeddings (dim ${r.dim}) to ${r.out}`);
  },
});

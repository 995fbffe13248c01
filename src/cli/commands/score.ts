// plmscale score: log-likelihoods of sequences (CLM), pseudo-log-likelihoods (MLM), masked-marginal variant scores.
import { existsSync } from "node:fs";
import { defineRun, existingPath, optStr, strList } from "../command.js";
import { asFailure, UserError } from "../../core/errors.js";
import { loadModel, clmLogLikelihood, pseudoLogLikelihood, maskedMarginals } from "../../eval/index.js";
import { readFastaRecords } from "../../data/fasta.js";

type ScoreRow = { id: string; length?: number; logLikelihood?: number; meanLogLikelihood?: number; variant?: string; score?: number };

export default defineRun({
  async run(args, io) {
    const run = existingPath(args, "run");
    const fasta = optStr(args, "fasta"), wt = optStr(args, "wt"), variants = strList(args, "variant");
    if (!fasta && !(wt && variants.length)) throw new UserError("give --fasta FILE, or --wt SEQUENCE with one or more --variant", 2);
    const loaded = loadModel(run, { device: optStr(args, "device"), warn: io.err });
    const { model } = loaded;
    try {
      const rows: ScoreRow[] = [];
      if (fasta) {
        if (!existsSync(fasta)) throw new UserError(`--fasta: ${fasta} not found`, 2);
        for (const r of await readFastaRecords(fasta)) {
          let s;
          try {
            s = model.causal ? clmLogLikelihood(model, r.seq) : pseudoLogLikelihood(model, r.seq);
          } catch (e) {
            // name the file and the record, e.g. a sequence longer than the run's context
            throw new UserError(`${fasta}: line ${r.line}: record '${r.id}': ${(e as Error).message}`, 1);
          }
          rows.push({ id: r.id, length: r.seq.length, logLikelihood: s.logLikelihood, meanLogLikelihood: s.meanLogLikelihood });
        }
      } else {
        let scores: number[];
        try { scores = maskedMarginals(model, wt!, variants); }
        catch (e) { throw new UserError(`--wt/--variant: ${(e as Error).message}`, 2); }
        variants.forEach((v, i) => rows.push({ id: v, variant: v, score: scores[i]! }));
      }
      return { run, objective: loaded.config.objective, checkpoint: loaded.checkpoint, method: fasta ? (model.causal ? "log-likelihood" : "pseudo-log-likelihood") : "masked-marginal", rows };
    } catch (e) {
      throw asFailure(e);
    } finally {
      model.dispose();
    }
  },
  human(r, io) {
    io.out(`# ${r.method} (${r.objective}, ${r.checkpoint})`);
    for (const x of r.rows) io.out(x.score !== undefined ? `${x.variant}\t${x.score.toFixed(4)}` : `${x.id}\t${x.length}\t${x.logLikelihood!.toFixed(3)}\t${x.meanLogLikelihood!.toFixed(4)}`);
  },
});

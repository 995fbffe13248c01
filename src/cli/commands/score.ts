// plmscale score: log-likelihoods of sequences (CLM), pseudo-log-likelihoods (MLM), masked-marginal variant scores.
import { existsSync } from "node:fs";
import { defineRun, existingPath, optStr, strList } from "../command.js";
import { longPolicy, lowerCaseNote, skippedLine, type SkippedSequence } from "./long-sequences.js";
import { asFailure, UserError } from "../../core/errors.js";
import { loadModel, maskedMarginals } from "../../eval/index.js";
import { scoreSequence, truncatedLength } from "../../eval/long-sequences.js";
import { readFastaRecords } from "../../data/fasta.js";

type ScoreRow = {
  id: string; length?: number; residuesScored?: number; how?: "whole" | "truncated" | "window";
  logLikelihood?: number; meanLogLikelihood?: number; perplexity?: number; variant?: string; score?: number;
};
export default defineRun({
  async run(args, io) {
    const run = existingPath(args, "run");
    const fasta = optStr(args, "fasta"), wt = optStr(args, "wt"), variants = strList(args, "variant");
    if (!fasta && !(wt && variants.length)) throw new UserError("give --fasta FILE, or --wt SEQUENCE with one or more --variant", 2);
    const policy = longPolicy(args, true);
    const loaded = loadModel(run, { device: optStr(args, "device"), warn: io.err });
    const { model } = loaded;
    const context = model.cfg.context;
    try {
      const rows: ScoreRow[] = [], skipped: SkippedSequence[] = [];
      if (fasta) {
        if (!existsSync(fasta)) throw new UserError(`--fasta: ${fasta} not found`, 2);
        const records = await readFastaRecords(fasta);
        const note = lowerCaseNote(fasta);
        if (note) io.err(note);
        for (const r of records) {
          let s;
          try {
            s = scoreSequence(model, r.seq, policy);
          } catch (e) {
            throw new UserError(`${fasta}: line ${r.line}: record '${r.id}': ${(e as Error).message}`, 1);
          }
          if (!s) {
            const k = { id: r.id, line: r.line, length: r.seq.length };
            skipped.push(k);
            io.err(skippedLine(fasta, k, context, true));
            continue;
          }
          rows.push({ id: r.id, length: r.seq.length, residuesScored: s.residues, how: s.how, logLikelihood: s.logLikelihood, meanLogLikelihood: s.meanLogLikelihood, perplexity: Math.exp(-s.meanLogLikelihood) });
        }
      } else {
        let scores: number[];
        try { scores = maskedMarginals(model, wt!, variants); }
        catch (e) { throw new UserError(`--wt/--variant: ${(e as Error).message}`, 2); }
        variants.forEach((v, i) => rows.push({ id: v, variant: v, score: scores[i]! }));
      }
      return {
        run, objective: loaded.config.objective, checkpoint: loaded.checkpoint,
        method: fasta ? (model.causal ? "log-likelihood" : "pseudo-log-likelihood") : "masked-marginal",
        context, long: policy, ...(policy === "truncate" ? { truncatedTo: truncatedLength(context, model.causal) } : {}),
        rows, skipped,
      };
    } catch (e) {
      throw asFailure(e);
    } finally {
      model.dispose();
    }
  },
  human(r, io) {
    io.out(`# ${r.method} (${r.objective}, ${r.checkpoint}); natural logs${r.method === "masked-marginal" ? "" : `; perplexity = exp(−mean)${r.objective === "mlm" ? " (pseudo-perplexity)" : ""}`}`);
    if (r.method === "masked-marginal") {
      io.out("variant\tscore");
      for (const x of r.rows) io.out(`${x.variant}\t${x.score!.toFixed(4)}`);
      return;
    }
    io.out("id\tlength\tscored\tlog_likelihood\tmean_log_likelihood\tperplexity");
    for (const x of r.rows) {
      const scored = x.how === "truncated" ? `first ${x.residuesScored}` : x.how!;
      io.out(`${x.id}\t${x.length}\t${scored}\t${x.logLikelihood!.toFixed(3)}\t${x.meanLogLikelihood!.toFixed(4)}\t${x.perplexity!.toFixed(3)}`);
    }
    if (r.skipped.length) io.out(`# ${r.skipped.length} sequence(s) longer than the context (${r.context - 2} residues) skipped and named on stderr; --truncate or --window scores them`);
  },
});

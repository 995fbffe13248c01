// plmscale score: log-likelihoods of sequences (CLM), pseudo-log-likelihoods (MLM), masked-marginal variant scores.
import { existsSync } from "node:fs";
import { CliError, defineCommand, optStr, str, strList } from "../command.js";
import { loadModel, clmLogLikelihood, pseudoLogLikelihood, maskedMarginals } from "../../eval/index.js";
import { readFastaRecords } from "../../data/fasta.js";

type ScoreRow = { id: string; length?: number; logLikelihood?: number; meanLogLikelihood?: number; variant?: string; score?: number };

export const scoreCommand = defineCommand({
  name: "score",
  summary: "score sequences (log-likelihood / pseudo-log-likelihood) or variants (masked marginals) with a run",
  help: `Usage: plmscale score --run RUN --fasta FILE [--json]
       plmscale score --run RUN --wt SEQUENCE --variant A23G [--variant A23G:K40R …] [--json]

With --fasta: a CLM run gives each sequence's log-likelihood Σ log p(x_t | x_<t) (residues and <eos>), an MLM
run its pseudo-log-likelihood (each residue masked in turn). With --wt and --variant: masked-marginal scores
log p(mut) − log p(wt) at each mutated site (summed over a multi-mutant's sites). Natural logs.
  --run RUN         a run directory (newest good checkpoint) or a checkpoint directory
  --device cpu|cuda

Example:
  plmscale score --run runs/clm-8M --fasta designs.fasta --json`,
  options: { run: { type: "string" }, fasta: { type: "string" }, wt: { type: "string" }, variant: { type: "string", multiple: true }, device: { type: "string" } },
  async run(args, io) {
    const run = str(args, "run");
    if (!existsSync(run)) throw new CliError(`--run: ${run} not found`, 2);
    const fasta = optStr(args, "fasta"), wt = optStr(args, "wt"), variants = strList(args, "variant");
    if (!fasta && !(wt && variants.length)) throw new CliError("give --fasta FILE, or --wt SEQUENCE with one or more --variant", 2);
    let loaded;
    try {
      loaded = loadModel(run, { device: optStr(args, "device"), warn: io.err });
    } catch (e) {
      throw new CliError((e as Error).message, 1);
    }
    const { model } = loaded;
    try {
      const rows: ScoreRow[] = [];
      if (fasta) {
        if (!existsSync(fasta)) throw new CliError(`--fasta: ${fasta} not found`, 2);
        for (const r of await readFastaRecords(fasta)) {
          const s = model.causal ? clmLogLikelihood(model, r.seq) : pseudoLogLikelihood(model, r.seq);
          rows.push({ id: r.id, length: r.seq.length, logLikelihood: s.logLikelihood, meanLogLikelihood: s.meanLogLikelihood });
        }
      } else {
        const scores = maskedMarginals(model, wt!, variants);
        variants.forEach((v, i) => rows.push({ id: v, variant: v, score: scores[i]! }));
      }
      return { run, objective: loaded.config.objective, checkpoint: loaded.checkpoint, method: fasta ? (model.causal ? "log-likelihood" : "pseudo-log-likelihood") : "masked-marginal", rows };
    } catch (e) {
      throw e instanceof CliError ? e : new CliError((e as Error).message, 1);
    } finally {
      model.dispose();
    }
  },
  human(r, io) {
    io.out(`# ${r.method} (${r.objective}, ${r.checkpoint})`);
    for (const x of r.rows) io.out(x.score !== undefined ? `${x.variant}\t${x.score.toFixed(4)}` : `${x.id}\t${x.length}\t${x.logLikelihood!.toFixed(3)}\t${x.meanLogLikelihood!.toFixed(4)}`);
  },
});

import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineRun, flag, optNum, optStr, str } from "../command.js";
import { asFailure } from "../../core/errors.js";
import { studyRepetition, type RepetitionStudy } from "../../app/study-repetition.js";
import { repetitionReport } from "../../app/study-report.js";
import { formatParams } from "../../sweep/design.js";
import { studyCorpus, studyCommon } from "./study-common.js";
import { parseList, parseObjectives } from "./sweep-design.js";

export default defineRun<RepetitionStudy & { report: string }>({
  async run(args, io) {
    const quick = flag(args, "quick");
    const corpus = studyCorpus(args);
    const out = resolve(str(args, "out"));
    const epochs = optStr(args, "epochs");
    mkdirSync(out, { recursive: true });
    try {
      const s = await studyRepetition({
        ...studyCommon(args, io, corpus, out),
        objectives: parseObjectives(optStr(args, "objective") ?? (quick ? "mlm" : "both")),
        size: optNum(args, "params") ?? (quick ? 14e3 : 54e3), tokens: optNum(args, "tokens") ?? (quick ? 6e5 : 4e6),
        epochs: epochs ? parseList(epochs, "epochs") : [4, 16],
      });
      const report = join(out, "report.html");
      writeFileSync(report, await repetitionReport(s));
      return { ...s, report };
    } catch (e) {
      throw asFailure(e);
    }
  },
  human(s, io) {
    io.out(`repetition: N=${formatParams(s.N)}, ${s.tokens.toExponential(2)} tokens per run`);
    for (const a of s.arms) io.out(`  ${a.objective} ${(a.unique === null ? "fresh" : `U=${a.unique.toExponential(2)}`).padEnd(12)} ${a.epochs.toFixed(2).padStart(6)} epochs  loss ${a.loss.toFixed(4)}  worth ${a.effectiveTokens === null ? "—" : a.effectiveTokens.toExponential(2)} fresh tokens`);
    for (const f of s.fits) io.out(`  ${f.objective}: ${f.note}`);
    for (const w of s.warnings) io.err(`warning: ${w}`);
    io.out(`report: ${s.report}`);
  },
});

import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineRun, flag, num, optStr, str } from "../command.js";
import { asFailure } from "../../core/errors.js";
import { studyTransfer, type TransferStudy } from "../../app/study-transfer.js";
import { transferReport } from "../../app/study-report.js";
import { formatParams } from "../../sweep/design.js";
import { studyCorpus, studyCommon } from "./study-common.js";
import { parseList } from "./sweep-design.js";

export default defineRun<TransferStudy & { report: string }>({
  async run(args, io) {
    const quick = flag(args, "quick");
    const corpus = studyCorpus(args);
    const out = resolve(str(args, "out"));
    const sizes = optStr(args, "sizes");
    const joint = optStr(args, "joint-tokens");
    mkdirSync(out, { recursive: true });
    try {
      const s = await studyTransfer({
        ...studyCommon(args, io, corpus, out),
        clmShare: num(args, "clm-share", 0.2),
        sizes: sizes ? parseList(sizes, "sizes") : quick ? [7e3, 27e3] : [14e3, 54e3, 2e5],
        jointTokens: joint ? parseList(joint, "joint-tokens") : quick ? [1.5e5, 4.5e5] : [1e6, 4e6],
      });
      const report = join(out, "report.html");
      writeFileSync(report, await transferReport(s));
      return { ...s, report };
    } catch (e) {
      throw asFailure(e);
    }
  },
  human(s, io) {
    io.out(`CLM → MLM transfer, CLM share ${(s.clmShare * 100).toFixed(0)}% of each joint budget:`);
    io.out("  N       D_J      MLM from CLM  scratch (same MLM tokens)  scratch (same compute)  gain (same compute)");
    for (const r of s.rows) io.out(`  ${formatParams(r.N).padEnd(7)} ${r.jointTokens.toExponential(1).padEnd(8)} ${r.transfer.toFixed(4).padEnd(13)} ${r.scratchSameMlmTokens.toFixed(4).padEnd(26)} ${r.scratchSameCompute.toFixed(4).padEnd(23)} ${r.gainSameCompute >= 0 ? "+" : ""}${r.gainSameCompute.toFixed(4)}`);
    io.out(`gain at equal compute by size: ${s.gainBySize.map((g) => `${formatParams(g.N)} ${g.gain >= 0 ? "+" : ""}${g.gain.toFixed(4)}`).join(", ")} nats`);
    io.out(s.law ? `transferred tokens: D_t = ${s.law.k.toExponential(3)}·D_F^${s.law.alpha.toFixed(3)}·N^${s.law.beta.toFixed(3)} (${s.law.points} pairs)` : "transferred-tokens law: not fitted (see warnings)");
    for (const w of s.warnings) io.err(`warning: ${w}`);
    io.out(`report: ${s.report}`);
  },
});

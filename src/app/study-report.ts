// The studies' report pages (STUDY/report.html): tables of the pairs/arms, loss curves side by side, the fits
// and what they mean. Same page layout and chart renderer as `plmscale report` (src/report/).
import { html, raw, renderPage, type Block } from "../report/html.js";
import { renderSvg } from "../report/render.js";
import { formatParams } from "../sweep/design.js";
import { transferCurves, type TransferStudy } from "./study-transfer.js";
import type { RepetitionStudy } from "./study-repetition.js";

const f4 = (x: number) => x.toFixed(4);

function curvesSpec(title: string, series: { run: string; points: { tokens: number; loss: number }[] }[]) {
  const values = series.flatMap((s) => s.points.map((p) => ({ run: s.run, tokens: p.tokens, loss: p.loss })));
  return {
    title, width: 320, height: 220, data: { values },
    mark: { type: "line", point: { size: 14 } },
    encoding: {
      x: { field: "tokens", type: "quantitative", scale: { type: "log" }, title: "training tokens" },
      y: { field: "loss", type: "quantitative", scale: { zero: false }, title: "validation loss (nats)" },
      color: { field: "run", type: "nominal", title: null },
    },
  };
}

export async function transferReport(s: TransferStudy): Promise<string> {
  const svgs = [];
  for (const r of s.rows) svgs.push(raw(await renderSvg(curvesSpec(`MLM N=${formatParams(r.N)}, ${r.mlmTokens.toExponential(1)} MLM tokens`, transferCurves(s.out, r)))));
  svgs.push(raw(await renderSvg({
    title: "Loss gain at equal compute vs size", width: 320, height: 220,
    data: { values: s.gainBySize }, mark: { type: "line", point: true },
    encoding: { x: { field: "N", type: "quantitative", scale: { type: "log" }, title: "N" }, y: { field: "gain", type: "quantitative", title: "scratch − from-CLM loss (nats)" } },
  })));
  const blocks: Block[] = [
    { kind: "h2", text: "CLM → MLM transfer" },
    { kind: "p", html: html`Per size and joint token budget D_J: a CLM on ${(s.clmShare * 100).toFixed(0)}% of D_J, then an MLM from it on the rest, against MLMs from scratch on the same MLM tokens and on all of D_J (equal compute). A positive gain means the CLM start pays off.` },
    { kind: "table", head: ["N", "D_J", "CLM loss", "MLM from CLM", "scratch, same MLM tokens", "scratch, same compute", "gain (same compute)", "gain (same MLM tokens)"],
      rows: s.rows.map((r) => [formatParams(r.N), r.jointTokens.toExponential(1), f4(r.clmLoss), f4(r.transfer), f4(r.scratchSameMlmTokens), f4(r.scratchSameCompute), f4(r.gainSameCompute), f4(r.gainSameMlmTokens)]) },
    { kind: "table", head: ["N", "mean gain at equal compute (nats)"], rows: s.gainBySize.map((g) => [formatParams(g.N), f4(g.gain)]) },
    { kind: "h2", text: "Effectively transferred tokens" },
    { kind: "p", html: s.law
      ? html`D_t = ${s.law.k.toExponential(3)}·D_F^${s.law.alpha.toFixed(3)}·N^${s.law.beta.toFixed(3)} from ${s.law.points} pairs (r² ${s.law.r2.toFixed(3)}), given the from-scratch MLM law L = ${s.scratchLaw!.E.toFixed(3)} + ${s.scratchLaw!.A.toExponential(2)}/N^${s.scratchLaw!.alpha.toFixed(3)} + ${s.scratchLaw!.B.toExponential(2)}/D^${s.scratchLaw!.beta.toFixed(3)}.`
      : html`Not fitted (see the warnings); the per-pair figures above stand on their own.` },
    { kind: "table", head: ["N", "D_F", "D_t", "note"], rows: s.points.map((p) => [formatParams(p.N), p.DF.toExponential(2), p.Dt !== undefined ? p.Dt.toExponential(2) : "—", p.note ?? ""]) },
    { kind: "charts", svgs },
    { kind: "warnings", items: s.warnings },
  ];
  return renderPage("plmscale study transfer", html`${s.out}; runs table for <code>plmscale fit ${s.out}/runs.csv --method transfer</code>`, blocks);
}

export async function repetitionReport(s: RepetitionStudy): Promise<string> {
  const svgs = [];
  for (const o of [...new Set(s.arms.map((a) => a.objective))]) {
    const arms = s.arms.filter((a) => a.objective === o);
    svgs.push(raw(await renderSvg(curvesSpec(`${o.toUpperCase()} N=${formatParams(s.N)}: fresh vs repeated data`, arms.map((a) => ({ run: a.unique === null ? "fresh" : `${a.epochs.toFixed(1)} epochs of ${a.unique.toExponential(1)}`, points: a.curve }))))));
  }
  const blocks: Block[] = [
    { kind: "h2", text: "Repeated vs fresh data" },
    { kind: "p", html: html`The same model (N=${formatParams(s.N)}) trained on ${s.tokens.toExponential(2)} tokens: fresh (the whole corpus) and on corpora cut to U unique tokens, all evaluated on the same held-out split.` },
    { kind: "table", head: ["objective", "unique tokens", "epochs", "final loss", "fresh tokens worth as much"],
      rows: s.arms.map((a) => [a.objective, a.unique === null ? "fresh" : a.unique.toExponential(2), a.epochs.toFixed(2), f4(a.loss), a.effectiveTokens === null ? "—" : a.effectiveTokens.toExponential(2)]) },
    { kind: "h2", text: "Effective data (Muennighoff et al. 2023)" },
    { kind: "table", head: ["objective", "R*", "points", "reading"], rows: s.fits.map((f) => [f.objective, f.rStar === null ? "—" : f.rStar.toFixed(1), String(f.points), f.note]) },
    { kind: "charts", svgs },
    { kind: "warnings", items: s.warnings },
  ];
  return renderPage("plmscale study repetition", html`${s.out}`, blocks);
}

// Assemble the sweep report from SWEEP/sweep.json, the runs, their loss curves and SWEEP/fit.json.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { optimalAllocation, defaultPreset, isDegenerate } from "../scaling/index.js";
import { describeShape, shapeFor } from "../scaling/shape.js";
import { collectCurves, collectRuns, fitSweep, type ObjectiveFit, type SweepFit } from "../sweep/fit.js";
import { readJson } from "../core/files.js";
import { formatDuration } from "../core/duration.js";
import { readDesign, sweepStatus } from "../sweep/layout.js";
import { epochsSpec, exponentRows, holdoutSpec, exponentsSpec, isoflopSpec, lawSpecs, lossCurvesSpec } from "./charts.js";
import { html, raw, renderPage, type Block, type Cell, type Html } from "./html.js";
import { renderSvg } from "./render.js";
import { evalSection } from "./eval-charts.js";

export interface ReportOptions {
  /** budget (FLOPs) for the plan section; default 100× the largest budget */
  planBudget?: number;
  /** fit to use; default SWEEP/fit.json, or a fresh fit when absent */
  fit?: SweepFit;
  title?: string;
}

// JSON turns NaN (e.g. a bootstrap bound with too few usable resamples) into null: show "?"
const ok = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);
const e3 = (x: number | null | undefined) => (ok(x) ? x.toFixed(3) : "?");
const sci = (x: number | null | undefined) => (ok(x) ? x.toExponential(2) : "?");
const ci = (v: number, i?: { lo: number; hi: number } | null): Html => html`${e3(v)}${i ? html` <small>[${e3(i.lo)}, ${e3(i.hi)}]</small>` : ""}`;

function summaryRow(o: ObjectiveFit, paper: { a: number; b: number }): Cell[] {
  const iso = o.isoflop, par = o.parametric;
  const used = iso ? iso.minima.filter((m) => m.used).length : 0;
  const status = o.unreliable ? html`<span class="bad">not meaningful: ${o.unreliable}</span>` : !iso ? html`<span class="bad">no IsoFLOP fit</span>` : o.warnings.length ? html`<span class="bad">see warnings</span>` : html`<span class="ok">ok</span>`;
  return [
    o.objective.toUpperCase(), `${o.runs} / ${o.planned}`, `${used} of ${o.budgets.length}`,
    iso ? ci(iso.a, iso.ci?.a) : "—", iso ? ci(iso.b, iso.ci?.b) : "—",
    par ? (isDegenerate(par) ? html`<span class="bad">degenerate fit</span>` : html`${ci(par.a, par.ci?.a)} / ${ci(par.b, par.ci?.b)}`) : "—",
    `${paper.a} / ${paper.b}`, status,
  ];
}

function planRows(f: SweepFit, planC: number, uniqueTokens: number | null): string[][] {
  const rows: string[][] = [];
  for (const o of f.objectives) {
    const iso = o.isoflop;
    const lines: [string, { N: number; D: number; L?: number } | undefined][] = [
      ["this sweep (IsoFLOP)", iso ? { N: iso.kN * planC ** iso.a, D: iso.kD * planC ** iso.b, L: iso.kL * (planC / iso.cRef) ** iso.gamma } : undefined],
      [`released fit (${defaultPreset(o.objective).name})`, optimalAllocation(defaultPreset(o.objective).law, planC)],
    ];
    for (const [src, a] of lines) {
      if (!a) { rows.push([o.objective.toUpperCase(), src, "—", "—", "—", "—", "—"]); continue; }
      const shape = a.N >= 1.4e4 ? describeShape(shapeFor(a.N, { tolerance: 0.1 })) : "below the smallest model";
      rows.push([o.objective.toUpperCase(), src, sci(a.N), sci(a.D), a.L !== undefined ? e3(a.L) : "—", shape, uniqueTokens ? (a.D / uniqueTokens).toFixed(2) : "?"]);
    }
  }
  return rows;
}

export async function buildReport(sweepDir: string, o: ReportOptions = {}): Promise<{ html: string; fit: SweepFit; charts: number }> {
  const design = readDesign(sweepDir);
  const fitPath = join(sweepDir, "fit.json");
  const fit = o.fit ?? (existsSync(fitPath) ? readJson<SweepFit>(fitPath) : fitSweep(sweepDir));
  const runs = collectRuns(sweepDir, design);
  const curves = collectCurves(sweepDir, design);
  const status = sweepStatus(sweepDir, design);
  const wall = runs.reduce((s, r) => s + (r.wallSeconds ?? 0), 0);
  const planC = o.planBudget ?? fit.budgetRange[1] * 100;
  const blocks: Block[] = [];
  let charts = 0;
  // the SVG is the renderer's output (it escapes the data it draws): trusted markup
  const svg = async (spec: Record<string, unknown>) => { charts++; return raw(await renderSvg(spec)); };

  blocks.push({ kind: "h2", text: "Summary" });
  blocks.push({ kind: "p", html: html`Budgets ${sci(fit.budgetRange[0])} … ${sci(fit.budgetRange[1])} FLOPs (C = 6·N·D, N non-embedding); ${design.points.length} planned runs, ${status.counts.done} finished, ${status.counts.failed} failed; total training wall time ${formatDuration(wall)} on ${design.train.device}. Exponents: N_opt ∝ C<sup>a</sup>, D_opt ∝ C<sup>b</sup>; brackets are bootstrap 95% intervals (runs resampled within each budget). The paper's values are Cheng et al. 2024, fitted on 1e17–1e21 FLOPs with ~300 runs.` });
  blocks.push({ kind: "table", head: ["objective", "runs (finished / planned)", "budgets used in the law", "IsoFLOP a", "IsoFLOP b", "parametric a / b", "paper a / b", "status"], rows: fit.objectives.map((x) => summaryRow(x, fit.paper[x.objective])) });
  blocks.push({ kind: "h2", text: "Warnings" });
  blocks.push({ kind: "p", html: html`Small sweeps are noisy: read the exponents together with their intervals and these warnings.` });
  blocks.push({ kind: "warnings", items: [...new Set([...design.warnings, ...fit.warnings])] });

  blocks.push({ kind: "h2", text: "CLM vs MLM exponents beside the paper's" });
  blocks.push({ kind: "charts", svgs: [await svg(exponentsSpec(exponentRows(fit)))] });

  for (const x of fit.objectives) {
    const P = x.objective.toUpperCase();
    const r = runs.filter((q) => q.objective === x.objective);
    blocks.push({ kind: "h2", text: `${P}: IsoFLOP profiles and fitted laws` });
    if (x.tooFlat) blocks.push({ kind: "p", html: html`<span class="bad">The ${P} curves are too flat across the sizes tried to locate minima; the laws below are not meaningful. Raise the budgets so the curves bend: more time (<code>plmscale demo --minutes 120</code> reaches about 4× the compute) or a GPU (budgets of 1e14–1e15 FLOPs fit in minutes on one H100/H200: <code>bench/gpu-reproduce.sh</code>).</span>` });
    else if (x.unreliable) blocks.push({ kind: "p", html: html`<span class="bad">${P}: ${x.unreliable}, so the fitted laws below extrapolate beyond the grid and are not meaningful.</span>` });
    if (r.length === 0) { blocks.push({ kind: "p", html: html`No finished runs.` }); continue; }
    const svgs = [await svg(isoflopSpec(x, r))];
    for (const spec of lawSpecs(x, fit.paper[x.objective])) svgs.push(await svg(spec));
    blocks.push({ kind: "charts", svgs });
    if (x.allocation) {
      const al = x.allocation;
      const est = (e: { a: number; ci: { lo: number; hi: number } | null } | null) => (e ? ci(e.a, e.ci) : "—");
      blocks.push({ kind: "p", html: html`Allocation exponent a (N_opt ∝ C^a): approach 2 (IsoFLOP) ${est(al.isoflop)}, approach 3 (parametric) ${est(al.parametric)}${al.disagree ? html` — <span class="bad">they disagree beyond their intervals</span>` : ""}. Leading with ${al.lead === "isoflop" ? "the IsoFLOP" : "the parametric"} estimate: ${al.why}.` });
    }
    blocks.push({ kind: "p", html: html`Dashed curves: parabolas in ln N fitted per budget; diamonds: their minima (used in the laws).${x.unreliable ? " The law charts are left out: the minima are extrapolations." : " Law charts: black dots are the per-budget minima, the blue line the fitted power law with its exponent's 95% interval as a band (pivoted at the middle budget), the red line the paper's exponent through the same point."}` });
    if (x.profiles.length) {
      blocks.push({ kind: "table", head: ["budget C", "runs", "sizes tried", "N_opt", "D_opt", "L_opt", "loss spread", "notes"], rows: x.profiles.map((m) => {
        const b = x.budgets.find((q) => Math.abs(q.C / m.C - 1) < 0.2);
        return [sci(m.C), String(m.runs), `${sci(m.minN)} … ${sci(m.maxN)}`, sci(m.N), sci(m.D), e3(m.L), b ? b.spread.toFixed(4) : "—", m.warnings.join("; ") || (m.used ? "" : "not used")];
      }) });
    }
    if (x.parametric) {
      const p = x.parametric;
      const law = html`L(N,D) = ${e3(p.E)} + ${sci(p.A)}/N<sup>${e3(p.alpha)}</sup> + ${sci(p.B)}/D<sup>${e3(p.beta)}</sup>`;
      blocks.push({ kind: "p", html: isDegenerate(p)
        ? html`<span class="bad">Parametric fit (${p.runs} runs) is degenerate: ${law} — ${p.degenerate.join("; ")}.</span> Its implied exponents follow from the collapse, not from the runs, and are not reported.`
        : html`Parametric fit (${p.runs} runs, Huber on log loss): ${law}; implied a = ${ci(p.a, p.ci?.a)}, b = ${ci(p.b, p.ci?.b)}.` });
    }
    if (x.holdout) {
      const h = x.holdout;
      const pct = (v: boolean | null) => (v === null ? "no interval" : v ? html`<span class="ok">inside</span>` : html`<span class="bad">outside</span>`);
      const iv = (i: { lo: number; hi: number } | null, f: (v: number) => string) => (i ? `[${f(i.lo)}, ${f(i.hi)}]` : "—");
      blocks.push({ kind: "h2", text: `${P}: Does the law extrapolate?` });
      blocks.push({ kind: "p", html: html`The laws were fitted again without the largest budget (${sci(h.C)} FLOPs, ${h.runs} runs) on ${h.fittedOn.length} budgets (${h.fittedOn.map(sci).join(", ")}), then asked for that budget's optimum. Intervals: bootstrap 95% of the prediction (the fitted budgets' runs resampled); the measured minimum's own interval resamples the held-out runs.${h.measured.bracketed ? "" : html` <span class="bad">The held-out budget's minimum lies outside its sizes: the measured optimum is itself an extrapolation.</span>`}` });
      blocks.push({ kind: "table", head: ["quantity", "predicted", "95% interval", "measured", "measured's interval", "measured ÷ predicted or gap", "inside?"], rows: [
        ["N_opt", sci(h.predicted.N), iv(h.predicted.ci.N, sci), sci(h.measured.N), iv(h.measured.ci.N, sci), `×${e3(h.ratio.N)}`, pct(h.inside.N)],
        ["D_opt", sci(h.predicted.D), iv(h.predicted.ci.D, sci), sci(h.measured.D), "—", `×${e3(h.ratio.D)}`, pct(h.inside.D)],
        ["L_opt (IsoFLOP power law)", e3(h.predicted.L), iv(h.predicted.ci.L, e3), e3(h.measured.L), iv(h.measured.ci.L, e3), `${h.gapNats >= 0 ? "+" : ""}${e3(h.gapNats)} nats`, pct(h.inside.L)],
        ...(h.parametric ? [["L_opt (parametric, keeps E)", e3(h.parametric.L), iv(h.parametric.ci.L, e3), e3(h.measured.L), iv(h.measured.ci.L, e3), `${h.measured.L - h.parametric.L >= 0 ? "+" : ""}${e3(h.measured.L - h.parametric.L)} nats`, pct(h.parametric.inside.L)] as Cell[]] : []),
      ] });
      if (h.parametricNote) blocks.push({ kind: "p", html: html`${h.parametricNote}.` });
      blocks.push({ kind: "charts", svgs: [await svg(holdoutSpec(x, "N")), await svg(holdoutSpec(x, "L"))] });
    }
    const c = curves.filter((q) => q.objective === x.objective);
    if (c.length) {
      blocks.push({ kind: "charts", svgs: [await svg(lossCurvesSpec(x.objective, c, x.envelope?.envelope))] });
      if (x.envelope) blocks.push({ kind: "p", html: html`Lower envelope (black, dotted) over ${x.envelope.runs} runs: L ∝ C<sup>${e3(x.envelope.gamma)}</sup>${x.envelope.a !== undefined ? html`, N_opt ∝ C<sup>${e3(x.envelope.a)}</sup>` : ""}. Each run's schedule decays to its own budget, so intermediate points are not compute-optimal (Hoffmann et al. 2022); treat the envelope as a rough check.` });
    }
  }

  const ep = runs.filter((r) => r.epochs !== null).map((r) => ({ id: r.id, epochs: r.epochs!, objective: r.objective }));
  blocks.push({ kind: "h2", text: "Data epochs per run" });
  if (ep.length) blocks.push({ kind: "charts", svgs: [await svg(epochsSpec(ep, design.maxEpochs))] });
  else blocks.push({ kind: "p", html: html`The corpus's unique token count is unknown (no manifest), so epochs cannot be shown.` });

  blocks.push({ kind: "h2", text: `Plan for a budget of ${sci(planC)} FLOPs` });
  blocks.push({ kind: "p", html: html`${planC > fit.budgetRange[1] ? `This is ${(planC / fit.budgetRange[1]).toPrecision(2)}× the largest budget of the sweep: an extrapolation, as uncertain as the exponents' intervals allow.` : "Within the sweep's budget range."} Change it with <code>plmscale report SWEEP --budget C</code>.` });
  blocks.push({ kind: "table", head: ["objective", "law", "N_opt", "D_opt (tokens)", "L_opt", "shape", "epochs of this corpus"], rows: planRows(fit, planC, design.uniqueTrainTokens) });

  blocks.push(...(await evalSection(sweepDir, svg)));

  blocks.push({ kind: "h2", text: "Method" });
  blocks.push({ kind: "p", html: html`Design: per budget, ${design.sizesPerBudget} sizes ${design.spanDecades !== null ? `spread ±${design.spanDecades} decades around the predicted optimum` : "given explicitly"}; each run trains on D = C/(6N) tokens, context ${design.train.context}, ${design.train.batchTokens} tokens per step, warm-up then cosine decay to its own budget, peak LR falling with size. Centre: ${Object.entries(design.centreSource).map(([k, v]) => `${k}: ${v}`).join("; ")}. Corpus: <code>${design.corpus}</code>${design.uniqueTrainTokens ? ` (${sci(design.uniqueTrainTokens)} unique training tokens)` : ""}. Fit: parabola of loss in ln N per budget, power laws through the minima by least squares in log space, bootstrap ${fit.objectives[0]?.isoflop?.bootstrap?.resamples ?? 0} resamples; parametric L(N,D) per Hoffmann et al. 2022 approach 3.` });

  const title = o.title ?? "plmscale IsoFLOP sweep report";
  const meta = html`sweep <code>${sweepDir}</code> · designed ${design.createdAt} · fitted ${fit.createdAt} · report ${new Date().toISOString()}`;
  return { html: renderPage(title, meta, blocks), fit, charts };
}

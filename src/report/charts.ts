// Vega-Lite specs for the sweep report, built from plain data (pure functions; rendering is render.ts).
import type { ObjectiveFit, RunRecord, SweepFit } from "../sweep/fit.js";
import { isDegenerate, type LossCurve } from "../scaling/index.js";
import type { VlSpec } from "./render.js";

const W = 300, H = 220;
const logX = (field: string, title: string) => ({ field, type: "quantitative", title, scale: { type: "log" }, axis: { format: /FLOP/.test(title) ? ".0e" : "~s", labelOverlap: "greedy" } });
const budgetColor = { field: "budget", type: "ordinal", title: "budget (FLOPs)", scale: { scheme: "viridis" }, sort: "ascending" };

function sample(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));
}

const fmtC = (c: number) => c.toExponential(1);

/** Loss vs N per budget: runs as points, fitted parabolas (in ln N) as lines, their minima as diamonds. */
export function isoflopSpec(o: ObjectiveFit, runs: RunRecord[]): VlSpec {
  const pts = runs.map((r) => ({ N: r.N, loss: r.loss, budget: fmtC(r.budget), id: r.id }));
  const curves: object[] = [];
  const minima: object[] = [];
  for (const m of o.isoflop?.minima ?? o.profiles ?? []) {
    const { c0, c1, c2 } = m.parabola;
    for (const N of sample(m.minN / 1.4, m.maxN * 1.4, 40)) {
      const x = Math.log(N);
      curves.push({ N, loss: c0 + c1 * x + c2 * x * x, budget: fmtC(m.C) });
    }
    if (m.used && m.N >= m.minN / 1.4 && m.N <= m.maxN * 1.4) minima.push({ N: m.N, loss: m.L, budget: fmtC(m.C) });
  }
  // ordinal colours sort labels as text ("1.1e+12" < "1.2e+11"): give the domain in numeric order
  const domain = [...new Set(runs.map((r) => r.budget))].sort((a, b) => a - b).map(fmtC);
  const color = { ...budgetColor, scale: { scheme: "viridis", domain } };
  const lo = Math.min(...pts.map((p) => p.loss)), hi = Math.max(...pts.map((p) => p.loss));
  const pad = Math.max(0.01, (hi - lo) * 0.15);
  const y = { field: "loss", type: "quantitative", title: "validation loss (nats/token)", scale: { zero: false, domain: [lo - pad, hi + pad], clamp: true } };
  return {
    title: `${o.objective.toUpperCase()} IsoFLOP profiles`, width: W, height: H,
    layer: [
      { data: { values: curves }, mark: { type: "line", clip: true, strokeDash: [4, 3] }, encoding: { x: logX("N", "non-embedding parameters N"), y, color, detail: { field: "budget" } } },
      { data: { values: pts }, mark: { type: "point", filled: true, size: 60 }, encoding: { x: logX("N", "non-embedding parameters N"), y, color, tooltip: [{ field: "id" }, { field: "loss" }] } },
      { data: { values: minima }, mark: { type: "point", shape: "diamond", size: 160, filled: false, strokeWidth: 2.5 }, encoding: { x: logX("N", "non-embedding parameters N"), y, color } },
    ],
  };
}

export interface LawSeries {
  /** "N_opt", "D_opt", "L_opt" */
  quantity: "N" | "D" | "L";
  k: number;
  exponent: number;
  interval?: { lo: number; hi: number };
  /** paper exponent drawn through the geometric middle of the fitted line (slope comparison) */
  paperExponent?: number;
  cRef?: number;
}

/** A fitted law vs C: the per-budget minima, the law, a pivoted band for its exponent's interval, the paper's slope. */
export function lawSpec(o: ObjectiveFit, s: LawSeries): VlSpec {
  const minima = (o.isoflop?.minima ?? []).filter((m) => m.used).map((m) => ({ C: m.C, value: s.quantity === "N" ? m.N : s.quantity === "D" ? m.D : m.L }));
  const cs = (o.isoflop?.minima ?? []).map((m) => m.C);
  if (cs.length === 0) return { title: `${o.objective.toUpperCase()} ${s.quantity}_opt: no fit`, width: W, height: H, data: { values: [] }, mark: "point" };
  const lo = Math.min(...cs) / 2, hi = Math.max(...cs) * 2;
  const scale = s.quantity === "L" ? (s.cRef ?? 1) : 1;
  const f = (C: number, e: number, pivot: number) => s.k * (pivot / scale) ** s.exponent * (C / pivot) ** e;
  const mid = Math.sqrt(lo * hi);
  const line: object[] = [];
  for (const C of sample(lo, hi, 30)) {
    line.push({ C, value: f(C, s.exponent, mid), series: `fit ${s.exponent.toFixed(3)}` });
    if (s.paperExponent !== undefined) line.push({ C, value: f(C, s.paperExponent, mid), series: `paper ${s.paperExponent}` });
  }
  const band = s.interval ? sample(lo, hi, 30).map((C) => {
    const a = f(C, s.interval!.lo, mid), b = f(C, s.interval!.hi, mid);
    return { C, lo: Math.min(a, b), hi: Math.max(a, b) };
  }) : [];
  const yTitle = { N: "N_opt (parameters)", D: "D_opt (tokens)", L: "L_opt (nats/token)" }[s.quantity];
  const yScale = s.quantity === "L" ? { type: "linear", zero: false } : { type: "log" };
  return {
    title: `${o.objective.toUpperCase()} ${s.quantity}_opt vs compute`, width: W, height: H,
    layer: [
      { data: { values: band }, mark: { type: "area", opacity: 0.2, color: "#4c78a8" }, encoding: { x: logX("C", "compute C (FLOPs)"), y: { field: "lo", type: "quantitative", scale: yScale, title: yTitle }, y2: { field: "hi" } } },
      { data: { values: line }, mark: { type: "line" }, encoding: { x: logX("C", "compute C (FLOPs)"), y: { field: "value", type: "quantitative", scale: yScale, title: yTitle, axis: { format: s.quantity === "L" ? ".2f" : "~s" } }, strokeDash: { field: "series", type: "nominal", title: "exponent" }, color: { field: "series", type: "nominal", title: "exponent", scale: { range: ["#4c78a8", "#e45756"] } } } },
      { data: { values: minima }, mark: { type: "point", filled: true, size: 70, color: "black" }, encoding: { x: logX("C", "compute C (FLOPs)"), y: { field: "value", type: "quantitative", scale: yScale } } },
    ],
  };
}

/**
 * "Does the law extrapolate?": the law fitted without the held-out budget (line), the minima it was fitted on
 * (black), its prediction at the held-out budget with the bootstrap interval (blue bar) and the measured minimum
 * there (red).
 */
export function holdoutSpec(o: ObjectiveFit, quantity: "N" | "L"): VlSpec {
  const h = o.holdout!;
  const val = (x: { N: number; L: number }) => (quantity === "N" ? x.N : x.L);
  const lawAt = (C: number) => (quantity === "N" ? h.law.kN * C ** h.law.a : h.law.kL * (C / h.law.cRef) ** h.law.gamma);
  const cs = [...h.fittedOn, h.C];
  const line = sample(Math.min(...cs) / 2, h.C * 2, 30).map((C) => ({ C, value: lawAt(C) }));
  const ci = quantity === "N" ? h.predicted.ci.N : h.predicted.ci.L;
  const points = [
    ...h.fittedMinima.map((m) => ({ C: m.C, value: val(m), kind: "fitted minima" })),
    { C: h.C, value: val(h.predicted), kind: "predicted (held out)" },
    { C: h.C, value: val(h.measured), kind: "measured (held out)" },
  ];
  const yScale = quantity === "L" ? { type: "linear", zero: false } : { type: "log" };
  const yTitle = quantity === "N" ? "N_opt (parameters)" : "L_opt (nats/token)";
  const x = logX("C", "compute C (FLOPs)");
  return {
    title: `${o.objective.toUpperCase()} ${quantity}_opt: the largest budget predicted from the others`, width: W, height: H,
    layer: [
      { data: { values: line }, mark: { type: "line", color: "#4c78a8" }, encoding: { x, y: { field: "value", type: "quantitative", scale: yScale, title: yTitle } } },
      { data: { values: ci ? [{ C: h.C, lo: ci.lo, hi: ci.hi }] : [] }, mark: { type: "rule", color: "#4c78a8", strokeWidth: 3 }, encoding: { x, y: { field: "lo", type: "quantitative", scale: yScale }, y2: { field: "hi" } } },
      { data: { values: points }, mark: { type: "point", filled: true, size: 80 }, encoding: { x, y: { field: "value", type: "quantitative", scale: yScale }, color: { field: "kind", type: "nominal", title: null, scale: { domain: ["fitted minima", "predicted (held out)", "measured (held out)"], range: ["black", "#4c78a8", "#e45756"] } } } },
    ],
  };
}

export interface ExponentRow {
  objective: string;
  exponent: "a (N_opt)" | "b (D_opt)";
  source: string;
  value: number;
  lo?: number;
  hi?: number;
}

/** The exponent rows of a sweep's fit (IsoFLOP and parametric, with intervals) beside the paper's. */
export function exponentRows(fit: SweepFit): ExponentRow[] {
  const rows: ExponentRow[] = [];
  for (const x of fit.objectives) {
    const P = x.objective.toUpperCase();
    const p = fit.paper[x.objective];
    rows.push({ objective: P, exponent: "a (N_opt)", source: "paper", value: p.a }, { objective: P, exponent: "b (D_opt)", source: "paper", value: p.b });
    for (const [source, f] of [["IsoFLOP", x.isoflop], ["parametric", x.parametric]] as const) {
      if (!f || (source === "parametric" && isDegenerate(x.parametric))) continue;
      rows.push({ objective: P, exponent: "a (N_opt)", source, value: f.a, ...f.ci?.a });
      rows.push({ objective: P, exponent: "b (D_opt)", source, value: f.b, ...f.ci?.b });
    }
  }
  return rows;
}

/** N_opt, D_opt and L_opt vs C for an objective with a usable IsoFLOP fit (none when the minima are extrapolated). */
export function lawSpecs(x: ObjectiveFit, paper: { a: number; b: number }): VlSpec[] {
  const iso = x.isoflop;
  if (!iso || x.unreliable) return [];
  return [
    lawSpec(x, { quantity: "N", k: iso.kN, exponent: iso.a, interval: iso.ci?.a ?? undefined, paperExponent: paper.a }),
    lawSpec(x, { quantity: "D", k: iso.kD, exponent: iso.b, interval: iso.ci?.b ?? undefined, paperExponent: paper.b }),
    lawSpec(x, { quantity: "L", k: iso.kL, exponent: iso.gamma, interval: iso.ci?.gamma ?? undefined, cRef: iso.cRef }),
  ];
}

/** CLM vs MLM allocation exponents: this sweep's (with intervals) beside the paper's. */
export function exponentsSpec(rows: ExponentRow[]): VlSpec {
  const y = { field: "source", type: "nominal", title: null };
  const x = { field: "value", type: "quantitative", title: "exponent", scale: { domain: [0, 1.2], clamp: true } };
  return {
    title: "Allocation exponents: this sweep vs the paper", data: { values: rows },
    facet: { row: { field: "objective", type: "nominal", title: null }, column: { field: "exponent", type: "nominal", title: null } },
    spec: {
      width: 220, height: 70,
      layer: [
        { transform: [{ filter: "isValid(datum.lo)" }], mark: { type: "rule", strokeWidth: 2 }, encoding: { y, x: { field: "lo", type: "quantitative", scale: { domain: [0, 1.2], clamp: true } }, x2: { field: "hi" }, color: { field: "source", legend: null } } },
        { mark: { type: "point", filled: true, size: 80 }, encoding: { y, x, color: { field: "source", type: "nominal", legend: null }, tooltip: [{ field: "value", format: ".3f" }] } },
        { mark: { type: "text", dx: 22, fontSize: 10 }, encoding: { y, x, text: { field: "value", format: ".3f" } } },
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** Validation loss vs FLOPs for every run, coloured by size, with the lower envelope. */
export function lossCurvesSpec(objective: string, curves: (LossCurve & { budget: number })[], envelope?: { C: number; loss: number }[]): VlSpec {
  const values = curves.flatMap((c) => c.points.map((p) => ({ run: c.run, N: c.N, flops: p.flops, loss: p.loss, budget: fmtC(c.budget) })));
  const layers: object[] = [
    { data: { values }, mark: { type: "line", point: { size: 12 }, strokeWidth: 1.2 }, encoding: { x: logX("flops", "FLOPs so far"), y: { field: "loss", type: "quantitative", scale: { zero: false }, title: "validation loss" }, color: { field: "N", type: "quantitative", scale: { type: "log", scheme: "plasma" }, title: "N", legend: { type: "gradient", format: "~s" } }, detail: { field: "run" } } },
  ];
  if (envelope?.length) layers.push({ data: { values: envelope.map((e) => ({ ...e, s: "lower envelope" })) }, mark: { type: "line", color: "black", strokeDash: [2, 2], strokeWidth: 2 }, encoding: { x: logX("C", "FLOPs so far"), y: { field: "loss", type: "quantitative" } } });
  return { title: `${objective.toUpperCase()} loss curves per run`, width: W, height: H, layer: layers };
}

/** Planned passes over the corpus per run, with the design's epoch limit as a rule. */
export function epochsSpec(runs: { id: string; epochs: number; objective: string }[], maxEpochs: number): VlSpec {
  return {
    title: "Data epochs per run (planned tokens / unique training tokens)", width: 2 * W, height: Math.max(120, runs.length * 11),
    layer: [
      { data: { values: runs }, mark: "bar", encoding: { y: { field: "id", type: "nominal", sort: null, title: null, axis: { labelFontSize: 9 } }, x: { field: "epochs", type: "quantitative", title: "epochs" }, color: { field: "objective", type: "nominal" } } },
      { data: { values: [{ limit: maxEpochs }] }, mark: { type: "rule", color: "red", strokeDash: [4, 2] }, encoding: { x: { field: "limit", type: "quantitative" } } },
    ],
  };
}

/** Train and validation loss of one or more runs vs tokens or FLOPs, log axes (serve's run curves). */
export function runCurvesSpec(title: string, curves: { run: string; points: { tokens: number; flops?: number; trainLoss?: number; valLoss?: number }[] }[], x: "tokens" | "flops"): VlSpec {
  const values = curves.flatMap((c) => c.points.flatMap((p) => {
    const at = x === "tokens" ? p.tokens : p.flops;
    if (!at || at <= 0) return [];
    return [...(p.trainLoss !== undefined ? [{ run: c.run, x: at, loss: p.trainLoss, split: "train" }] : []), ...(p.valLoss !== undefined ? [{ run: c.run, x: at, loss: p.valLoss, split: "validation" }] : [])];
  }));
  return {
    title, width: W, height: H, data: { values },
    mark: { type: "line", strokeWidth: 1.2, clip: true },
    encoding: {
      x: logX("x", x === "tokens" ? "tokens so far" : "FLOPs so far"),
      y: { field: "loss", type: "quantitative", title: "loss (nats/token)", scale: { type: "log", zero: false, nice: false }, axis: { format: ".2f", labelOverlap: "greedy" } },
      color: { field: "run", type: "nominal", title: "run", legend: curves.length > 12 ? null : { labelLimit: 220 } },
      strokeDash: { field: "split", type: "nominal", title: null, scale: { domain: ["train", "validation"], range: [[2, 2], [1, 0]] } },
      tooltip: [{ field: "run" }, { field: "split" }, { field: "x", title: x, format: ".3~s" }, { field: "loss", format: ".4f" }],
    },
  };
}

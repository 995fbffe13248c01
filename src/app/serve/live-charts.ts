// The page's charts: the report's own Vega-Lite specifications (src/report/charts.ts) filled with the live
// state. The server sends the specs as JSON and the browser renders them with the same vega and vega-lite
// the report uses in Node, so `report` and `serve` draw the same charts.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { exponentRows, exponentsSpec, isoflopSpec, lawSpecs, lossCurvesSpec, runCurvesSpec } from "../../report/charts.js";
import type { VlSpec } from "../../report/render.js";
import { collectRuns, type RunRecord, type SweepFit } from "../../sweep/fit.js";
import { readJson } from "../../core/files.js";
import { downsampleLog, type MetricsPoint } from "./metrics-tail.js";
import type { ServeState } from "./state.js";
import { trainingFlops } from "../../scaling/compute.js";

export interface Chart {
  id: string;
  spec: VlSpec;
}

/**
 * Points drawn over all curves of one chart: each curve gets CURVE_POINTS_TOTAL / curves points (at least
 * 20, at most 200), picked by downsampleLog (log-x bins, last point of each).
 */
export const CURVE_POINTS_TOTAL = 20_000;
export const pointsPerCurve = (curves: number) => Math.max(20, Math.min(200, Math.floor(CURVE_POINTS_TOTAL / Math.max(1, curves))));

/** Bootstrap resamples for fits made on the fly (fewer than `sweep fit`'s 200: it reruns as budgets finish). */
const LIVE_BOOTSTRAP = 50;

const flopsOf = (p: MetricsPoint, N: number | null) => p.flops ?? (N ? trainingFlops(N, p.tokens) : undefined);

interface FitSlot {
  /** finished runs (and their losses) the fit was made from */
  sig: string;
  fit: SweepFit | null;
  runs: RunRecord[];
  error: string | null;
  /** signature of a fit being computed in a worker */
  pending: string | null;
}

export class LiveCharts {
  private fits = new Map<string, FitSlot>();
  /** fits computed so far (not counting ones read from SWEEP/fit.json) */
  fitsComputed = 0;
  private workers = new Set<Worker>();

  /** `onFit` is called when a background fit is ready (the server then tells the pages to redraw). */
  constructor(private readonly state: ServeState, private readonly onFit: (sweepKey: string) => void = () => {}) {}

  /**
   * The sweep's fit: SWEEP/fit.json when it is newer than every result, else the last fit made here. When runs
   * have finished since, a new fit starts in a worker thread and the old one is shown until it is ready.
   */
  private fitFor(sweepKey: string): FitSlot | undefined {
    const s = this.state.discovery.sweeps.find((x) => x.key === sweepKey);
    if (!s) return undefined;
    const done = this.state.rows().filter((r) => r.sweep === sweepKey && r.state === "done");
    if (done.length === 0) return undefined;
    const sig = done.map((r) => `${r.key}:${r.lastValLoss}`).sort().join(",");
    let slot = this.fits.get(sweepKey);
    if (!slot) { slot = { sig: "", fit: null, runs: [], error: null, pending: null }; this.fits.set(sweepKey, slot); }
    if (slot.sig === sig || slot.pending === sig) return slot;
    const fitPath = join(s.dir, "fit.json");
    const newestResult = Math.max(...done.map((r) => { try { return statSync(join(this.state.get(r.key)!.entry.dir, "result.json")).mtimeMs; } catch { return Infinity; } }));
    if (existsSync(fitPath) && statSync(fitPath).mtimeMs >= newestResult) {
      Object.assign(slot, { sig, fit: readJson<SweepFit>(fitPath), runs: collectRuns(s.dir, s.design), error: null });
      return slot;
    }
    if (slot.pending) return slot; // one fit at a time per sweep; the next poll after it asks again
    slot.pending = sig;
    const w = new Worker(new URL("./fit-worker.js", import.meta.url), { workerData: { dir: s.dir, bootstrap: LIVE_BOOTSTRAP } });
    this.workers.add(w);
    w.once("exit", () => this.workers.delete(w));
    w.once("message", (m: { fit?: SweepFit; error?: string }) => {
      Object.assign(slot!, { sig, pending: null, fit: m.fit ?? slot!.fit, error: m.error ?? null, runs: m.fit ? collectRuns(s.dir, s.design) : slot!.runs });
      this.fitsComputed++;
      this.onFit(sweepKey);
    });
    w.once("error", (e) => { Object.assign(slot!, { sig, pending: null, error: e.message }); this.onFit(sweepKey); });
    return slot;
  }

  /** Stops fits still running (the server is closing). */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  /** Per sweep: IsoFLOP profiles, laws, exponents and every run's validation curve; then the selected runs' curves. */
  overview(selected: string[], x: "tokens" | "flops"): { charts: Chart[]; notes: string[] } {
    const charts: Chart[] = [], notes: string[] = [];
    for (const s of this.state.discovery.sweeps) {
      let slot: FitSlot | undefined;
      try { slot = this.fitFor(s.key); } catch (e) { notes.push(`${s.key}: fit failed: ${(e as Error).message}`); }
      if (slot?.error) notes.push(`${s.key}: fit failed: ${slot.error}`);
      if (slot?.pending) notes.push(`${s.key}: fitting ${slot.pending.split(",").length} finished runs…`);
      const f = slot?.fit ? { fit: slot.fit, runs: slot.runs } : undefined;
      if (f) {
        charts.push({ id: `${s.key}#exponents`, spec: exponentsSpec(exponentRows(f.fit)) });
        for (const o of f.fit.objectives) {
          const runs = f.runs.filter((r) => r.objective === o.objective);
          if (runs.length) charts.push({ id: `${s.key}#${o.objective}-isoflop`, spec: isoflopSpec(o, runs) });
          lawSpecs(o, f.fit.paper[o.objective]).forEach((spec, i) => charts.push({ id: `${s.key}#${o.objective}-law${i}`, spec }));
          if (o.unreliable) notes.push(`${s.key} ${o.objective.toUpperCase()}: ${o.unreliable}; laws not drawn`);
        }
      }
      for (const objective of s.design.objectives) {
        const rows = this.state.rows().filter((r) => r.sweep === s.key && r.objective === objective && r.lines > 0);
        const per = pointsPerCurve(rows.length);
        const curves = rows.map((r) => {
          const run = this.state.get(r.key)!;
          const val = run.tail.points.filter((p) => p.valLoss !== undefined && (flopsOf(p, r.N) ?? 0) > 0);
          const pts = downsampleLog(val, per, (p) => flopsOf(p, r.N)!).map((p) => ({ flops: flopsOf(p, r.N)!, loss: p.valLoss! }));
          return { run: r.name, N: r.N ?? undefined, points: pts, budget: r.C ?? 0 };
        }).filter((c) => c.points.length > 0);
        if (curves.length) charts.push({ id: `${s.key}#${objective}-curves`, spec: lossCurvesSpec(objective, curves, this.fits.get(s.key)?.fit?.objectives.find((o) => o.objective === objective)?.envelope?.envelope) });
      }
    }
    const chosen = selected.filter((k) => this.state.get(k));
    if (chosen.length) charts.push({ id: `selected-${x}`, spec: this.curvesSpec(chosen, x, `selected runs: loss vs ${x === "tokens" ? "tokens" : "FLOPs"}`) });
    return { charts, notes };
  }

  /** One run's train and validation loss, by tokens and by FLOPs. */
  run(key: string): Chart[] {
    if (!this.state.get(key)) return [];
    return (["tokens", "flops"] as const).map((x) => ({ id: `run-${x}`, spec: this.curvesSpec([key], x, `loss vs ${x === "tokens" ? "tokens" : "FLOPs"}`) }));
  }

  private curvesSpec(keys: string[], x: "tokens" | "flops", title: string): VlSpec {
    const per = pointsPerCurve(keys.length * 2);
    const curves = keys.map((k) => {
      const r = this.state.get(k)!;
      const N = r.row.N;
      const pts = r.tail.points.map((p) => ({ tokens: p.tokens, flops: flopsOf(p, N), trainLoss: p.trainLoss, valLoss: p.valLoss }));
      const at = (p: (typeof pts)[number]) => (x === "tokens" ? p.tokens : p.flops ?? 0);
      // train and validation downsampled apart: validation points are sparse and must not be binned away
      const train = downsampleLog(pts.filter((p) => p.trainLoss !== undefined && at(p) > 0), per, at).map((p) => ({ ...p, valLoss: undefined }));
      const val = downsampleLog(pts.filter((p) => p.valLoss !== undefined && at(p) > 0), per, at).map((p) => ({ ...p, trainLoss: undefined }));
      return { run: r.row.name, points: [...train, ...val] };
    });
    return runCurvesSpec(title, curves, x);
  }
}

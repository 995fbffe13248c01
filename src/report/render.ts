// Vega-Lite spec → SVG string, in Node, with nothing fetched: the data is inline and the headless "none"
// renderer measures text without a canvas.
// vega and vega-lite are loaded on first use: every CLI start would otherwise pay for them (~0.3 s)
// and machines that only train (a GPU node) need not carry them.
import type * as VegaNs from "vega";
import type * as VlNs from "vega-lite";

export type VlSpec = Record<string, unknown>;

export async function renderSvg(spec: VlSpec): Promise<string> {
  const vega: typeof VegaNs = await import("vega");
  const vl: typeof VlNs = await import("vega-lite");
  // vega-lite's logger would print advisory warnings to the console; the report has its own warnings
  const quiet = { level: () => quiet, error: (...m: unknown[]) => { throw new Error(m.join(" ")); }, warn: () => quiet, info: () => quiet, debug: () => quiet };
  const compiled = vl.compile({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", ...spec } as VlNs.TopLevelSpec, { logger: quiet as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// Declarations of report, doctor and version; the run code loads on demand.
import { defineCommand } from "../command.js";

export const reportCommand = defineCommand({
  name: "report",
  summary: "write a self-contained HTML report of a sweep (IsoFLOP curves, laws, exponents, loss curves, plan)",
  usage: ["SWEEP [--out report.html] [--budget C]"],
  description: `One HTML page with inline SVG charts (rendered from Vega-Lite specs in Node; nothing is fetched when it is
opened): IsoFLOP curves per budget with fitted parabolas and minima; N_opt, D_opt, L_opt vs C with the fitted
laws and intervals; CLM vs MLM exponents beside the paper's; loss curves per run; data epochs per run; and a
plan for a budget. Uses SWEEP/fit.json ('plmscale sweep fit'), or fits on the spot when it is missing.`,
  options: {
    out: { type: "path", value: "FILE", description: "the HTML file to write (default SWEEP/report.html)" },
    budget: { type: "number", min: 0, minExclusive: true, value: "C", description: "FLOPs for the plan section (default 100× the sweep's largest budget)" },
  },
  examples: ["plmscale report sweeps/demo --out report.html"],
  positionals: true,
  load: () => import("../commands/report.js"),
});

export const doctorCommand = defineCommand({
  name: "doctor",
  summary: "show what the tensor engine found (libtorch, BLAS, threads, allocator, CUDA)",
  usage: ["[--verbose] [--json]"],
  description: `Loads the native addon and reports the libtorch version and build flavour, the BLAS library in use,
intra-op threads (PLMSCALE_THREADS), whether malloc thresholds are raised (PLMSCALE_MALLOC=default
turns that off), the attention and AdamW implementations chosen by probing, and CUDA devices.
When the addon is missing it says where it looked and how to build it (exit code 3).`,
  options: { verbose: { type: "boolean", description: "also print libtorch's build configuration" } },
  examples: ["plmscale doctor"],
  engine: true,
  load: () => import("../commands/doctor.js"),
});

export const versionCommand = defineCommand({
  name: "version",
  summary: "print the plmscale version",
  usage: ["[--json]"],
  options: {},
  examples: ["plmscale version"],
  load: () => import("../commands/version.js"),
});

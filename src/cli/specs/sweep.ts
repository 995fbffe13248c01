// Declarations of the sweep commands and the demo; the run code loads on demand.
import { defineCommand } from "../command.js";

export const demoCommand = defineCommand({
  name: "demo",
  summary: "reproduce the paper's method on Swiss-Prot: CLM + MLM IsoFLOP sweeps, fit, report (≈30 min on 2 cores)",
  usage: ["[--quick] [--out DIR] [--minutes M] [--workers K] [--threads T]"],
  description: `1. builds a Swiss-Prot corpus (Debian's metastudent-data; --max-records of it),
2. measures this machine's training speed with four short runs and sizes a CLM and an MLM IsoFLOP sweep
   (3 budgets spanning a decade, 4 sizes for the first) to about 70% of --minutes,
3. trains the runs adaptively (sizes added beyond an edge until each budget's minimum is bracketed; later
   budgets centred on the law so far, 3 sizes; --fixed for a fixed grid), then measures validation noise with a
   second seed of one run per objective (local pool; Ctrl-C stops cleanly, running the demo again continues),
4. fits IsoFLOP and parametric laws with bootstrap intervals, writes DIR/report.html, and prints the fitted
   exponents beside the paper's (CLM a=0.578, b=0.422; MLM a=0.776, b=0.230).
On two CPU cores the budgets are ~1e11–1e12 FLOPs, six orders of magnitude below the paper's; the report says
how well (or badly) such small sweeps constrain the laws.`,
  options: {
    quick: { type: "boolean", description: "a small adaptive sweep (budgets 1e10, 3e10; tiny models) that runs in about 3 minutes" },
    out: { type: "path", value: "DIR", default: "demo-out", description: "where everything goes" },
    minutes: { type: "number", min: 0, minExclusive: true, value: "M", description: "target wall time of the whole demo (default 30)" },
    workers: { type: "integer", min: 1, value: "K", description: "runs at once (default: cores / threads)" },
    threads: { type: "integer", min: 1, value: "T", description: "threads per run (default 1)" },
    "max-records": { type: "integer", min: 1, value: "N", description: "Swiss-Prot records for the corpus (default 100000; --quick 5000)" },
    data: { type: "path", exists: true, value: "PATH", description: "use this corpus directory or FASTA file instead of building Swiss-Prot" },
    budgets: { type: "list", of: "number", min: 0, minExclusive: true, value: "LIST", description: "explicit budgets in FLOPs (skips the speed measurement)" },
    fixed: { type: "boolean", description: "a fixed grid instead of the adaptive design" },
  },
  examples: ["npm run demo            # = plmscale demo --out demo-out", "plmscale demo --quick --out /tmp/demo"],
  engine: true,
  load: () => import("../commands/demo.js"),
});

export const sweepDesignCommand = defineCommand({
  name: "sweep design",
  summary: "design an IsoFLOP sweep: budgets × model sizes around the predicted optimum",
  usage: ["--objective clm|mlm|both --budgets C1,C2,... --corpus DIR --out SWEEP [options]"],
  description: `Per budget C (FLOPs), picks model sizes spread evenly in log N around the predicted compute-optimal size
(±0.75 decades), trains each on D = C/(6N) tokens with its LR schedule set to its own budget and the peak LR
falling with size, and writes SWEEP/sweep.json plus one train config per run (SWEEP/configs/ID.json).
Adaptive by default: only the smallest budget's sizes are written now; 'sweep run' adds sizes beyond an edge
until each budget's minimum is bracketed (or a limit is hit) and centres each next budget on the law fitted so
far (docs/SWEEPS.md "Adaptive design"). --fixed writes every budget's sizes now and never adds any.`,
  options: {
    objective: { type: "enum", choices: ["clm", "mlm", "both"], value: "clm|mlm|both", default: "both", description: "objectives to sweep" },
    budgets: { type: "list", of: "number", min: 0, minExclusive: true, value: "LIST", required: true, description: "compute budgets in FLOPs, e.g. 1e13,3e13,1e14" },
    sizes: { type: "list", of: "size", min: 1, also: ["auto"], value: "auto|LIST", default: "auto", description: "non-embedding sizes for every budget (e.g. 100k,300k,1M) instead of auto" },
    "per-budget": { type: "integer", min: 1, value: "K", description: "sizes per budget with --sizes auto (default 4)" },
    span: { type: "number", min: 0, minExclusive: true, value: "DEC", description: "half-width of the size range in decades (default 0.75)" },
    preset: { type: "string", value: "NAME|FILE", description: "centre from a preset (released, paper, a preset JSON, a sweep's fit.json or sweep directory; default released)" },
    "from-fit": { type: "path", exists: true, value: "SWEEP|FILE", description: "centre from a previous sweep's fit.json instead" },
    // not checked for existence: a design may name the corpus where the runs will train (a cluster path)
    corpus: { type: "path", value: "DIR", required: true, description: "corpus directory (plmscale data prepare --out)" },
    "max-epochs": { type: "number", min: 0, minExclusive: true, value: "E", description: "warn when a run would repeat the training tokens more than E times (default 4); adaptive: never extend past it" },
    fixed: { type: "boolean", description: "a fixed grid: every budget now, no extensions" },
    "max-sizes": { type: "integer", min: 1, value: "K", description: "adaptive: most sizes per budget, extensions included (default 8)" },
    "min-steps": { type: "integer", min: 1, value: "S", description: "adaptive: never add a size with fewer optimizer steps (default 20)" },
    context: { type: "integer", min: 3, max: 16384, also: ["auto"], value: "T|auto", default: "auto", description: "context length (auto: the batch rule per run, docs/TRAINING.md)" },
    "batch-tokens": { type: "size", min: 1, also: ["auto"], value: "B|auto", default: "auto", description: "tokens per optimizer step (auto: ~500 steps per run, 256 .. 0.5M)" },
    "eval-tokens": { type: "size", min: 1, value: "E", default: 32768, description: "validation tokens per evaluation" },
    family: { type: "enum", choices: ["esm2", "llama"], value: "esm2|llama", default: "esm2", description: "model family of every run: esm2 or llama (RMSNorm, SwiGLU, no biases)" },
    device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", default: "cpu", description: "cuda also sets bfloat16" },
    threads: { type: "integer", min: 1, value: "T", default: 2, description: "threads per run" },
    out: { type: "path", value: "SWEEP", required: true, description: "directory to create" },
    "speed-from": { type: "path", exists: true, value: "DIR", description: "finished runs whose wall times estimate this sweep's (default: demo-out/calibration when present, written by 'plmscale demo')" },
    workers: { type: "integer", min: 1, value: "K", default: 1, description: "runs at once, for the wall-time estimate" },
  },
  examples: ["plmscale sweep design --objective both --budgets 1e11,3e11,1e12 --corpus corpus/ --out sweeps/demo   # CPU-sized (minutes)", "plmscale sweep design --objective both --budgets 1e15,1e16,1e17 --device cuda --corpus corpus/ --out sweeps/gpu"],
  load: () => import("../commands/sweep-design.js"),
});

export const sweepRunCommand = defineCommand({
  name: "sweep run",
  summary: "run a sweep's training runs locally (skip finished, resume interrupted, retry once) or emit a Slurm array",
  usage: [
    "SWEEP [--workers K] [--threads T] [--device cpu|cuda]",
    "SWEEP --emit slurm [--partition P] [--gpus-per-run G] [--time HH:MM:SS] [--max-concurrent K]",
  ],
  description: `Local pool (default): runs every unfinished point of SWEEP as a child 'plmscale train', K at a time with T
threads each. An adaptive sweep then fits each finished budget and adds the next round of sizes (beyond an
edge, or the next budget centred on the law so far) and runs those, until every budget is decided; --fixed
runs only the points already designed. Finished runs (result.json) are skipped, interrupted ones resume from their checkpoint, a failed
run is retried once and then recorded (SWEEP/state/ID.failure.json, SWEEP/status.json) without stopping the
sweep. Ctrl-C stops the children cleanly (they checkpoint); run the same command again to continue.

--emit slurm writes SWEEP/sweep.sbatch: a Slurm job array whose task i runs
'plmscale sweep run-one SWEEP i' on a shared filesystem; then 'sweep status', 'sweep fit' and 'report' work
the same. An adaptive sweep gets one array per round: when an array has finished, run '--emit slurm' again;
it decides the next round from the finished runs, appends its points and writes the array for them.`,
  options: {
    workers: { type: "integer", min: 1, value: "K", default: 1, description: "runs at once" },
    threads: { type: "integer", min: 1, value: "T", description: "threads per run (sets OMP_NUM_THREADS and the run's config)" },
    device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", description: "override the design's device for fresh runs" },
    "skip-failed": { type: "boolean", description: "leave runs that failed in an earlier invocation alone" },
    fixed: { type: "boolean", description: "run only the points designed so far; never add sizes or budgets" },
    emit: { type: "enum", choices: ["slurm"], value: "slurm", description: "write the Slurm array script instead of running" },
    partition: { type: "string", value: "P", group: "Slurm (--emit slurm)", description: "partition" },
    "gpus-per-run": { type: "integer", min: 1, value: "G", group: "Slurm (--emit slurm)", description: "GPUs per array task; G > 1 trains each point with G data-parallel ranks, one GPU each" },
    "cpus-per-run": { type: "integer", min: 1, value: "C", group: "Slurm (--emit slurm)", description: "CPUs per array task" },
    time: { type: "string", value: "HH:MM:SS", group: "Slurm (--emit slurm)", description: "time limit per task" },
    "max-concurrent": { type: "integer", min: 1, value: "K", group: "Slurm (--emit slurm)", description: "array tasks at once" },
    account: { type: "string", value: "A", group: "Slurm (--emit slurm)", description: "account to charge" },
    output: { type: "string", value: "PATTERN", group: "Slurm (--emit slurm)", description: "Slurm's log file pattern (default SWEEP/state/slurm-%A_%a.out)" },
    "slurm-preamble": { type: "path", exists: true, value: "FILE", group: "Slurm (--emit slurm)", description: "lines to run first (module load, exports; #SBATCH lines join the header)" },
    plmscale: { type: "string", value: "CMD", group: "Slurm (--emit slurm)", description: "how compute nodes invoke plmscale (default: this node and build, absolute paths)" },
    script: { type: "path", value: "FILE", group: "Slurm (--emit slurm)", description: "where to write the script (default SWEEP/sweep.sbatch)" },
  },
  examples: [
    "plmscale sweep run sweeps/demo --workers 1 --threads 2",
    "plmscale sweep run sweeps/demo --emit slurm --partition gpu --gpus-per-run 1 --time 02:00:00",
  ],
  positionals: true,
  engine: true,
  load: () => import("../commands/sweep-run.js"),
});

export const sweepRunOneCommand = defineCommand({
  name: "sweep run-one",
  summary: "run one point of a sweep (what each Slurm array task calls)",
  usage: ["SWEEP INDEX [--threads T] [--device cpu|cuda] [--nproc G]"],
  description: `Trains point INDEX (0-based, as in sweep.json and the Slurm array) with the same rules as 'sweep run':
skipped when finished, resumed from a checkpoint, retried once, failure recorded. Exits non-zero when the
run failed, so the array task shows as failed.`,
  options: {
    threads: { type: "integer", min: 1, value: "T", description: "threads for the run" },
    device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", description: "override the design's device" },
    nproc: { type: "integer", min: 1, value: "G", description: "train the point with G data-parallel ranks (one GPU each: cuda:LOCAL_RANK); --threads is per rank" },
  },
  examples: ["plmscale sweep run-one /shared/sweeps/demo 3 --threads 8 --device cuda", "plmscale sweep run-one /shared/sweeps/demo 3 --threads 4 --device cuda --nproc 4"],
  positionals: true,
  engine: true,
  load: () => import("../commands/sweep-run-one.js"),
});

export const sweepStatusCommand = defineCommand({
  name: "sweep status",
  summary: "show a sweep's runs: done, running, interrupted, failed (with the error), pending",
  usage: ["SWEEP [--json]"],
  description: `Reads the run directories (works during a local run or a Slurm array, from any machine sharing the
filesystem). The ETA assumes one run at a time and wall time proportional to FLOPs.`,
  options: {},
  examples: ["plmscale sweep status sweeps/demo"],
  positionals: true,
  load: () => import("../commands/sweep-status.js"),
});

export const sweepFitCommand = defineCommand({
  name: "sweep fit",
  summary: "fit scaling laws to a sweep's finished runs (IsoFLOP, parametric, envelope) with intervals",
  usage: ["SWEEP [--bootstrap N] [--holdout largest|C|none] [--out FILE]"],
  description: `Builds the runs table from SWEEP/runs/*/result.json (loss = final validation loss) and fits, per objective:
IsoFLOP parabolas per budget and power laws N_opt ∝ C^a, D_opt ∝ C^b, L_opt ∝ C^γ with bootstrap intervals;
the parametric law L(N,D) = E + A/N^α + B/D^β; the lower envelope of the loss curves (metrics.jsonl).
Warns when minima sit at grid edges, curves are too flat, runs are missing or intervals are wide.
Does the law extrapolate? With 3 or more bracketed budgets (or --holdout), the largest budget is held out: the
laws fitted on the others predict its N_opt, D_opt and L_opt with intervals, compared with what was measured.
Writes SWEEP/fit.json (read by 'plmscale report').`,
  options: {
    bootstrap: { type: "integer", min: 0, value: "N", default: 200, description: "resamples for the intervals (0 to skip)" },
    holdout: { type: "string", value: "largest|C|none", description: "budget to predict from the others (default: the largest, when ≥ 3 budgets are bracketed)" },
    out: { type: "path", value: "FILE", description: "where to write the fit (default SWEEP/fit.json)" },
  },
  examples: ["plmscale sweep fit sweeps/demo", "plmscale sweep fit sweeps/demo --holdout largest"],
  positionals: true,
  load: () => import("../commands/sweep-fit.js"),
});

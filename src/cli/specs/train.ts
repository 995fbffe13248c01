// Declarations of the commands that train or use a model; their run code (and libtorch) loads on demand.
import { defineCommand, type OptionDecls } from "../command.js";

/** Options shared by train and transfer (the model, budget and training settings of a train config). */
export const TRAIN_OPTIONS = {
  objective: { type: "enum", choices: ["mlm", "clm"], value: "mlm|clm", group: "Model and budget", description: "training objective (default mlm)" },
  params: { type: "size", min: 1, value: "N", group: "Model and budget", description: "target non-embedding size; the shape comes from shapeFor(N)" },
  shape: { type: "list", of: "integer", min: 1, value: "L,d,h[,ffn]", group: "Model and budget", description: "explicit shape (FFN 4d by default)" },
  tokens: { type: "size", min: 1, value: "D", group: "Model and budget", description: "budget in tokens, rounded to whole rows of the context\n(300k at context 1024 trains 293 rows = 300,032 tokens); the run stops exactly there" },
  flops: { type: "number", min: 0, minExclusive: true, value: "C", group: "Model and budget", description: "budget in FLOPs (D = C / 6N)" },
  context: { type: "integer", min: 3, max: 16384, value: "T", group: "Model and budget", description: "tokens per row (default by the batch rule: batch/16, ≤ 12·d, 64..1024)" },
  family: { type: "enum", choices: ["esm2", "llama"], value: "esm2|llama", group: "Model and budget", description: "model family: esm2 (ESM-2's block: LayerNorm, GELU, biases; default) or llama (RMSNorm, SwiGLU FFN 64·⌈8d/3/64⌉, no biases; docs/TRAINING.md)" },
  head: { type: "enum", choices: ["esm", "linear"], value: "esm|linear", group: "Model and budget", description: "LM head: ESM-2's (MLM default) or a tied linear one (GPT-NeoX's; CLM default, exports to transformers)" },
  // not checked for existence here: with --emit slurm the corpus lives on the cluster
  data: { type: "path", value: "CORPUS", group: "Model and budget", description: "a corpus directory or a FASTA file" },
  "batch-tokens": { type: "size", min: 1, value: "B", group: "Training", description: "tokens per optimizer step (default: ~500 steps over the budget, 256 .. 0.5M (1M at ≥1B); gradient accumulation reaches it)" },
  "micro-rows": { type: "integer", min: 0, value: "R", group: "Training", description: "rows per forward pass (default, or 0 = derive: 4096 tokens on CPU, 64k on CUDA)" },
  lr: { type: "number", min: 0, max: 1, value: "PEAK", group: "Training", description: "peak LR (default, or 0 = by size: 6e-4 small → 3e-4 at ≥1B)" },
  warmup: { type: "number", min: 0, max: 1, maxExclusive: true, value: "F", group: "Training", description: "warm-up fraction of the steps (default 0.01; 0 = no warm-up)" },
  "weight-decay": { type: "number", min: 0, value: "W", group: "Training", description: "AdamW weight decay (default 0.01, 0 = none; β1 0.9, β2 0.95, clip 1.0)" },
  device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", group: "Training", description: "cuda: bf16 autocast and fused attention" },
  precision: { type: "enum", choices: ["fp32", "bf16-autocast", "bf16-params"], value: "fp32|bf16-autocast|bf16-params", group: "Training", description: "bf16-params: bf16 parameters and gradients, fp32 master weights and AdamW moments\n(also on the cpu); bf16-autocast: cuda only (default: bf16-autocast on cuda, fp32 on cpu)" },
  threads: { type: "integer", min: 1, value: "N", group: "Training", description: "CPU threads (default: from the CPUs this process may use, the machine's load and the model's size;\nPLMSCALE_THREADS / OMP_NUM_THREADS when set)" },
  seed: { type: "integer", min: 0, value: "S", group: "Training", description: "seed for init, data order and masking" },
  "eval-every": { type: "integer", min: 0, value: "K", group: "Training", description: "validation every K steps and at the end (default 100; 0 = only at the end)" },
  "eval-tokens": { type: "size", min: 1, value: "E", group: "Training", description: "validation tokens (default 65536)" },
  "checkpoint-every": { type: "integer", min: 0, value: "K", group: "Training", description: "checkpoint every K steps and at the end (default 200; 0 = only at the end)" },
  keep: { type: "integer", min: 1, value: "K", group: "Training", description: "keep the last K checkpoints (default 2)" },
  config: { type: "path", exists: true, value: "FILE", group: "Training", description: "a train config JSON (docs/CONTRACTS.md); flags override it" },
  quiet: { type: "boolean", group: "Training", description: "no progress output" },
} satisfies OptionDecls;

/** Data-parallel training (src/train/ddp.ts, launch.ts, dist-env.ts). */
export const DIST_OPTIONS = {
  nproc: { type: "integer", min: 1, value: "N", group: "Distributed", description: "start N local ranks (data parallel over Gloo) and supervise them (default: the config's parallel.ranks, else 1)" },
  shard: { type: "enum", choices: ["none", "optimizer", "full"], value: "none|optimizer|full", group: "Distributed", description: "optimizer: ZeRO-1, each rank keeps AdamW state for 1/N of the parameters;\nfull: ZeRO-3, parameters, gradients and AdamW state 1/N per rank, each block gathered\nwhen used (implies activation checkpointing: ~1/3 more compute) (default: the config's parallel.shard, else none)" },
  "checkpoint-format": { type: "enum", choices: ["consolidated", "sharded"], value: "consolidated|sharded", group: "Distributed", description: "consolidated: rank 0 writes one process's files (default); sharded: each rank writes its optimizer slice plus an index (not with --shard full). Either resumes with any --nproc and --shard" },
  "checkpoint-activations": { type: "boolean", group: "Distributed", description: "recompute each block in backward from its saved input: less activation memory, ~1/3 more compute" },
  "dist-timeout": { type: "number", min: 0, minExclusive: true, value: "SECONDS", group: "Distributed", description: "deadline of the rendezvous and of each collective (default 300)" },
  emit: { type: "enum", choices: ["slurm"], value: "slurm", group: "Distributed", description: "print an sbatch script for this run instead of training" },
  nodes: { type: "integer", min: 1, value: "M", group: "Distributed", description: "--emit slurm: nodes (default: the config's parallel.ranks / GPUs per node)" },
  "gpus-per-node": { type: "integer", min: 1, value: "G", group: "Distributed", description: "--emit slurm: GPUs (= ranks) per node (default: parallel.ranks, at most 8)" },
  partition: { type: "string", value: "P", group: "Distributed", description: "--emit slurm: partition" },
  time: { type: "string", value: "HH:MM:SS", group: "Distributed", description: "--emit slurm: wall-clock limit" },
  account: { type: "string", value: "A", group: "Distributed", description: "--emit slurm: account to charge" },
  output: { type: "string", value: "PATTERN", group: "Distributed", description: "--emit slurm: Slurm's log file pattern (e.g. logs/%x-%j.out)" },
  "slurm-preamble": { type: "string", value: "FILE", group: "Distributed", description: "--emit slurm: lines to run first (module load, exports; #SBATCH lines join the header)" },
  "cpus-per-node": { type: "string", value: "C", group: "Distributed", description: "--emit slurm: CPUs of a node, split over its GPUs' tasks (default: the whole node, split at run time)" },
  plmscale: { type: "string", value: "CMD", group: "Distributed", description: "--emit slurm: how compute nodes invoke plmscale (default: this node's node and launcher, absolute paths)" },
} satisfies OptionDecls;

export const trainCommand = defineCommand({
  name: "train",
  summary: "train an MLM or CLM to a token/FLOP budget, or resume a run",
  usage: [
    "--data CORPUS --out RUN [--objective mlm|clm] (--params N | --shape L,d,h) (--tokens D | --flops C) [options]",
    "--resume RUN",
  ],
  description: `Trains with AdamW, linear warm-up then cosine decay to 10% of the peak over the run's own budget, and writes
RUN/config.json, RUN/metrics.jsonl, RUN/checkpoints/ and, last, RUN/result.json (final validation loss in
nats/token, N, D, C). --data is a corpus directory from 'plmscale data prepare' or a FASTA file (.fasta[.gz]).
A killed run continues with --resume (same data stream and schedule, from the newest good checkpoint).
With --json result.json is printed on stdout.
Data parallel: --nproc N starts N local ranks; under torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
MASTER_PORT) or srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID) each process is one rank. Rank r takes rows
r, r+N, … of every global step, so N ranks train on the same stream as one process; only rank 0 writes RUN.
A rank that dies stops the others within 10 s; --resume works with any number of ranks and shard mode, from
consolidated or sharded checkpoints. A config's "parallel" section (what plan emits for K GPUs) sets the
ranks, shard mode, activation checkpointing and checkpoint format; these flags override it.`,
  options: {
    ...TRAIN_OPTIONS,
    out: { type: "path", value: "RUN", description: "the run directory to create (required unless --resume)" },
    resume: { type: "path", value: "RUN", description: "continue RUN (other options are ignored; the run's config.json rules)" },
    ...DIST_OPTIONS,
  },
  examples: [
    "plmscale train --objective clm --shape 4,128,8 --tokens 2M --context 256 --data corpus/ --out runs/clm-tiny --json",
    "plmscale train --nproc 2 --threads 1 --shape 4,128,8 --tokens 2M --context 256 --data corpus/ --out runs/ddp",
    "plmscale train --emit slurm --nodes 8 --gpus-per-node 8 --device cuda --params 3e9 --tokens 60B --data corpus/ --out runs/big > big.sbatch",
  ],
  engine: true,
  load: () => import("../commands/train.js"),
});

export const transferCommand = defineCommand({
  name: "transfer",
  summary: "initialise an MLM from a CLM checkpoint (or the reverse) and train it",
  usage: ["--from SOURCE_RUN --objective mlm|clm (--tokens D | --flops C) --out RUN [--data CORPUS] [options]"],
  description: `Copies every weight of the source run's newest good checkpoint one to one into a model of the same shape
(the causal mask is a property of the objective, not a weight), then trains with a fresh AdamW state and a
fresh schedule with 5% warm-up over the new budget. The run records the source checkpoint, its tokens and
FLOPs under "init" in config.json and result.json, so the scaling module can compute transferred tokens.
Shape, context and data default to the source run's; flags override them (the shape must match).`,
  options: {
    ...TRAIN_OPTIONS,
    from: { type: "path", exists: true, value: "SOURCE_RUN", required: true, description: "the source run directory (or one of its checkpoint directories)" },
    out: { type: "path", value: "RUN", required: true, description: "the run directory to create" },
  },
  examples: ["plmscale transfer --from runs/clm-85M --objective mlm --tokens 10B --out runs/mlm-from-clm --json"],
  engine: true,
  load: () => import("../commands/transfer.js"),
});

export const scoreCommand = defineCommand({
  name: "score",
  summary: "score sequences (log-likelihood / pseudo-log-likelihood) or variants (masked marginals) with a run",
  usage: ["--run RUN --fasta FILE [--truncate | --window] [--json]", "--run RUN --wt SEQUENCE --variant A23G [--variant A23G:K40R …] [--json]"],
  description: `With --fasta: a CLM run gives each sequence's log-likelihood Σ log p(x_t | x_<t) (residues and <eos>), an MLM
run its pseudo-log-likelihood (each residue masked in turn). With --wt and --variant: masked-marginal scores
log p(mut) − log p(wt) at each mutated site (summed over a multi-mutant's sites). Natural logs; perplexity = exp(−mean).
A sequence longer than the context (<cls> residues <eos> > context tokens) is skipped and named on stderr and in
--json "skipped" (every other one is scored), unless --truncate (ESM's rule: the first context − 2 residues, 1022 for a
1024-token model; a CLM keeps context − 1 residues and scores no <eos>) or --window (MLM: ProteinGym's optimal
window around each masked residue, as eval dms; CLM: windows of context tokens advanced by context/2).`,
  options: {
    run: { type: "path", exists: true, value: "RUN", required: true, description: "a run directory (newest good checkpoint) or a checkpoint directory" },
    fasta: { type: "path", exists: true, value: "FILE", description: "sequences to score" },
    wt: { type: "string", value: "SEQUENCE", description: "the wild-type sequence for --variant" },
    variant: { type: "string", value: "A23G[:K40R…]", multiple: true, description: "a single or multiple mutant (1-based positions)" },
    truncate: { type: "boolean", description: "score the first context − 2 residues of a longer sequence (CLM: context − 1, no <eos>)" },
    window: { type: "boolean", description: "score a longer sequence whole through sliding windows (ProteinGym's rule for MLM)" },
    device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", description: "default: the run's device when available, else cpu" },
  },
  examples: ["plmscale score --run runs/clm-8M --fasta designs.fasta --json"],
  engine: true,
  load: () => import("../commands/score.js"),
});

export const embedCommand = defineCommand({
  name: "embed",
  summary: "embeddings (mean-pooled, optionally per residue) of FASTA sequences from a run",
  usage: ["--run RUN --fasta FILE [--out FILE.jsonl] [--per-residue] [--truncate] [--json]"],
  description: `Final hidden states after the final LayerNorm; the mean is over residues (<cls>/<eos> excluded). Writes one
JSON line per sequence {"id", "length", "mean": [D], "perResidue"?: [[D] × L]}. A sequence longer than the context is
skipped and named on stderr (--json: "skipped"), unless --truncate (ESM's rule: the first context − 2 residues, 1022 for
a 1024-token model; its line then has "residuesEmbedded").`,
  options: {
    run: { type: "path", exists: true, value: "RUN", required: true, description: "a run directory or a checkpoint directory" },
    fasta: { type: "path", exists: true, value: "FILE", required: true, description: "sequences to embed" },
    out: { type: "path", value: "FILE.jsonl", description: "where the JSON lines go (default stdout)" },
    "per-residue": { type: "boolean", description: "also write every residue's hidden state" },
    truncate: { type: "boolean", description: "embed the first context − 2 residues of a longer sequence" },
    device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", description: "default: the run's device when available, else cpu" },
  },
  examples: ["plmscale embed --run runs/mlm-8M --fasta proteins.fasta --out emb.jsonl"],
  engine: true,
  load: () => import("../commands/embed.js"),
});

export const generateCommand = defineCommand({
  name: "generate",
  summary: "sample sequences from a CLM run (temperature, top-p)",
  usage: ["--run RUN [-n N] [--temperature T] [--top-p P] [--max-length L] [--prompt RESIDUES] [--seed S] [--json]"],
  description: "Samples N sequences (FASTA on stdout) starting from <cls> (+ the prompt) until <eos> or --max-length residues.",
  options: {
    run: { type: "path", exists: true, value: "RUN", required: true, description: "a run directory or a checkpoint directory" },
    n: { type: "integer", min: 1, value: "N", short: "n", default: 4, description: "number of samples" },
    temperature: { type: "number", min: 0, minExclusive: true, value: "T", default: 1, description: "softmax temperature" },
    "top-p": { type: "number", min: 0, max: 1, minExclusive: true, value: "P", default: 1, description: "nucleus sampling mass (1 = off)" },
    "max-length": { type: "integer", min: 1, value: "L", default: 256, description: "residues at most (capped at the context − 2, with a warning)" },
    prompt: { type: "string", value: "RESIDUES", description: "residues every sample starts with" },
    seed: { type: "integer", min: 0, value: "S", default: 0, description: "sampling seed" },
    device: { type: "enum", choices: ["cpu", "cuda"], value: "cpu|cuda", description: "default: the run's device when available, else cpu" },
  },
  examples: ["plmscale generate --run runs/clm-8M -n 10 --temperature 0.8 --top-p 0.95"],
  engine: true,
  load: () => import("../commands/generate.js"),
});

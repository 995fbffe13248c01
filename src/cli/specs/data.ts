// Declarations of the data commands (name, summary, options, examples); the run code loads on demand.
import { defineCommand, defineOptions } from "../command.js";

export const PREPARE_OPTIONS = defineOptions({
  preset: { type: "string", value: "swissprot[:W]", group: "Sources", description: "UniProtKB/Swiss-Prot from Debian's metastudent-data via blastdbcmd (516k proteins);\nGO annotations are kept in DIR/annotations/go.tsv" },
  source: { type: "string", value: "NAME=PATHS[:W]", multiple: true, group: "Sources", description: "a named source with sampling weight W (default 1)" },
  out: { type: "path", value: "DIR", required: true, description: "corpus directory" },
  "max-records": { type: "integer", min: 1, value: "N", description: "read at most N records per source (fast sample corpora)" },
  "min-length": { type: "integer", min: 1, value: "N", description: "drop records shorter than N residues (default 1)" },
  "max-length": { type: "integer", min: 1, value: "N", description: "drop records longer than N residues (default: keep; the sampler crops)" },
  "on-bad": { type: "enum", choices: ["skip", "fail"], value: "skip|fail", default: "skip", description: "invalid records: count and skip, or stop with file:line" },
  valid: { type: "number", min: 0, max: 1, maxExclusive: true, value: "F", description: "fraction of clusters for validation (default 0.01; 0 = no validation split)" },
  test: { type: "number", min: 0, max: 1, maxExclusive: true, value: "F", description: "fraction of clusters for test (default 0.01; 0 = no test split)" },
  seed: { type: "integer", min: 0, value: "N", description: "split seed (default 0)" },
  cluster: { type: "enum", choices: ["auto", "mmseqs", "none"], value: "auto|mmseqs|none", default: "auto", description: "auto uses mmseqs when installed; none = exact-duplicate separation only" },
  identity: { type: "number", min: 0, max: 1, value: "F", description: "MMseqs2 minimum sequence identity (default 0.5; 0 = no identity threshold)" },
  coverage: { type: "number", min: 0, max: 1, value: "F", description: "MMseqs2 coverage, its -c (default 0.8; 0 = no coverage threshold)" },
  threads: { type: "integer", min: 1, value: "N", description: "mmseqs threads (default: all cores)" },
  clusters: { type: "path", exists: true, value: "FILE", description: "precomputed clusters: representative TAB member per line (mmseqs createtsv, UniRef\nmembership); sequences not listed are each their own cluster (counted in the manifest)" },
  memory: { type: "integer", min: 1, value: "MB", description: "memory budget for what grows with the input: dedup table, external sorts (default 512)" },
  "dedup-memory": { type: "integer", min: 1, value: "MB", description: "older name of --memory" },
  workers: { type: "integer", min: 0, value: "N", description: "worker threads parsing plain FASTA files (default: one per core; 0 = main thread only)" },
  "no-resume": { type: "boolean", description: "rebuild from scratch instead of resuming DIR.partial after its last finished pass" },
  "disk-dedup": { type: "boolean", description: "use the disk (sorted runs) dedup path from the start" },
  "hash-inputs": { type: "boolean", description: "record the sha256 of every input in the manifest (slower ingest)" },
  force: { type: "boolean", description: "replace an existing corpus at --out" },
  quiet: { type: "boolean", description: "no progress output" },
});

export const dataPrepareCommand = defineCommand({
  name: "data prepare",
  summary: "build a corpus (token shards, cluster-aware splits, manifest) from FASTA sources or the Swiss-Prot preset",
  usage: ["(--preset swissprot[:W] | --source NAME=PATH[,PATH…][:W] …) --out DIR [options]"],
  description: `Streams every source (plain or gzip FASTA, any size, constant memory), validates records against the protein
alphabet, removes exact duplicates across all sources, clusters the distinct sequences with MMseqs2
(easy-linclust) and assigns whole clusters to train/valid/test, then writes uint8 token shards, offset indexes
and manifest.json (written last; an interrupted build leaves only DIR.partial, and rerunning the same command resumes
after its last finished pass; a failed one is removed). --clusters FILE replaces clustering by a precomputed one.
With --json the manifest is printed on stdout.`,
  options: PREPARE_OPTIONS,
  examples: [
    "plmscale data prepare --preset swissprot --out corpora/swissprot",
    "plmscale data prepare --preset swissprot:0.7 --source mgnify=mgnify.faa.gz:0.3 --out corpora/mix --max-records 20000",
  ],
  load: () => import("../commands/data-prepare.js"),
});

export const STATS_OPTIONS = defineOptions({ split: { type: "enum", choices: ["train", "valid", "test"], value: "train|valid|test", default: "train", description: "the split to describe" } });

export const dataStatsCommand = defineCommand({
  name: "data stats",
  summary: "counts, length histogram, composition and unigram entropy of a prepared corpus",
  usage: ["DIR [--split train|valid|test] [--json]"],
  description: `Prints per-source counts (read, kept, duplicates, filtered, invalid; sequences and tokens per split), cluster
counts, and for one split the length histogram, residue composition and unigram entropy in nats — the loss of a
model that only knows residue frequencies (≈ 2.89 nats on Swiss-Prot), a floor every model must beat.`,
  options: STATS_OPTIONS,
  examples: ["plmscale data stats corpora/swissprot --split valid"],
  positionals: true,
  load: () => import("../commands/data-stats.js"),
});

export const dataFetchCommand = defineCommand({
  name: "data fetch",
  summary: "download a remote corpus file with resume (HTTP Range), retries and a sha256 check",
  usage: ["URL --out FILE [--sha256 HEX] [--retries N] [--quiet] [--json]"],
  description: `Downloads to FILE.part and renames to FILE only when complete (and matching --sha256 when given). A dropped
connection is retried with back-off, continuing from the bytes already on disk (HTTP Range); rerunning the
command after an interruption also resumes.`,
  options: {
    out: { type: "path", value: "FILE", required: true, description: "where the file goes" },
    sha256: { type: "string", value: "HEX", description: "expected sha256 (64 hex digits); a mismatch removes the download" },
    retries: { type: "integer", min: 0, value: "N", description: "attempts after a dropped connection (0 = give up at the first)" },
    quiet: { type: "boolean", description: "no progress output" },
  },
  examples: ["plmscale data fetch https://ftp.uniprot.org/pub/databases/uniprot/uniref/uniref50/uniref50.fasta.gz --out data/uniref50.fasta.gz"],
  positionals: true,
  load: () => import("../commands/data-fetch.js"),
});

// Task `perplexity`: token-weighted perplexity exp(Σ NLL / Σ tokens) on the run's corpus test split (or any
// FASTA), overall, per source, and by identity to the training set as the paper's OOD test sets: each sequence's
// highest MMseqs2 identity to a training sequence (easy-search, alignment covering ≥ 80% of the query) puts it
// in a bin (default < 0.5, 0.5–0.9, ≥ 0.9). CLM: next-token perplexity. MLM: masked-token perplexity at the
// run's mask rate with a fixed seed per sequence; with pseudoPerplexity also exp of the mean pseudo-NLL.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { mix32 } from "../core/hash.js";
import { maxIdentity, mmseqsAvailable } from "../data/mmseqs-search.js";
import { ItemStore, writeAtomic } from "./items.js";
import { clmNll, mlmMaskedNll, mlmPseudoNll, type Nll } from "./likelihood.js";
import { evaluationSet, lettersOf, spread, trainingSet } from "./sequence-sets.js";
import type { EvalContext, EvalTask } from "./tasks.js";

interface SeqResult {
  source: string;
  length: number;
  nll: number;
  tokens: number;
  pseudoNll?: number;
  pseudoTokens?: number;
}

export interface PerplexityGroup {
  sequences: number;
  tokens: number;
  perplexity: number;
  pseudoPerplexity?: number;
}

/** Bin labels for ascending edges in (0, 1): [0.5, 0.9] → "<0.5", "0.5–0.9", "≥0.9". */
export function binLabels(edges: number[]): string[] {
  return [`<${edges[0]}`, ...edges.slice(1).map((e, i) => `${edges[i]}–${e}`), `≥${edges[edges.length - 1]}`];
}

export function binOf(identity: number, edges: number[]): number {
  let b = 0;
  while (b < edges.length && identity >= edges[b]!) b++;
  return b;
}

function group(rs: SeqResult[]): PerplexityGroup {
  const nll = rs.reduce((a, r) => a + r.nll, 0), tokens = rs.reduce((a, r) => a + r.tokens, 0);
  const g: PerplexityGroup = { sequences: rs.length, tokens, perplexity: tokens ? Math.exp(nll / tokens) : NaN };
  if (rs.length && rs.every((r) => r.pseudoTokens !== undefined)) {
    const pn = rs.reduce((a, r) => a + r.pseudoNll!, 0), pt = rs.reduce((a, r) => a + r.pseudoTokens!, 0);
    g.pseudoPerplexity = pt ? Math.exp(pn / pt) : NaN;
  }
  return g;
}

export const perplexityTask: EvalTask = {
  name: "perplexity",
  summary: "perplexity on the test split or a FASTA, by identity bin to the training set and per source",
  objectives: ["mlm", "clm"],
  async run(ctx: EvalContext) {
    const { model, config, options: o } = ctx;
    const edges = o.identityBins ?? [0.5, 0.9];
    if (!edges.length || edges.some((e, i) => !(e > 0 && e < 1) || (i > 0 && e <= edges[i - 1]!))) {
      throw new UserError(`--identity-bins: ${edges.join(",")} must be ascending numbers strictly between 0 and 1`, 2);
    }
    const { seqs: all, describe } = await evaluationSet(config.data.corpus, o.fasta, ctx.signal);
    const seqs = spread(all, o.maxSequences ?? 1000);
    const pseudo = !model.causal && o.pseudoPerplexity === true;
    const seed = o.seed ?? 0;
    const dir = join(ctx.out, "perplexity");
    const store = new ItemStore<SeqResult>(join(dir, "sequences.jsonl"), {
      checkpoint: ctx.checkpoint, set: describe, maskProb: model.causal ? null : config.data.maskProb, seed, pseudo,
    });

    // score in chunks; each finished sequence is appended, so an interruption loses at most one chunk
    const todo = seqs.filter((s) => !store.has(s.id));
    const chunk = 32;
    let interrupted = false;
    for (let i = 0; i < todo.length; i += chunk) {
      if (ctx.signal.aborted) {
        interrupted = true;
        break;
      }
      const part = todo.slice(i, i + chunk);
      const res: Nll[] = model.causal
        ? clmNll(model, part.map((s) => s.residues))
        : mlmMaskedNll(model, part.map((s) => s.residues), config.data.maskProb, part.map((s) => mix32(hashId(s.id), seed)));
      part.forEach((s, k) => {
        const r: SeqResult = { source: s.source, length: s.residues.length, ...res[k]! };
        if (pseudo) {
          const p = mlmPseudoNll(model, s.residues);
          r.pseudoNll = p.nll;
          r.pseudoTokens = p.tokens;
        }
        store.put(s.id, r);
      });
      ctx.progress("perplexity", seqs.length - todo.length + Math.min(i + chunk, todo.length), seqs.length);
    }
    if (interrupted) return { interrupted: true, done: store.size, total: seqs.length };

    const results = seqs.map((s) => store.get(s.id)!);
    const bySource: Record<string, PerplexityGroup> = {};
    for (const src of [...new Set(results.map((r) => r.source))]) bySource[src] = group(results.filter((r) => r.source === src));

    // identity to the training set (one MMseqs2 search, cached beside the per-sequence results)
    let identity: Record<string, unknown> = { note: "MMseqs2 not found: no identity bins (install Debian's mmseqs2)" };
    if (mmseqsAvailable()) {
      const cache = join(dir, "identity.json");
      // the cache names the set it was computed for: ids like "s0" repeat across FASTA files
      const cached = existsSync(cache) ? (JSON.parse(readFileSync(cache, "utf8")) as { set: string; identity: Record<string, number> }) : null;
      let ids: Record<string, number> | null = cached?.set === describe ? cached.identity : null;
      if (!ids || seqs.some((s) => ids![s.id] === undefined)) {
        const train = await trainingSet(config.data.corpus, ctx.signal);
        if (!train) ids = null;
        else {
          ctx.log(`perplexity: MMseqs2 search of ${seqs.length} sequences against ${train.describe} (${train.seqs.length})`);
          const m = await maxIdentity(
            seqs.map((s) => ({ id: s.id, seq: lettersOf(s.residues) })),
            train.seqs.map((s) => ({ id: s.id, seq: lettersOf(s.residues) })),
            join(dir, "mmseqs-work"), { signal: ctx.signal, threads: Math.max(1, config.threads || 2) },
          );
          ids = Object.fromEntries(m);
          writeAtomic(cache, JSON.stringify({ set: describe, identity: ids }));
        }
      }
      if (ids) {
        const labels = binLabels(edges);
        const bins: Record<string, PerplexityGroup> = {};
        const perSourceBins: Record<string, Record<string, PerplexityGroup>> = {};
        labels.forEach((label, b) => {
          const inBin = seqs.filter((s) => binOf(ids![s.id]!, edges) === b);
          bins[label] = group(inBin.map((s) => store.get(s.id)!));
          for (const src of Object.keys(bySource)) {
            (perSourceBins[src] ??= {})[label] = group(inBin.filter((s) => s.source === src).map((s) => store.get(s.id)!));
          }
        });
        identity = {
          method: "MMseqs2 easy-search, highest fident over alignments covering ≥ 80% of the query; no hit = 0",
          bins, perSource: Object.keys(bySource).length > 1 ? perSourceBins : undefined,
        };
      } else {
        identity = { note: `no training set found at '${config.data.corpus}': no identity bins` };
      }
    }
    return {
      set: describe,
      objective: config.objective,
      kind: model.causal ? "next-token perplexity" : `masked-token perplexity (mask rate ${config.data.maskProb}, 80/10/10, seed ${seed})`,
      ...group(results),
      bySource,
      identity,
    };
  },
};

/** A 32-bit hash of an id string (FNV-1a), for per-sequence mask seeds. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

// The options score and embed share for sequences longer than the model's context (src/eval/long-sequences.ts).
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { flag, type ParsedArgs } from "../command.js";
import { UserError } from "../../core/errors.js";
import type { LongPolicy } from "../../eval/long-sequences.js";

export interface SkippedSequence { id: string; line: number; length: number }

/** --truncate / --window / neither (skip and name); shared with embed (which has no window). */
export function longPolicy(args: ParsedArgs, windowAllowed: boolean): LongPolicy {
  const truncate = flag(args, "truncate"), window = windowAllowed && flag(args, "window");
  if (truncate && window) throw new UserError("give at most one of --truncate and --window", 2);
  return truncate ? "truncate" : window ? "window" : "skip";
}

/** One stderr line per sequence left out, naming it (the output is never silently short). */
export function skippedLine(file: string, s: SkippedSequence, context: number, window: boolean): string {
  return `skipped ${file}: line ${s.line}: record '${s.id}': ${s.length} residues exceed the context (${context - 2}); use --truncate${window ? " or --window" : ""} to include it`;
}


/**
 * plmscale folds lower-case residues to upper case (the FASTA reader does); transformers' EsmTokenizer (and
 * fair-esm's alphabet) map them to <unk>, so the same FASTA would score differently with an exported model.
 * Read from the file itself (the records are already folded); said once per command.
 */
export function lowerCaseNote(fasta: string): string | null {
  let text: string;
  try {
    const raw = readFileSync(fasta);
    text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("latin1");
  } catch {
    return null;
  }
  let n = 0, inRecord = false, counted = false;
  for (const line of text.split("\n")) {
    if (line.startsWith(">")) { inRecord = true; counted = false; continue; }
    if (inRecord && !counted && /[a-z]/.test(line)) { n++; counted = true; }
  }
  return n ? `note: ${n} record(s) have lower-case residues, folded to upper case here; transformers' EsmTokenizer and fair-esm map lower case to <unk> — upper-case the sequences before using an exported model there` : null;
}

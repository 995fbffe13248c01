// The options score and embed share for sequences longer than the model's context (src/eval/long-sequences.ts).
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


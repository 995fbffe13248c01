// What `study transfer` and `study repetition` read alike: the prepared corpus (checked before any run starts)
// and the options every study phase passes to the sweep executor.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { flag, optNum, str, type CommandIO, type ParsedArgs } from "../command.js";
import { UserError } from "../../core/errors.js";
import { corpusTrainTokens } from "../../sweep/centre.js";
import { deviceOpt } from "./sweep-run.js";
import { familyOpt } from "./family-opt.js";

/** --data as a prepared corpus: a study trains many runs on it, so a wrong path is refused before the first starts. */
export function studyCorpus(args: ParsedArgs): string {
  const corpus = resolve(str(args, "data"));
  if (!existsSync(join(corpus, "manifest.json"))) {
    throw new UserError(`--data ${corpus} is not a prepared corpus (no manifest.json); build one with 'plmscale data prepare'`, 2);
  }
  return corpus;
}

/** The options shared by both studies (quick sizes where the flag is absent). */
export function studyCommon(args: ParsedArgs, io: CommandIO, corpus: string, out: string) {
  const quick = flag(args, "quick");
  return {
    out, corpus, uniqueTrainTokens: corpusTrainTokens(corpus), threads: optNum(args, "threads") ?? 1, workers: optNum(args, "workers") ?? 2,
    evalTokens: optNum(args, "eval-tokens") ?? (quick ? 8192 : 16384), signal: io.signal, log: io.err, device: deviceOpt(args), family: familyOpt(args),
  };
}

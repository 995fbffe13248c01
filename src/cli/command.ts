// A CLI command is a typed definition with a testable `run`: it parses nothing itself, returns a result
// object (printed as JSON with --json, or through `human` otherwise) and throws UserError (src/core/errors.ts) for expected failures.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../core/errors.js";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;


export interface CommandIO {
  /** human-readable line output (stdout) */
  out(line: string): void;
  /** diagnostics and progress (stderr) */
  err(line: string): void;
  /** true when --json was given: commands must not print human text to stdout */
  json: boolean;
  /** an AbortSignal raised on Ctrl-C, so long work can stop cleanly */
  signal: AbortSignal;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface Command<R = unknown> {
  /** space-separated path, e.g. "data prepare" */
  name: string;
  summary: string;
  /** full help text shown by --help (usage lines, options, an example) */
  help: string;
  options: OptionSpec;
  /** allow positional arguments (default false) */
  positionals?: boolean;
  run(args: ParsedArgs, io: CommandIO): Promise<R>;
  /** human rendering of the result; when absent the result is printed as indented JSON */
  human?(result: R, io: CommandIO): void;
}

export function defineCommand<R>(c: Command<R>): Command<R> {
  return c;
}

/** Parse argv for one command; unknown options become a UserError with a hint. */
export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...cmd.options, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      allowPositionals: cmd.positionals ?? false,
      strict: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (e) {
    throw new UserError(`${(e as Error).message}\nRun 'plmscale ${cmd.name} --help' for usage.`, 2);
  }
}

// Typed accessors that turn a missing or malformed option into a UserError naming the flag.
export function str(args: ParsedArgs, name: string, fallback?: string): string {
  const v = args.values[name];
  if (v === undefined || v === false) {
    if (fallback !== undefined) return fallback;
    throw new UserError(`missing required option --${name}`, 2);
  }
  if (Array.isArray(v)) return String(v[v.length - 1]);
  return String(v);
}

export function optStr(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (v === undefined || v === false) return undefined;
  return Array.isArray(v) ? String(v[v.length - 1]) : String(v);
}

export function strList(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Numbers accept scientific notation (1e13) and the suffixes k, M, G/B, T. */
export function parseNumber(text: string, flag: string): number {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*([kKMGBT]?)\s*$/.exec(text);
  const scale: Record<string, number> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, B: 1e9, T: 1e12 };
  if (!m) throw new UserError(`--${flag}: '${text}' is not a number`, 2);
  const v = Number(m[1]) * scale[m[2]!]!;
  if (!Number.isFinite(v)) throw new UserError(`--${flag}: '${text}' is not finite`, 2);
  return v;
}

export function num(args: ParsedArgs, name: string, fallback?: number): number {
  const v = optStr(args, name);
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UserError(`missing required option --${name}`, 2);
  }
  return parseNumber(v, name);
}

export function optNum(args: ParsedArgs, name: string): number | undefined {
  const v = optStr(args, name);
  return v === undefined ? undefined : parseNumber(v, name);
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

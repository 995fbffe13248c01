// A CLI command is a declaration (name, summary, options: src/cli/specs/) plus code loaded on demand
// (src/cli/commands/) with a testable `run`: it parses nothing itself, returns a result object (printed as JSON
// with --json, or through `human` otherwise) and throws UserError (src/core/errors.ts) for expected failures.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { UserError } from "../core/errors.js";

export { parseNumber, optionValues, defineOptions, type OptionDecl, type OptionDecls, type OptionKind, type OptionValues } from "./options.js";
import { parseNumber, typedValues, type OptionDecl, type OptionDecls } from "./options.js";

/** Options every command takes; main.ts handles them. */
export const COMMON_OPTIONS: OptionDecls = {
  json: { type: "boolean", description: "machine-readable output on stdout" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

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
  /** the typed values of the declared options (parseCommandArgs fills it; read it with optionValues) */
  typed?: Record<string, unknown>;
}

/** What the registry knows about a command without loading its code: enough for --help and parsing. */
export interface CommandSpec {
  /** space-separated path, e.g. "data prepare" */
  name: string;
  summary: string;
  /** what follows "plmscale NAME" in each usage line */
  usage: string[];
  /** prose between the usage lines and the options (no option lists: those are generated) */
  description?: string;
  options: OptionDecls;
  examples: string[];
  /** allow positional arguments (default false) */
  positionals?: boolean;
  /** runs libtorch (itself or in child runs): the launcher preloads tcmalloc for it */
  engine?: boolean;
}

/** A command's code: loaded only when the command runs, so `plan` or `--help` never import the engine. */
export interface CommandRun<R = unknown> {
  run(args: ParsedArgs, io: CommandIO): Promise<R>;
  /** human rendering of the result; when absent the result is printed as indented JSON */
  human?(result: R, io: CommandIO): void;
}

export interface Command<R = unknown, O extends OptionDecls = OptionDecls> extends CommandSpec {
  options: O;
  load(): Promise<{ default: CommandRun<R> }>;
}

/** --threads, which every compute command (`engine: true`) takes; main.ts applies it (PLMSCALE_THREADS). */
export const THREADS_OPTION: OptionDecl = {
  type: "integer",
  min: 1,
  value: "N",
  description: "CPU threads (default: from the CPUs this process may use, the machine's load and the model's size; PLMSCALE_THREADS / OMP_NUM_THREADS when set)",
};

/** `const` keeps the declaration's literal types (choices, required), so optionValues can type each value. */
export function defineCommand<R, const O extends OptionDecls = OptionDecls>(c: Command<R, O>): Command<R, O> {
  return c.engine && !c.options.threads ? ({ ...c, options: { ...c.options, threads: THREADS_OPTION } } as Command<R, O>) : c;
}

export function defineRun<R>(r: CommandRun<R>): CommandRun<R> {
  return r;
}

/** Parse, load and run a command in this process (main.ts and tests); returns the result and the code that made it. */
export async function invokeCommand<R>(cmd: Command<R>, argv: string[], io: CommandIO): Promise<{ result: R; code: CommandRun<R> }> {
  const args = parseCommandArgs(cmd, argv);
  const code = (await cmd.load()).default;
  return { result: await code.run(args, io), code };
}

/** Parse argv for one command: unknown options, then missing required ones, become a usage UserError; defaults are filled in. */
export function parseCommandArgs(cmd: Pick<CommandSpec, "name" | "options" | "positionals">, argv: string[]): ParsedArgs {
  const decls = { ...cmd.options, ...COMMON_OPTIONS };
  let parsed: ParsedArgs;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(decls).map(([k, d]) => [k, { type: d.type === "boolean" ? "boolean" : "string", ...(d.multiple ? { multiple: true } : {}), ...(d.short ? { short: d.short } : {}) }])),
      allowPositionals: cmd.positionals ?? false,
      strict: true,
    });
    parsed = { values: values as ParsedArgs["values"], positionals };
  } catch (e) {
    throw new UserError(`${(e as Error).message}\nRun 'plmscale ${cmd.name} --help' for usage.`, 2);
  }
  if (parsed.values.help) return parsed;
  for (const [k, d] of Object.entries(cmd.options)) {
    if (parsed.values[k] === undefined && d.default !== undefined) parsed.values[k] = String(d.default);
  }
  // a bad value is named before a missing option: every check of the declaration runs before any work
  parsed.typed = typedValues(cmd.options, parsed.values);
  for (const [k, d] of Object.entries(cmd.options)) {
    if (parsed.values[k] === undefined && d.required) throw new UserError(`missing required option --${k}${d.value ? ` ${d.value}` : ""}\nRun 'plmscale ${cmd.name} --help' for usage.`, 2);
  }
  return parsed;
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

/** A path option that must exist (--run, --fasta, --data): a missing file or directory is a usage error naming the flag. */
export function existingPath(args: ParsedArgs, name: string): string {
  const path = str(args, name);
  if (!existsSync(path)) throw new UserError(`--${name}: ${path} not found`, 2);
  return path;
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

/** A whole number in [min, max] (e.g. --context, --gpus): anything else is a usage error naming the flag and the range. */
export function optInt(args: ParsedArgs, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = optNum(args, name);
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UserError(`--${name} must be a whole number ${range}, got '${optStr(args, name)}'`, 2);
  }
  return v;
}

// Typed option declarations (src/cli/specs/ declare them, command.ts parses with them, help.ts renders them):
// one function turns a declaration and the text of a flag into its value or a usage error naming the flag.
import { existsSync } from "node:fs";
import { UserError } from "../core/errors.js";

/**
 * One option, declared once with its type: the parser, the range check, the defaults, the required check, the
 * --help text and the typed value that `run` reads (optionValues) all come from this (citty's approach).
 *   string   free text (non-empty unless `empty`); the old style, read with str()/optStr()/num()
 *   boolean  a switch
 *   number   a real number; integer: a whole number; size: a whole count. All three accept scientific notation
 *            and the suffixes k, M, G/B, T (1e13, 10M, 2B), and the range min/max (exclusive with minExclusive /
 *            maxExclusive, e.g. "> 0")
 *   enum     one of `choices`
 *   path     a file or directory; `exists: true` refuses a missing one (else it may be created)
 *   list     comma-separated items of type `of` (default string), each in the range
 * `also` names words accepted besides the typed value (e.g. "auto"). Every check runs in parseCommandArgs, before
 * a command's code is loaded, and a failure is a usage error (exit 2) naming the flag.
 */
export interface OptionDecl {
  type: OptionKind;
  description: string;
  /** placeholder shown in help, e.g. "FILE" (default by type: N, X, PATH, LIST, the choices) */
  value?: string;
  /** applied when the option is absent, and shown in help */
  default?: string | number;
  /** missing → a usage error (exit 2) naming the flag */
  required?: boolean;
  /** repeatable: the value is a list */
  multiple?: boolean;
  /** one-letter alias, e.g. "n" for -n */
  short?: string;
  /** help section heading (default "Options") */
  group?: string;
  /** number, integer, size, list of numbers: the smallest / largest value accepted */
  min?: number;
  max?: number;
  /** the bound itself is refused (min: "> min", max: "< max") */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** enum: the accepted words */
  choices?: readonly string[];
  /** path: must exist when given */
  exists?: boolean;
  /** list: the type of each item */
  of?: "string" | "number" | "integer" | "size";
  /** words accepted besides a typed value, e.g. ["auto"] */
  also?: readonly string[];
  /** string: the empty text is a valid value */
  empty?: boolean;
}

export type OptionKind = "string" | "boolean" | "number" | "integer" | "size" | "enum" | "path" | "list";

export type OptionDecls = Record<string, OptionDecl>;

/** Numbers accept scientific notation (1e13) and the suffixes k, M, G/B, T. */
export function parseNumber(text: string, flag: string): number {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*([kKMGBT]?)\s*$/.exec(text);
  const scale: Record<string, number> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, B: 1e9, T: 1e12 };
  if (!m) throw new UserError(`--${flag}: '${text}' is not a number`, 2);
  const v = Number(m[1]) * scale[m[2]!]!;
  if (!Number.isFinite(v)) throw new UserError(`--${flag}: '${text}' is not finite`, 2);
  return v;
}

const NUMERIC = new Set<string>(["number", "integer", "size"]);

/** The range as help and errors say it: "> 0", "≥ 1", "0 ≤ x ≤ 1", "0 < x < 1"; "" without bounds. */
export function rangeText(d: Pick<OptionDecl, "min" | "max" | "minExclusive" | "maxExclusive">): string {
  const lo = d.min === undefined ? undefined : `${d.min} ${d.minExclusive ? "<" : "≤"} `;
  const hi = d.max === undefined ? undefined : ` ${d.maxExclusive ? "<" : "≤"} ${d.max}`;
  if (lo !== undefined && hi !== undefined) return `${lo}x${hi}`;
  if (lo !== undefined) return `${d.minExclusive ? ">" : "≥"} ${d.min}`;
  if (hi !== undefined) return `${d.maxExclusive ? "<" : "≤"} ${d.max}`;
  return "";
}

/** What help shows for a typed option: "integer ≥ 1", "number 0 < x ≤ 1", "one of a, b", "path (must exist)". */
export function typeText(d: OptionDecl): string {
  const also = d.also?.length ? ` or ${d.also.join(", ")}` : "";
  const range = rangeText(d);
  switch (d.type) {
    case "number":
    case "integer":
    case "size":
      return `${d.type === "size" ? "count (2M, 1e9, 10k)" : d.type}${range ? ` ${range}` : ""}${also}`;
    case "enum":
      return `one of ${d.choices!.join(", ")}`;
    case "path":
      return d.exists ? "path (must exist)" : "path";
    case "list":
      return `comma-separated ${d.of && d.of !== "string" ? `${d.of === "size" ? "count" : d.of}s` : "list"}${range ? ` ${range}` : ""}${also}`;
    default:
      return "";
  }
}

function bad(flag: string, text: string, why: string): UserError {
  return new UserError(`--${flag}: '${text}' ${why}`, 2);
}

function parseScalar(flag: string, kind: string, d: OptionDecl, text: string): number {
  const v = parseNumber(text, flag);
  if (kind !== "number" && !Number.isInteger(v)) throw bad(flag, text, "is not a whole number");
  const below = d.min !== undefined && (d.minExclusive ? v <= d.min : v < d.min);
  const above = d.max !== undefined && (d.maxExclusive ? v >= d.max : v > d.max);
  if (below || above) throw bad(flag, text, `is out of range (${rangeText(d).replace("x", flag)})`);
  return v;
}

/** One flag's text to its typed value, or a usage error (exit 2) naming the flag. */
export function parseOption(flag: string, d: OptionDecl, text: string): unknown {
  if (d.also?.includes(text)) return text;
  if (text.trim() === "" && !(d.type === "string" && d.empty)) throw new UserError(`--${flag}: needs a value, got ''`, 2);
  switch (d.type) {
    case "number":
    case "integer":
    case "size":
      return parseScalar(flag, d.type, d, text);
    case "enum":
      if (!d.choices!.includes(text)) throw bad(flag, text, `is not one of ${d.choices!.join(", ")}`);
      return text;
    case "path":
      if (d.exists && !existsSync(text)) throw new UserError(`--${flag}: ${text} not found`, 2);
      return text;
    case "list": {
      const items = text.split(",").map((t) => t.trim());
      if (items.some((t) => t === "")) throw bad(flag, text, "has an empty item");
      const of = d.of ?? "string";
      return of === "string" ? items : items.map((t) => parseScalar(flag, of, d, t));
    }
    default:
      return text;
  }
}

/** The typed values of every declared option in `values` (raw parser output); absent ones are undefined, switches false. */
export function typedValues(options: OptionDecls, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(options)) {
    const v = values[k];
    if (d.type === "boolean") out[k] = v === true;
    else if (v === undefined) out[k] = undefined;
    else if (Array.isArray(v)) out[k] = v.map((x) => parseOption(k, d, String(x)));
    else out[k] = parseOption(k, d, String(v));
  }
  return out;
}

type Scalar<D> = D extends { type: "boolean" }
  ? boolean
  : D extends { type: "number" | "integer" | "size" }
    ? number
    : D extends { type: "enum"; choices: readonly (infer C)[] }
      ? C
      : D extends { type: "list"; of: "number" | "integer" | "size" }
        ? number[]
        : D extends { type: "list" }
          ? string[]
          : string;
type Also<D> = D extends { also: readonly (infer A)[] } ? A : never;
type One<D> = D extends { multiple: true } ? (Scalar<D> | Also<D>)[] : Scalar<D> | Also<D>;
type Present<D> = D extends { type: "boolean" } ? true : D extends { required: true } ? true : D extends { default: string | number } ? true : false;

/** The typed values of a declaration: a flag with a default, a required one and a switch are never undefined. */
export type OptionValues<O extends OptionDecls> = { -readonly [K in keyof O]: Present<O[K]> extends true ? One<O[K]> : One<O[K]> | undefined };

/** A command's options as a constant of their own, keeping literal types (choices, required), so that the command's
 * code can read typed values from it without a type cycle through the spec's `load`. */
export function defineOptions<const O extends OptionDecls>(options: O): O {
  return options;
}

/**
 * The typed values of `args` for these declarations (the command's own spec options, so TypeScript checks each
 * use): parseCommandArgs has already parsed and range-checked them; args built by hand (tests) are parsed here.
 */
export function optionValues<const O extends OptionDecls>(args: { values: Record<string, unknown>; typed?: Record<string, unknown> }, options: O): OptionValues<O> {
  if (args.typed) return args.typed as OptionValues<O>;
  const values = { ...args.values };
  for (const [k, d] of Object.entries(options)) if (values[k] === undefined && d.default !== undefined) values[k] = String(d.default);
  return typedValues(options, values) as OptionValues<O>;
}

// --help text generated from a command's declaration: usage lines, prose, one section per option group, examples.
import { COMMON_OPTIONS, type CommandSpec, type OptionDecl } from "./command.js";
import { typeText } from "./options.js";

const PLACEHOLDER: Record<string, string> = { number: "X", integer: "N", size: "N", path: "PATH", list: "LIST", string: "VALUE" };

function flagText(name: string, d: OptionDecl): string {
  const placeholder = d.value ?? (d.type === "enum" ? d.choices!.join("|") : PLACEHOLDER[d.type]);
  const long = `--${name}${d.type === "boolean" ? "" : ` ${placeholder}`}`;
  return d.short ? `-${d.short}, ${long}` : long;
}

function describe(d: OptionDecl): string {
  const notes: string[] = [];
  const type = typeText(d);
  if (type) notes.push(type);
  if (d.required) notes.push("required");
  if (d.default !== undefined) notes.push(`default ${d.default}`);
  if (d.multiple) notes.push("repeatable");
  return notes.length ? `${d.description} (${notes.join("; ")})` : d.description;
}

/** The full --help text of a command. */
export function commandHelp(cmd: Pick<CommandSpec, "name" | "usage" | "description" | "options" | "examples">): string {
  const lines = cmd.usage.map((u, i) => `${i === 0 ? "Usage:" : "      "} plmscale ${cmd.name}${u ? ` ${u}` : ""}`);
  if (cmd.description) lines.push("", cmd.description.trim());
  const groups = new Map<string, [string, OptionDecl][]>();
  for (const [name, d] of Object.entries(cmd.options)) {
    const g = d.group ?? "Options";
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push([name, d]);
  }
  const common = Object.entries(COMMON_OPTIONS);
  const width = Math.min(28, Math.max(...[...Object.entries(cmd.options), ...common].map(([n, d]) => flagText(n, d).length)));
  const row = ([n, d]: [string, OptionDecl]) => {
    const f = flagText(n, d);
    const text = describe(d).split("\n").join(`\n${" ".repeat(width + 4)}`);
    return f.length > width ? `  ${f}\n${" ".repeat(width + 4)}${text}` : `  ${f.padEnd(width)}  ${text}`;
  };
  for (const [g, opts] of groups) lines.push("", `${g}:`, ...opts.map(row));
  lines.push("", "Every command:", ...common.map(row));
  if (cmd.examples.length) lines.push("", cmd.examples.length > 1 ? "Examples:" : "Example:", ...cmd.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

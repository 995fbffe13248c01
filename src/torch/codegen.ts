// Generator of typed op wrappers (src/torch/generated/ops.ts) from the checked-in schema list
// (src/torch/schemas.txt). Pure: schema text in, TypeScript source out; scripts/gen-ops.ts writes the file
// and test/torch/codegen.test.ts fails when the checked-in output is stale.

export interface SchemaArg {
  name: string;
  type: string; // base type without alias annotation, e.g. "Tensor?", "int[]", "SymInt[1]"
  mutable: boolean; // Tensor(a!)
  default?: string;
  kwOnly: boolean;
}

export interface Schema {
  name: string; // aten::add
  overload: string; // Tensor
  args: SchemaArg[];
  returns: { type: string; mutable: boolean }[];
  text: string;
}

/** Split on commas at bracket depth 0, outside string literals. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = "", quote = "";
  for (const ch of s) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = "";
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function stripAlias(t: string): { type: string; mutable: boolean } {
  const m = /^(\w+)\(([^)]*)\)(.*)$/.exec(t);
  if (!m) return { type: t, mutable: false };
  return { type: m[1]! + m[3]!, mutable: m[2]!.includes("!") };
}

export function parseSchema(text: string): Schema {
  const m = /^([\w:]+?)(?:\.(\w+))?\((.*)\)\s*->\s*(.*)$/.exec(text.trim());
  if (!m) throw new Error(`cannot parse schema: ${text}`);
  const [, name, overload = "", argText, retText] = m;
  const args: SchemaArg[] = [];
  let kwOnly = false;
  for (const part of splitTop(argText!)) {
    if (part === "*") {
      kwOnly = true;
      continue;
    }
    const eq = part.indexOf("=");
    const decl = eq >= 0 ? part.slice(0, eq).trim() : part;
    const def = eq >= 0 ? part.slice(eq + 1).trim() : undefined;
    const sp = decl.lastIndexOf(" ");
    const { type, mutable } = stripAlias(decl.slice(0, sp).trim());
    args.push({ name: decl.slice(sp + 1), type, mutable, default: def, kwOnly });
  }
  let r = retText!.trim();
  if (r.startsWith("(") && r.endsWith(")")) r = r.slice(1, -1);
  const returns = r ? splitTop(r).map((x) => stripAlias(x.split(" ")[0]!)) : [];
  return { name: name!, overload, args, returns, text: text.trim() };
}

const RESERVED = new Set(["function", "default", "var", "new", "delete", "in", "from", "with", "out", "index", "self"]);

function camel(s: string): string {
  const lead = /^_*/.exec(s)![0];
  const trail = /_*$/.exec(s.slice(lead.length))![0];
  const core = s.slice(lead.length, s.length - trail.length);
  return lead + core.replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()) + trail;
}

/** TS identifier for an op: add.Tensor → addTensor, add_.Scalar → add_Scalar, layer_norm → layerNorm. */
export function wrapperName(s: Schema): string {
  const base = camel(s.name.split("::")[1]!);
  return s.overload ? base + s.overload[0]!.toUpperCase() + camel(s.overload.slice(1)) : base;
}

function argName(n: string): string {
  return RESERVED.has(n) ? `${n}_` : camel(n);
}

/** [TS type, expression converting the parameter to what callOp takes] */
function tsType(a: SchemaArg): [string, (v: string) => string] {
  const opt = a.type.endsWith("?") && !a.type.endsWith("[]?") ? true : a.type.endsWith("?");
  const t = a.type.replace(/\?$/, "").replace(/\[\d*\]/, "[]");
  const nul = opt ? " | null" : "";
  const id = (v: string) => v;
  switch (t) {
    case "Tensor": return [`Tensor${nul}`, (v) => (opt ? `${v} == null ? ${v} : ${v}.handle` : `${v}.handle`)];
    case "Tensor[]": return [`Tensor[]${nul}`, (v) => `${v}${opt ? "?" : ""}.map((t) => t.handle)`];
    case "Tensor?[]": return [`(Tensor | null)[]`, (v) => `${v}.map((t) => (t ? t.handle : null))`];
    case "int": case "SymInt": return [`number${nul}`, id];
    case "int[]": case "SymInt[]": return [`number[] | number${nul}`, id];
    case "float": return [`number${nul}`, id];
    case "float[]": return [`number[]${nul}`, id];
    case "bool": return [`boolean${nul}`, id];
    case "bool[]": return [`boolean[]${nul}`, id];
    case "Scalar": return [`number | boolean${nul}`, id];
    case "Scalar[]": return [`number[]${nul}`, id];
    case "ScalarType": return [`DType${nul}`, (v) => `${v} == null ? ${v} : dtypeCode(${v})`];
    case "str": return [`string${nul}`, id];
    case "Device": return [`string${nul}`, id];
    case "Layout": case "MemoryFormat": return [`number${nul}`, id];
    case "Generator": return ["null", id];
    default: throw new Error(`unsupported argument type ${a.type}`);
  }
}

// Ops whose schema says `Tensor` but which return an undefined tensor (null in JS) in some modes: libtorch
// 1.13's private attention returns no weights unless need_attn_weights=true. Their tensors are typed nullable.
const UNDEFINED_TENSOR_RETURNS = new Set(["aten::_scaled_dot_product_attention"]);

function returnCode(s: Schema, call: string): [string, string] {
  const rs = s.returns;
  const mutArg = s.args.find((a) => a.mutable);
  const one = (r: { type: string; mutable: boolean }, v: string): [string, string] => {
    if (r.mutable && mutArg) return [tsType(mutArg)[0].replace(" | null", ""), argName(mutArg.name)];
    const type = r.type === "Tensor" && UNDEFINED_TENSOR_RETURNS.has(s.name) ? "Tensor?" : r.type;
    switch (type) {
      case "Tensor": return ["Tensor", `new Tensor(${v})`];
      case "Tensor?": return ["Tensor | null", `(${v} === null ? null : new Tensor(${v}))`];
      case "Tensor[]": return ["Tensor[]", `(${v} as number[]).map((h) => new Tensor(h))`];
      case "int": case "SymInt": case "float": case "Scalar": return ["number", v];
      case "bool": return ["boolean", v];
      case "int[]": case "float[]": return ["number[]", v];
      case "str": return ["string", v];
      default: throw new Error(`unsupported return type ${r.type}`);
    }
  };
  if (rs.length === 0) return ["void", `${call};`];
  if (rs.length === 1) {
    const [t, e] = one(rs[0]!, "r");
    return rs[0]!.mutable && mutArg ? [t, `${call};\n  return ${e};`] : [t, `const r = ${call};\n  return ${e};`];
  }
  const parts = rs.map((r, i) => one(r, `r[${i}]`));
  return [`[${parts.map((p) => p[0]).join(", ")}]`, `const r = ${call};\n  return [${parts.map((p) => p[1]).join(", ")}];`];
}

export function emitWrapper(s: Schema): string {
  const fn = wrapperName(s);
  const idVar = `$${fn}`;
  let lastRequired = -1;
  s.args.forEach((a, i) => {
    if (a.default === undefined && !a.type.endsWith("?")) lastRequired = i;
  });
  const params = s.args.map((a, i) => {
    const [t] = tsType(a);
    const optional = i > lastRequired;
    return `${argName(a.name)}${optional ? "?" : ""}: ${t}${!optional && (a.default !== undefined || a.type.endsWith("?")) ? " | undefined" : ""}`;
  });
  const callArgs = s.args.map((a) => tsType(a)[1](argName(a.name)));
  const call = `native.callOp(${idVar} < 0 ? (${idVar} = opId(${JSON.stringify(s.name)}, ${JSON.stringify(s.overload)})) : ${idVar}${callArgs.map((c) => `, ${c}`).join("")})`;
  const [ret, body] = returnCode(s, call);
  return `/** \`${s.text}\` */\nlet ${idVar} = -1;\nexport function ${fn}(${params.join(", ")}): ${ret} {\n  ${body}\n}\n`;
}

/** Parse schemas.txt: one schema per line; blank lines and # comments ignored. */
export function readSchemaList(text: string): Schema[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map(parseSchema);
}

export function generate(schemaText: string): string {
  const schemas = readSchemaList(schemaText);
  const seen = new Set<string>();
  const body = schemas.map((s) => {
    const n = wrapperName(s);
    if (seen.has(n)) throw new Error(`duplicate wrapper name ${n} (${s.text})`);
    seen.add(n);
    return emitWrapper(s);
  });
  return [
    "// generated — do not edit. Source: src/torch/schemas.txt; regenerate with `node dist/scripts/gen-ops.js`.",
    "// Typed wrappers over the boxed dispatcher: positional arguments in schema order, undefined = schema default.",
    "/* eslint-disable */",
    'import { native } from "../native.js";',
    'import { opId } from "../ops.js";',
    'import { Tensor } from "../tensor.js";',
    'import { dtypeCode, type DType } from "../dtype.js";',
    "void dtypeCode;",
    "export type { DType };",
    "",
    ...body,
  ].join("\n");
}

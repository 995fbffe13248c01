// Operator resolution: (schema name, overload) → cached integer id, resolved lazily on first use, so an op
// this libtorch lacks only fails when it is called (with a clear message), and hasOp() can probe for it.
import { native } from "./native.js";

const ids = new Map<string, number>();

function key(name: string, overload: string): string {
  return overload ? `${name}.${overload}` : name;
}

function qualify(name: string): string {
  return name.includes("::") ? name : `aten::${name}`;
}

/** The addon's id for an operator, or -1 when this libtorch does not register that schema. */
export function tryOpId(name: string, overload = ""): number {
  const q = qualify(name);
  const k = key(q, overload);
  let id = ids.get(k);
  if (id === undefined) {
    id = native.resolveOp(q, overload);
    ids.set(k, id);
  }
  return id;
}

/** True when the linked libtorch has the schema `name.overload` (probe for features, never version strings). */
export function hasOp(name: string, overload = ""): boolean {
  return tryOpId(name, overload) >= 0;
}

export function opId(name: string, overload = ""): number {
  const id = tryOpId(name, overload);
  if (id < 0) {
    throw new Error(`operator ${key(qualify(name), overload)} is not available in this libtorch (${native.buildInfo().torchVersion})`);
  }
  return id;
}

/** The schema string the linked libtorch registers for an op (null when missing). */
export function schemaOf(name: string, overload = ""): string | null {
  const id = tryOpId(name, overload);
  return id < 0 ? null : native.schemaOf(id);
}

export type RawOp = (...args: unknown[]) => any;

/** A callable for one operator; resolves on first call. Arguments are positional in schema order. */
export function op(name: string, overload = ""): RawOp {
  let id = -1;
  return (...args: unknown[]) => {
    if (id < 0) id = opId(name, overload);
    return native.callOp(id, ...args);
  };
}

/** Call an operator by name once (slower than a cached op(); for rare calls). */
export function callOp(name: string, overload: string, ...args: unknown[]): any {
  return native.callOp(opId(name, overload), ...args);
}

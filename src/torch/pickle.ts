// A restricted unpickler: it interprets the pickle opcodes (protocols 2–5, the binary ones PyTorch writes) into
// plain values and NEVER calls anything. A GLOBAL is looked up through `resolveGlobal`, which returns a JS
// stand-in or null; null is an error naming the global, so `os.system`, `subprocess.Popen`, `builtins.eval`…
// are refused when they are named, before anything could use them. REDUCE / NEWOBJ / BUILD apply only the
// stand-ins' own JS functions. Every length is checked against the bytes left before it is read.
// Opcode reference: CPython Lib/pickletools.py.

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PickleError";
  }
}

/** What an allow-listed global turns into: `call` for REDUCE/NEWOBJ, optional `build` for BUILD on its result. */
export interface GlobalStandIn {
  readonly qualname: string;
  call(args: unknown[]): unknown;
}

/** An object built by NEWOBJ/REDUCE whose state BUILD sets (e.g. argparse.Namespace). */
export class PyObject {
  state: unknown = null;
  constructor(readonly cls: string) {}
}

export interface UnpickleOptions {
  resolveGlobal(module: string, name: string): GlobalStandIn | null;
  persistentLoad?(pid: unknown): unknown;
  /** where the bytes came from, for messages */
  source: string;
}

const MARK = Symbol("mark");
const td = new TextDecoder("utf-8", { fatal: true });

export function unpickle(buf: Uint8Array, o: UnpickleOptions): unknown {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  const fail = (msg: string): never => {
    throw new PickleError(`${o.source}: ${msg} (at byte ${p})`);
  };
  const need = (n: number, what: string): void => {
    if (!(n >= 0) || n > buf.length - p) fail(`${what} of ${n} bytes exceeds the ${buf.length - p} bytes left (oversized length or truncated pickle)`);
  };
  const u8 = () => (need(1, "operand"), buf[p++]!);
  const u16 = () => (need(2, "operand"), (p += 2), dv.getUint16(p - 2, true));
  const u32 = () => (need(4, "operand"), (p += 4), dv.getUint32(p - 4, true));
  const u64 = (): number => {
    need(8, "operand");
    const v = dv.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const bytes = (n: number, what: string): Uint8Array => {
    need(n, what);
    p += n;
    return buf.subarray(p - n, p);
  };
  const text = (n: number, what: string): string => {
    try {
      return td.decode(bytes(n, what));
    } catch (e) {
      if (e instanceof PickleError) throw e;
      return fail(`${what} is not valid UTF-8`);
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1]!)) fail("stack underflow");
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail("no MARK on the stack");
    return stack.splice(m!);
  };
  const top = (): unknown => (stack.length ? stack[stack.length - 1] : fail("empty stack"));
  const line = (): string => {
    const end = buf.indexOf(0x0a, p);
    if (end < 0) fail("unterminated text operand");
    const s = Buffer.from(buf.subarray(p, end)).toString("latin1");
    p = end + 1;
    return s;
  };
  const global = (module: string, name: string): GlobalStandIn => {
    const g = o.resolveGlobal(module, name);
    if (!g) fail(`refusing global '${module}.${name}': only tensor rebuild functions, storage types and plain containers are allowed (loading a checkpoint never executes code)`);
    return g!;
  };
  const callable = (f: unknown, op: string): GlobalStandIn => {
    if (typeof f !== "object" || f === null || typeof (f as GlobalStandIn).call !== "function") fail(`${op} of a non-callable value`);
    return f as GlobalStandIn;
  };
  const setItems = (d: unknown, kv: unknown[]): void => {
    if (!(d instanceof Map)) fail("SETITEM(S) on a value that is not a dict");
    if (kv.length % 2) fail("SETITEMS with an odd number of items");
    for (let i = 0; i < kv.length; i += 2) (d as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
  };

  while (p < buf.length) {
    const op = buf[p++]!;
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME (a hint only)
      case 0x2e: { // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: need(4, "BININT"); stack.push(dv.getInt32(p, true)); p += 4; break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(long(bytes(u8(), "LONG1"))); break; // LONG1
      case 0x8b: stack.push(long(bytes(u32(), "LONG4"))); break; // LONG4
      case 0x47: need(8, "BINFLOAT"); stack.push(dv.getFloat64(p, false)); p += 8; break; // BINFLOAT (big-endian)
      case 0x58: stack.push(text(u32(), "BINUNICODE")); break;
      case 0x8c: stack.push(text(u8(), "SHORT_BINUNICODE")); break;
      case 0x8d: stack.push(text(u64(), "BINUNICODE8")); break;
      case 0x54: stack.push(Buffer.from(bytes(u32(), "BINSTRING")).toString("latin1")); break;
      case 0x55: stack.push(Buffer.from(bytes(u8(), "SHORT_BINSTRING")).toString("latin1")); break;
      case 0x42: stack.push(bytes(u32(), "BINBYTES")); break;
      case 0x43: stack.push(bytes(u8(), "SHORT_BINBYTES")); break;
      case 0x8e: stack.push(bytes(u64(), "BINBYTES8")); break;
      case 0x96: stack.push(bytes(u64(), "BYTEARRAY8")); break;
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const v = pop(); const l = top(); if (!Array.isArray(l)) fail("APPEND to a non-list"); (l as unknown[]).push(v); break; }
      case 0x65: { const vs = popMark(); const l = top(); if (!Array.isArray(l)) fail("APPENDS to a non-list"); for (const v of vs) (l as unknown[]).push(v); break; }
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(Object.freeze(popMark())); break; // TUPLE
      case 0x85: stack.push(Object.freeze([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(), a = pop(); stack.push(Object.freeze([a, b])); break; }
      case 0x87: { const c = pop(), b = pop(), a = pop(); stack.push(Object.freeze([a, b, c])); break; }
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { const d = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(), k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { const vs = popMark(); const s = top(); if (!(s instanceof Set)) fail("ADDITEMS to a non-set"); for (const v of vs) (s as Set<unknown>).add(v); break; }
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      case 0x63: { const module = line(), name = line(); stack.push(global(module, name)); break; } // GLOBAL
      case 0x93: { const name = pop(), module = pop(); if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL needs two strings"); stack.push(global(module as string, name as string)); break; }
      case 0x52: { const args = pop(), f = pop(); if (!Array.isArray(args)) fail("REDUCE arguments are not a tuple"); stack.push(callable(f, "REDUCE").call(args as unknown[])); break; }
      case 0x81: { const args = pop(), cls = pop(); if (!Array.isArray(args)) fail("NEWOBJ arguments are not a tuple"); stack.push(callable(cls, "NEWOBJ").call(args as unknown[])); break; }
      case 0x92: { pop(); const args = pop(), cls = pop(); if (!Array.isArray(args)) fail("NEWOBJ_EX arguments are not a tuple"); stack.push(callable(cls, "NEWOBJ_EX").call(args as unknown[])); break; }
      case 0x62: { // BUILD: state of our own objects; an OrderedDict's instance attributes (state_dict._metadata) and
        // a tensor's Python attributes are dropped, they carry no weights
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        else if (state !== null && !(obj instanceof Map) && !isTensorLike(obj)) fail("BUILD on an unsupported object");
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: { const k = u8(); if (!memo.has(k)) fail(`BINGET of unknown memo ${k}`); stack.push(memo.get(k)); break; }
      case 0x6a: { const k = u32(); if (!memo.has(k)) fail(`LONG_BINGET of unknown memo ${k}`); stack.push(memo.get(k)); break; }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!o.persistentLoad) fail("persistent id in a pickle that allows none");
        stack.push(o.persistentLoad!(pid));
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)} ('${String.fromCharCode(op)}')`);
    }
  }
  return fail("pickle ends without STOP (truncated)");
}

/** Little-endian two's-complement integer (LONG1/LONG4); a number when it is safe, else a bigint. */
function long(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** BUILD after a tensor rebuild carries (possibly empty) Python attributes: accepted and ignored. */
function isTensorLike(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "tensor";
}

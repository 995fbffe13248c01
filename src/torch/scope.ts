// Memory scopes. The JS garbage collector cannot see native (or GPU) memory, so tensors are released
// deterministically: `tidy(fn)` disposes every tensor created inside fn except those it returns (which move to
// the enclosing scope) and those passed to `keep`. Tensors created outside any scope, and kept ones, are left
// to the caller (`dispose()`, `using`), with a garbage-collection finalizer only as a backstop for leaks
// (a Node-API finalizer from the addon: ~1 µs per tensor, where a JS FinalizationRegistry cost ~2.5 µs, so
// tensors inside scopes skip it entirely).
//
// Scopes and `await`: a scope is a synchronous region. tidy() rejects a callback that returns a Promise,
// because tensors created after an await would land in whatever scope is current at that time. In async code,
// run each synchronous step in its own tidy() (one per training step) and keep() what crosses awaits.
import { native } from "./native.js";

/** Base of objects owning a native tensor handle. */
export abstract class NativeHandle {
  /** the addon handle; stays set after dispose so a later use reports "use after dispose" */
  readonly handle: number;
  /** true after dispose() */
  disposed = false;
  /** escaped all scopes via keep() */
  kept = false;
  /** has a garbage-collection backstop registered */
  tracked = false;

  constructor(handle: number) {
    this.handle = handle;
    if (current) current.push(this);
    else backstop(this);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    native.release(this.handle);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

// Releases the handle when its JS wrapper is garbage-collected without dispose() (a leak, but not a crash).
// A disposed handle's generation has moved on, so the late release is a no-op. Registered at most once.
// Registration is deferred: top-level tensors queue here and get their finalizer at the end of the current
// job (microtask) or once BACKSTOP_BATCH are queued, and only if still undisposed by then. The common
// `const c = a.add(b); …; c.dispose()` thus never pays napi_add_finalizer (~0.5 µs, half the cost of a tiny
// op); a leaked tensor is held at most until that flush, then left to the collector as before.
const BACKSTOP_BATCH = 64;
const pendingBackstops: NativeHandle[] = [];
let flushQueued = false;

function backstop(t: NativeHandle): void {
  if (t.tracked) return;
  t.tracked = true;
  // flush before queueing t: the newest tensor is the one most likely to be disposed in a moment
  if (pendingBackstops.length >= BACKSTOP_BATCH) flushBackstops();
  pendingBackstops.push(t);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flushQueuedBackstops);
  }
}

function flushQueuedBackstops(): void {
  flushQueued = false;
  flushBackstops();
}

/** Register the GC finalizer of every queued, still undisposed handle (internal; exported for tests). */
export function flushBackstops(): void {
  for (const t of pendingBackstops) if (!t.disposed) native.track(t, t.handle);
  pendingBackstops.length = 0;
}

let current: NativeHandle[] | null = null;
let depth = 0;

/** Number of nested tidy() scopes currently open. */
export function scopeDepth(): number {
  return depth;
}

/** Walk a tidy() result: tensors directly, or inside arrays, Maps, Sets and plain objects. */
function collect(value: unknown, out: Set<NativeHandle>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if (value instanceof NativeHandle) {
    out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (value instanceof Set) {
    for (const v of value) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Run fn; dispose every tensor created inside except the ones reachable from its result (moved to the
 * enclosing scope) and kept ones. On an exception everything created inside is disposed.
 */
export function tidy<T>(fn: () => T): T {
  const scope: NativeHandle[] = [];
  const parent = current;
  current = scope;
  depth++;
  let result: T | undefined;
  let ok = false;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new TypeError("tidy() needs a synchronous function (scopes do not span await; see src/torch/scope.ts)");
    }
    ok = true;
  } finally {
    current = parent;
    depth--;
    const survivors = new Set<NativeHandle>();
    if (ok) collect(result, survivors);
    releaseScope(scope, survivors);
  }
  return result as T;
}

// A scope's disposed handles go to the addon in one call (releaseMany), not one N-API crossing per tensor: a
// step's scope holds thousands. The buffer is reused and grows to the largest scope seen.
let releaseBuffer = new Float64Array(1024);

function releaseScope(scope: NativeHandle[], survivors: Set<NativeHandle>): void {
  let n = 0;
  for (const t of scope) {
    if (t.disposed) continue;
    if (survivors.size > 0 && survivors.has(t)) adopt(t);
    else if (!t.kept) {
      t.disposed = true;
      if (n === releaseBuffer.length) {
        const grown = new Float64Array(2 * n);
        grown.set(releaseBuffer);
        releaseBuffer = grown;
      }
      releaseBuffer[n++] = t.handle;
    }
  }
  if (n > 0) native.releaseMany(releaseBuffer, n);
}

/** Move a handle into the current scope (or to the backstop at top level). */
function adopt(t: NativeHandle): void {
  if (current) current.push(t);
  else backstop(t);
}

/** Let t (or every tensor in an array/object) outlive all enclosing scopes; the caller disposes it. */
export function keep<T>(value: T): T {
  const found = new Set<NativeHandle>();
  collect(value, found);
  for (const t of found) {
    if (!t.kept) {
      t.kept = true;
      backstop(t);
    }
  }
  return value;
}

/** Dispose tensors (directly, or inside arrays / objects). */
export function dispose(value: unknown): void {
  const found = new Set<NativeHandle>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/** Number of native tensor handles alive in the addon. */
export function liveTensorCount(): number {
  return native.liveTensorCount();
}

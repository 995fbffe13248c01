// Setup steps of a data-parallel run that only rank 0 performs (create the run directory, pick the checkpoint
// to resume from), with the outcome shared through the process group's store: the other ranks get rank 0's
// value, or rank 0's error as their own (instead of a "connection closed" at the first collective).
import { UserError } from "../core/errors.js";
import type { DistOptions } from "./ddp.js";

interface Outcome<T> {
  value?: T;
  error?: string;
  code?: number;
}

/** Run fn on rank 0 (or in a single process) and hand its JSON-serialisable result to every rank. */
export async function onRank0<T>(dist: DistOptions | undefined, key: string, fn: () => T): Promise<T> {
  if (!dist || dist.group.worldSize === 1) return fn();
  const k = `plmscale/setup/${key}`;
  if (dist.group.rank === 0) {
    let out: Outcome<T>;
    try {
      out = { value: fn() };
    } catch (e) {
      const code = e instanceof UserError ? e.exitCode : 1;
      dist.group.store.set(k, JSON.stringify({ error: (e as Error).message, code } satisfies Outcome<T>));
      throw e;
    }
    dist.group.store.set(k, JSON.stringify(out));
    return out.value as T;
  }
  const got = JSON.parse(dist.group.store.get(k)) as Outcome<T>;
  if (got.error !== undefined) throw new UserError(`rank 0: ${got.error}`, got.code ?? 1);
  return got.value as T;
}

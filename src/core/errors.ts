// One user-facing error for every layer: a message the user can act on (naming file, line, field) and the
// process exit code (2 = usage error, 1 = failure). cli/main.ts prints it without a stack trace.
import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";

export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "UserError";
  }
}

/** The exit code of damaged or malformed input (bytes that cannot be parsed: a FASTA that is not FASTA, a
 *  corrupt archive, JSON that is not JSON, a truncated file), in every command; docs/RELIABILITY.md §4. A
 *  well-formed input that cannot be used (an unsupported model, a law that cannot be fitted) is a failure (1). */
export const EXIT_DAMAGED_INPUT = 3;

/** A UserError for damaged or malformed input (exit 3). */
export function damagedInput(message: string): UserError {
  return new UserError(message, EXIT_DAMAGED_INPUT);
}

/**
 * Any error as a UserError (exit 1), for work whose every failure is the user's to act on (a run that failed,
 * an input the library rejected): printed without a stack. A UserError stays as it is.
 */
export function asFailure(e: unknown): UserError {
  return e instanceof UserError ? e : new UserError(e instanceof Error ? e.message : String(e), 1);
}

// Plain words for the operating-system errors a user can meet and fix (a full disk, a missing directory, a
// path that is a directory); Node's own message ("ENOSPC: no space left on device, write") names no file.
const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: "the disk is full (no space left on device)",
  EDQUOT: "the disk quota is exceeded",
  ENOENT: "no such file or directory",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a component of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  EEXIST: "already exists",
  EMFILE: "too many open files",
  ENAMETOOLONG: "the file name is too long",
  EIO: "input/output error (a failing disk or network file system)",
};

/**
 * Why `mkdir -p PATH` failed when Node says ENOENT: its recursive mkdir reports ENOENT for the leaf when a parent
 * could not be created on a read-only file system or without permission. The nearest existing ancestor decides.
 */
function realMkdirFailure(path: string): string | undefined {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    return errnoCode(e);
  }
  return undefined;
}

/** The errno code of a Node system error, or undefined for anything else. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * A system error (ENOSPC, EISDIR, …) as a UserError whose message says what happened in words, the path
 * involved and what was being done (`doing`, e.g. "writing the corpus to out/"); anything else is returned
 * unchanged (a UserError stays as it is, a bug keeps its stack).
 */
export function asUserError(e: unknown, doing?: string): unknown {
  if (e instanceof UserError) return e;
  // a failed collective or a dead peer (torch/distributed.ts) is the user's situation, not a bug
  if (e instanceof Error && e.name === "DistributedError") return new UserError(e.message, 1);
  let code = errnoCode(e);
  if (code === undefined) return e;
  const err = e as NodeJS.ErrnoException;
  if (code === "ENOENT" && err.syscall === "mkdir" && err.path) code = realMkdirFailure(err.path) ?? code;
  const words = SYSTEM_ERRORS[code] ?? err.message;
  const path = err.path ? `${err.path}: ` : "";
  const destPath = (err as { dest?: string }).dest;
  const dest = destPath ? ` (→ ${destPath})` : "";
  return new UserError(`${doing ? `${doing}: ` : ""}${path}${words}${dest} [${code}]`, 1);
}

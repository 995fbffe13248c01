// One user-facing error for every layer: a message the user can act on (naming file, line, field) and the
// process exit code (2 = usage error, 1 = failure). cli/main.ts prints it without a stack trace.
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "UserError";
  }
}

// The error of a corpus build that the CLI reports as a usage/input problem (one line).
export class PrepareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrepareError";
  }
}

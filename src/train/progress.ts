// What the training loop reports as it goes (ProgressInfo, through a ProgressSink the caller passes) and the
// text of one progress line. Nothing here draws: src/cli/progress.ts does, with cli-progress.
import { formatDuration } from "../core/duration.js";

export interface ProgressInfo {
  step: number;
  steps: number;
  tokens: number;
  totalTokens: number;
  trainLoss: number;
  valLoss?: number;
  lr: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
}

export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e12) return (n / 1e12).toFixed(2) + "T";
  if (a >= 1e9) return (n / 1e9).toFixed(2) + "G";
  if (a >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (a >= 1e3) return (n / 1e3).toFixed(1) + "k";
  return String(Math.round(n));
}

/** Seconds left at the current token rate. */
export function eta(p: ProgressInfo): number {
  const left = p.totalTokens - p.tokens;
  return p.tokensPerSecond > 0 ? left / p.tokensPerSecond : Infinity;
}

export function progressLine(p: ProgressInfo): string {
  const val = p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : "";
  return (
    `step ${p.step}/${p.steps} tokens ${formatCount(p.tokens)}/${formatCount(p.totalTokens)} loss ${p.trainLoss.toFixed(4)}${val}` +
    ` lr ${p.lr.toExponential(2)} ${formatCount(p.tokensPerSecond)} tok/s eta ${formatDuration(eta(p))}`
  );
}

/**
 * Where the training loop reports progress. The loop only calls these; drawing (a cli-progress bar on a
 * terminal, plain lines in logs) is the CLI's business (src/cli/progress.ts).
 */
export interface ProgressSink {
  update(p: ProgressInfo): void;
  /** a message that must not be overwritten by the bar */
  message(line: string): void;
  done(): void;
}

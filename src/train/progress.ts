// Progress output for long runs: a one-line bar redrawn in place on a TTY (loss, tokens/s, ETA),
// plain lines at most every `plainEverySeconds` otherwise (logs, CI, subprocesses of a sweep).
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

export function progressBar(p: ProgressInfo, width = 24): string {
  const f = p.totalTokens > 0 ? Math.min(1, p.tokens / p.totalTokens) : 0;
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}] ${(f * 100).toFixed(1).padStart(5)}% ` + progressLine(p);
}

export interface ProgressSink {
  update(p: ProgressInfo): void;
  /** a message that must not be overwritten by the bar */
  message(line: string): void;
  done(): void;
}

/** A sink for `write` (usually stderr): bar on a TTY, plain lines otherwise. */
export function progressSink(write: (s: string) => void, isTTY: boolean, plainEverySeconds = 10): ProgressSink {
  let last = -Infinity;
  let barShown = false;
  return {
    update(p) {
      if (isTTY) {
        write("\r\x1b[2K" + progressBar(p));
        barShown = true;
        return;
      }
      const now = p.elapsedSeconds;
      if (now - last >= plainEverySeconds || p.step === p.steps || p.valLoss !== undefined) {
        write(progressLine(p) + "\n");
        last = now;
      }
    },
    message(line) {
      if (barShown) write("\r\x1b[2K");
      write(line + "\n");
      barShown = false;
    },
    done() {
      if (barShown) write("\n");
      barShown = false;
    },
  };
}

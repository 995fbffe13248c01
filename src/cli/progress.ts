// Progress display, the only place that draws it, on cli-progress: long data work (Progress) and training
// (trainProgress: the loop reports ProgressInfo, src/train/progress.ts). A bar on a TTY, plain lines (at most
// one per interval) otherwise, nothing when quiet. Writes to stderr so --json output stays clean.
import cliProgress from "cli-progress";
import { formatCount, progressLine, type ProgressInfo, type ProgressSink } from "../train/progress.js";
import { formatDuration } from "../core/duration.js";

export interface ProgressUpdate {
  label: string;
  done: number;
  total?: number;
  unit: string;
}

function human(n: number, unit: string): string {
  if (unit === "bytes") {
    const u = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
  }
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M ${unit}` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k ${unit}` : `${Number.isInteger(n) ? n : n.toFixed(1)} ${unit}`;
}

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private label = "";
  private started = 0;
  private lastLine = 0;
  private readonly tty: boolean;
  constructor(private readonly err: (line: string) => void, private readonly quiet = false, private readonly everyMs = 5000) {
    this.tty = process.stderr.isTTY === true && !process.env.CI;
  }

  update(p: ProgressUpdate): void {
    if (this.quiet) return;
    const now = Date.now();
    if (p.label !== this.label) {
      this.stop();
      this.label = p.label;
      this.started = now;
      this.lastLine = 0;
      if (this.tty) {
        this.bar = new cliProgress.SingleBar({
          format: `${p.label.padEnd(24)} {bar} {percentage}% | {doneh}/{totalh} | {rate}/s | eta {eta_formatted}`,
          hideCursor: true, clearOnComplete: false, stream: process.stderr, etaBuffer: 50,
        }, cliProgress.Presets.shades_classic);
        this.bar.start(p.total ?? 0, 0, { doneh: "", totalh: "", rate: "" });
      }
    }
    const secs = Math.max((now - this.started) / 1000, 1e-3);
    const rate = human(p.done / secs, p.unit);
    if (this.bar) {
      if (p.total !== undefined) this.bar.setTotal(p.total);
      this.bar.update(p.done, { doneh: human(p.done, p.unit), totalh: p.total !== undefined ? human(p.total, p.unit) : "?", rate });
    } else if (now - this.lastLine >= this.everyMs || (p.total !== undefined && p.done >= p.total)) {
      this.lastLine = now;
      const pct = p.total ? ` (${((100 * p.done) / p.total).toFixed(0)}%)` : "";
      this.err(`${p.label}: ${human(p.done, p.unit)}${p.total !== undefined ? ` of ${human(p.total, p.unit)}` : ""}${pct}, ${rate}/s`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/**
 * A training progress sink: on a TTY a cli-progress bar over tokens (loss, tokens/s, ETA redrawn in place);
 * otherwise a plain line every `plainEverySeconds` of training, at every evaluation and at the end (logs, CI,
 * the child processes of a sweep).
 */
export function trainProgress(err: (line: string) => void, o: { tty?: boolean; plainEverySeconds?: number } = {}): ProgressSink {
  const tty = o.tty ?? (process.stderr.isTTY === true && !process.env.CI);
  const every = o.plainEverySeconds ?? 10;
  let bar: cliProgress.SingleBar | null = null;
  let last = -Infinity;
  const payload = (p: ProgressInfo) => ({
    step: `${p.step}/${p.steps}`, loss: p.trainLoss.toFixed(4), val: p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : "",
    rate: formatCount(p.tokensPerSecond), tokens: `${formatCount(p.tokens)}/${formatCount(p.totalTokens)}`,
    left: formatDuration(p.tokensPerSecond > 0 ? (p.totalTokens - p.tokens) / p.tokensPerSecond : Infinity),
  });
  return {
    update(p) {
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar({
            format: "{bar} {percentage}% step {step} tokens {tokens} loss {loss}{val} {rate} tok/s eta {left}",
            hideCursor: true, clearOnComplete: false, stream: process.stderr, barsize: 24,
          }, cliProgress.Presets.shades_classic);
          bar.start(p.totalTokens, p.tokens, payload(p));
        }
        bar.update(p.tokens, payload(p));
        return;
      }
      if (p.elapsedSeconds - last >= every || p.step === p.steps || p.valLoss !== undefined) {
        err(progressLine(p));
        last = p.elapsedSeconds;
      }
    },
    message(line) {
      if (bar) {
        // cli-progress redraws on the next update: print the message on its own line first
        process.stderr.write("\r\x1b[2K");
      }
      err(line);
    },
    done() {
      bar?.stop();
      bar = null;
    },
  };
}

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
  /** work already done at the label's first update: the rate counts only what was done while watched */
  private doneAtStart = 0;
  private lastLine = 0;
  private finished = false;
  private readonly tty: boolean;
  constructor(private readonly err: (line: string) => void, private readonly quiet = false, private readonly everyMs = 5000, private readonly now: () => number = Date.now) {
    this.tty = process.stderr.isTTY === true && !process.env.CI;
  }

  update(p: ProgressUpdate): void {
    if (this.quiet) return;
    const now = this.now();
    if (p.label !== this.label) {
      this.stop();
      this.label = p.label;
      this.started = now;
      this.doneAtStart = p.done;
      this.lastLine = now; // the first plain line comes after an interval (or at completion), with a measured rate
      this.finished = false;
      if (this.tty) {
        this.bar = new cliProgress.SingleBar({
          format: `${p.label.padEnd(24)} {bar} {percentage}% | {doneh}/{totalh} | {rate} | eta {eta_formatted}`,
          hideCursor: true, clearOnComplete: false, stream: process.stderr, etaBuffer: 50,
        }, cliProgress.Presets.shades_classic);
        this.bar.start(p.total ?? 0, 0, { doneh: "", totalh: "", rate: "" });
      }
    }
    const complete = p.total !== undefined && p.done >= p.total;
    if (this.finished) return; // the completion line once, however often the caller reports 100%
    // a rate over less than a second (or over nothing done while watched) is noise: "0/s", then "19M/s"
    const secs = (now - this.started) / 1000;
    const rate = secs >= 1 && p.done > this.doneAtStart ? `${human((p.done - this.doneAtStart) / secs, p.unit)}/s` : "";
    if (this.bar) {
      if (p.total !== undefined) this.bar.setTotal(p.total);
      this.bar.update(p.done, { doneh: human(p.done, p.unit), totalh: p.total !== undefined ? human(p.total, p.unit) : "?", rate: rate || "…" });
      if (complete) this.finished = true;
    } else if (now - this.lastLine >= this.everyMs || complete) {
      this.lastLine = now;
      if (complete) this.finished = true;
      const pct = p.total ? ` (${((100 * p.done) / p.total).toFixed(0)}%)` : "";
      const took = complete ? ` in ${formatDuration(secs)}` : "";
      this.err(`${p.label}: ${human(p.done, p.unit)}${p.total !== undefined ? ` of ${human(p.total, p.unit)}` : ""}${pct}${took}${rate ? `, ${rate}` : ""}`);
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

// Child process for test/train/cli.test.ts: trains exactly as `plmscale train` does (configFromFlags → train())
// and, when step K's metrics line is written (before any checkpoint of step K), prints "step K" on stdout and
// blocks, so the parent can SIGKILL it at a known step instead of polling and racing the run.
// Usage: node pause-at-step.js K OUT 'TRAIN_FLAGS_JSON'
import { writeSync } from "node:fs";
import { train } from "../../src/train/loop.js";
import { configFromFlags, type TrainFlags } from "../../src/train/cli-config.js";

const [k, out, flags] = process.argv.slice(2);
const pauseAt = Number(k);
const config = configFromFlags(JSON.parse(flags!) as TrainFlags);
await train(config, {
  out: out!,
  progress: {
    update: (p) => {
      if (p.step !== pauseAt) return;
      writeSync(1, `step ${p.step}\n`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000); // until killed (or 2 min)
      throw new Error(`pause-at-step: not killed within 2 minutes of step ${p.step}`);
    },
    message: () => {},
    done: () => {},
  },
});
writeSync(1, "finished\n");

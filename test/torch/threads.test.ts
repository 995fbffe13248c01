// The default thread count comes from what this process may use (affinity, cgroup quota, load) and the model's
// width; PLMSCALE_THREADS / OMP_NUM_THREADS and --threads override it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chooseThreads, parseCpuList, parseCpuMax, cfsQuota, usableCpus, ompWaitEnv, type CpuFacts } from "../../src/torch/threads.js";

const quiet = (over: Partial<CpuFacts> = {}): CpuFacts => ({ cores: 2, affinity: 2, quota: null, load1: 0, ...over });

test("CPU lists and cgroup quotas are read as the kernel writes them", () => {
  assert.equal(parseCpuList("0-1"), 2);
  assert.equal(parseCpuList("0-3,8,10-11\n"), 7);
  assert.equal(parseCpuList("3-1"), null);
  assert.equal(parseCpuList("x"), null);
  assert.equal(parseCpuMax("max 100000\n"), null);
  assert.equal(parseCpuMax("150000 100000"), 1.5);
  assert.equal(cfsQuota(-1, 100000), null);
  assert.equal(cfsQuota(400000, 100000), 4);
});

test("usable CPUs are the least of cores, affinity and quota, at least one", () => {
  assert.equal(usableCpus({ cores: 64, affinity: 8, quota: null, load1: 0 }), 8);
  assert.equal(usableCpus({ cores: 64, affinity: null, quota: 3.5, load1: 0 }), 3);
  assert.equal(usableCpus({ cores: 4, affinity: 4, quota: 0.5, load1: 0 }), 1);
});

test("automatic choice: free CPUs for a wide model, one thread for a narrow one or a busy machine", () => {
  assert.equal(chooseThreads({ env: {}, facts: quiet({ cores: 16, affinity: 16 }), dModel: 1024 }).threads, 16);
  assert.equal(chooseThreads({ env: {}, facts: quiet({ cores: 16, affinity: 4 }), dModel: 1024 }).threads, 4, "affinity, not the core count");
  assert.equal(chooseThreads({ env: {}, facts: quiet({ cores: 16, affinity: 16, quota: 2 }), dModel: 1024 }).threads, 2, "cgroup quota");
  assert.equal(chooseThreads({ env: {}, facts: quiet({ cores: 16, affinity: 16, load1: 10.2 }), dModel: 1024 }).threads, 6, "other processes' load");
  assert.equal(chooseThreads({ env: {}, facts: quiet(), dModel: 128 }).threads, 1, "a 4×128 model runs fastest on one thread");
  const busy = chooseThreads({ env: {}, facts: quiet({ load1: 7.5 }), dModel: 1024 });
  assert.equal(busy.threads, 1);
  assert.match(busy.busy ?? "", /load 7\.5 on 2 CPUs/);
  assert.equal(chooseThreads({ env: {}, facts: quiet({ load1: 1 }) }).busy, undefined);
});

test("asked threads win over PLMSCALE_THREADS, which wins over OMP_NUM_THREADS", () => {
  const env = { PLMSCALE_THREADS: "3", OMP_NUM_THREADS: "5" };
  assert.deepEqual(chooseThreads({ asked: 7, env, facts: quiet(), dModel: 128 }), { threads: 7, source: "flag" });
  assert.deepEqual(chooseThreads({ env, facts: quiet(), dModel: 128 }), { threads: 3, source: "PLMSCALE_THREADS" });
  assert.deepEqual(chooseThreads({ env: { OMP_NUM_THREADS: "5,2" }, facts: quiet(), dModel: 128 }), { threads: 5, source: "OMP_NUM_THREADS" });
  assert.equal(chooseThreads({ env: { PLMSCALE_THREADS: "zero" }, facts: quiet(), dModel: 128 }).source, "auto");
});

test("OpenMP waits passively unless the user chose a policy", () => {
  assert.deepEqual(ompWaitEnv({}), { OMP_WAIT_POLICY: "PASSIVE" });
  assert.deepEqual(ompWaitEnv({ OMP_WAIT_POLICY: "ACTIVE" }), {});
  assert.deepEqual(ompWaitEnv({ GOMP_SPINCOUNT: "1000" }), {});
});

const bin = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const doctorThreads = (args: string[], env: NodeJS.ProcessEnv) => {
  const r = spawnSync(process.execPath, [bin, "doctor", "--json", ...args], { env: { ...process.env, PLMSCALE_THREADS: "", OMP_NUM_THREADS: "", ...env }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { threads: number }).threads;
};

test("the engine applies --threads and PLMSCALE_THREADS in a real process", () => {
  assert.equal(doctorThreads(["--threads", "3"], {}), 3);
  assert.equal(doctorThreads([], { PLMSCALE_THREADS: "5" }), 5);
  assert.equal(doctorThreads([], { OMP_NUM_THREADS: "4" }), 4);
});

test("the addon loads with OMP_WAIT_POLICY=PASSIVE unless one was set", () => {
  const code = `import("${fileURLToPath(new URL("../../src/torch/native.js", import.meta.url))}").then(m => { m.loadNative(); console.log(process.env.OMP_WAIT_POLICY); })`;
  const run = (extra: NodeJS.ProcessEnv) => {
    const env = { ...process.env, ...extra };
    if (!("OMP_WAIT_POLICY" in extra)) delete env.OMP_WAIT_POLICY;
    delete env.GOMP_SPINCOUNT;
    return spawnSync(process.execPath, ["-e", code], { env, encoding: "utf8" }).stdout.trim();
  };
  assert.equal(run({}), "PASSIVE");
  assert.equal(run({ OMP_WAIT_POLICY: "ACTIVE" }), "ACTIVE");
});

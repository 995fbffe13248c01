// The tcmalloc preload helper: honours PLMSCALE_MALLOC, does not preload twice, keeps other preloads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { preloadEnv, tcmallocPath, usingTcmalloc } from "../../src/torch/allocator.js";

test("preloadEnv adds tcmalloc once, keeps other preloads, and can be turned off", () => {
  const lib = tcmallocPath();
  assert.equal(preloadEnv({ PLMSCALE_MALLOC: "default" }), null);
  assert.equal(preloadEnv({ PLMSCALE_MALLOC: "glibc" }), null);
  assert.equal(preloadEnv({ LD_PRELOAD: "/x/libtcmalloc.so" }), null, "already preloaded");
  assert.equal(usingTcmalloc({ LD_PRELOAD: "/x/libtcmalloc_minimal.so.4" }), true);
  assert.equal(usingTcmalloc({}), false);
  if (!lib) {
    assert.equal(preloadEnv({}), null, "no tcmalloc on this machine");
    return;
  }
  assert.equal(preloadEnv({})!.LD_PRELOAD, lib);
  assert.equal(preloadEnv({ LD_PRELOAD: "/other.so", FOO: "1" })!.LD_PRELOAD, `${lib}:/other.so`);
  assert.equal(preloadEnv({ FOO: "1" })!.FOO, "1");
});

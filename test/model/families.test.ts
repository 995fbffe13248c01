import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { createModel } from "../../src/model/index.js";
import { nonEmbeddingParams, paramsPerLayer, totalParams, flopsPerToken, shapeFor } from "../../src/scaling/shape.js";
import { FAMILY_NAMES, FAMILIES, paramSpecs, unitOfParam } from "../../src/scaling/families.js";
import type { ModelConfig } from "../../src/model/config.js";

const BASE = { layers: 2, dModel: 32, heads: 4, ffn: 48, vocab: 33, context: 16, dropout: 0 };

// every family × head × bias × activation: the analytic counts equal the live model's, tensor by tensor
for (const family of FAMILY_NAMES) {
  for (const head of ["esm", "linear"] as const) {
    for (const bias of [true, false]) {
      for (const activation of ["gelu", "swiglu"] as const) {
        test(`N analytic = live: ${family}, head ${head}, bias ${bias}, ${activation}`, () => {
          const cfg: ModelConfig = { ...BASE, family, head, bias, activation };
          torch.manualSeed(0);
          const m = createModel(head === "linear" ? "clm" : "mlm", cfg);
          try {
            const live = [...m.namedParameters()].map(([name, p]) => ({ name, shape: p.shape }));
            assert.deepEqual(live, paramSpecs(cfg, cfg.vocab, head));
            assert.equal(nonEmbeddingParams(cfg), m.nonEmbeddingParams());
            assert.equal(totalParams(cfg, cfg.vocab), m.numParameters());
            // units: every parameter of block i is in unit i, the rest in "root"
            for (const [name] of m.namedParameters()) assert.equal(m.unitOf(name), name.startsWith("layers.1.") ? 1 : name.startsWith("layers.0.") ? 0 : "root");
          } finally {
            m.dispose();
          }
        });
      }
    }
  }
}

test("per-layer counts by hand: esm2 GELU with biases, llama SwiGLU without", () => {
  const d = 32, f = 48;
  // q,k,v,o with biases 4(d²+d), two LayerNorms 4d, fc1 d·f+f, fc2 f·d+d
  assert.equal(paramsPerLayer(d, f), 4 * (d * d + d) + 4 * d + 2 * d * f + f + d);
  // 4d² attention, two RMSNorm weights 2d, SwiGLU gate+value 2·d·f and down f·d
  assert.equal(paramsPerLayer(d, f, { family: "llama", activation: "swiglu", bias: false }), 4 * d * d + 2 * d + 3 * d * f);
  // the final norm: LayerNorm 2d, RMSNorm d
  const s = { layers: 3, dModel: d, heads: 4, ffn: f };
  assert.equal(nonEmbeddingParams({ ...s, family: "llama", activation: "gelu", bias: true }, "linear") - 3 * paramsPerLayer(d, f, { family: "llama", activation: "gelu", bias: true }), d);
  assert.equal(nonEmbeddingParams(s, "linear") - 3 * paramsPerLayer(d, f), 2 * d);
  assert.equal(flopsPerToken({ ...s, family: "llama", activation: "swiglu", bias: false }, 8).sixN, 6 * nonEmbeddingParams({ ...s, family: "llama", activation: "swiglu", bias: false }));
});

test("unitOfParam: block index from layers.N., everything else root", () => {
  assert.equal(unitOfParam("layers.12.attn.qkv.weight"), 12);
  assert.equal(unitOfParam("layers.0.ln1.weight"), 0);
  assert.equal(unitOfParam("final_norm.weight"), "root");
  assert.equal(unitOfParam("embed.weight"), "root");
});

test("llama FFN rule: 64·⌈8d/3/64⌉; shapeFor(family llama) gives SwiGLU shapes without biases near the target", () => {
  assert.equal(FAMILIES.llama.ffnFor(320), 896); // 853.3 → 896
  assert.equal(FAMILIES.llama.ffnFor(4096), 10944); // 10922.7 → 10944 (LLaMA-7B, rounding to 256, has 11008)
  assert.equal(FAMILIES.esm2.ffnFor(320), 1280);
  for (const target of [3e5, 5e6, 1e8]) {
    const s = shapeFor(target, { family: "llama", head: "linear" });
    assert.equal(s.family, "llama");
    assert.equal(s.activation, "swiglu");
    assert.equal(s.bias, false);
    assert.equal(s.ffn, FAMILIES.llama.ffnFor(s.dModel));
    assert.ok(Math.abs(nonEmbeddingParams(s, "linear") / target - 1) <= 0.03, `${target}: ${JSON.stringify(s)}`);
  }
  // esm2 shapes stay bare (as stored runs)
  assert.deepEqual(Object.keys(shapeFor(5e6)).sort(), ["dModel", "ffn", "heads", "layers"]);
});

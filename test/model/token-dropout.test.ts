// Token dropout (ESM-2): hidden states with it on equal those of the same weights with it off whose embedding
// rows are scaled by (1 − 0.15·0.8)/(1 − r) and whose <mask> row is zero, r being each sequence's mask ratio.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/torch/index.js";
import { createModel, type ProteinLM } from "../../src/model/index.js";
import { encode, MASK, PAD } from "../../src/data/tokenizer.js";
import { attentionMask } from "../../src/model/mask.js";
import type { ModelConfig } from "../../src/model/config.js";

const CFG: ModelConfig = { layers: 2, dModel: 32, heads: 4, ffn: 64, vocab: 33, context: 64, activation: "gelu", bias: true, dropout: 0 };

function inputs(rows: number[][], positions: number[][], segments?: number[][]) {
  const T = rows[0]!.length;
  return {
    input: torch.tensor(Int32Array.from(rows.flat()), [rows.length, T], { dtype: "int64" }),
    position: torch.tensor(Int32Array.from(positions.flat()), [rows.length, T], { dtype: "int64" }),
    mask: segments ? attentionMask(Int32Array.from(segments.flat()), rows.length, T, false, "cpu") : null,
  };
}

/** the same weights without token dropout and with the embedding scaled by `scale`, <mask> row zeroed */
function scaledTwin(on: ProteinLM, scale: number): ProteinLM {
  const off = createModel("mlm", { ...CFG, tokenDropout: false }).eval();
  torch.noGrad(() => {
    off.loadStateDict(on.stateDict());
    torch.tidy(() => {
      off.embed.weight.mul_(scale);
      off.embed.weight.select(0, MASK).zero_();
    });
  });
  return off;
}

function hidden(m: ProteinLM, x: ReturnType<typeof inputs>): Float32Array {
  return torch.noGrad(() => torch.tidy(() => new Float32Array(m.hidden(x).contiguous().bytes().slice().buffer)));
}

function close(a: Float32Array, b: Float32Array, tol = 1e-5): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.ok(worst < tol, `max diff ${worst}`);
  return worst;
}

test("token dropout scales by 0.88/(1 − r) per sequence and zeroes <mask> embeddings", () => {
  torch.manualSeed(3);
  const on = createModel("mlm", { ...CFG, tokenDropout: true }).eval();
  const ids = [...encode("MKTAYIAKQRQISFVKSH")]; // 20 tokens
  const pos = ids.map((_, i) => i);
  // no masks: every embedding scaled by 0.88
  close(hidden(on, inputs([ids], [pos])), hidden(scaledTwin(on, 0.88), inputs([ids], [pos])));
  // 4 of 20 tokens masked: r = 0.2, scale 0.88 / 0.8 = 1.1
  const masked = ids.map((x, i) => ([2, 5, 6, 11].includes(i) ? MASK : x));
  close(hidden(on, inputs([masked], [pos])), hidden(scaledTwin(on, 0.88 / 0.8), inputs([masked], [pos])));
  // and the option matters: without it the hidden states differ
  const plain = createModel("mlm", { ...CFG, tokenDropout: false }).eval();
  torch.noGrad(() => plain.loadStateDict(on.stateDict()));
  const a = hidden(on, inputs([masked], [pos])), b = hidden(plain, inputs([masked], [pos]));
  assert.ok(a.some((v, i) => Math.abs(v - b[i]!) > 1e-3));
});

test("token dropout in packed rows: each sequence uses its own mask ratio; padding is not counted", () => {
  torch.manualSeed(4);
  const on = createModel("mlm", { ...CFG, tokenDropout: true }).eval();
  const s1 = [...encode("MKTAYIAKQR")].map((x, i) => (i === 3 ? MASK : x)); // 12 tokens, 1 mask
  const s2 = [...encode("GSHMLEDPVDAFQ")].map((x, i) => ([1, 2, 4].includes(i) ? MASK : x)); // 15 tokens, 3 masks
  const row = [...s1, ...s2, PAD, PAD, PAD];
  const pos = [...s1.map((_, i) => i), ...s2.map((_, i) => i), 0, 0, 0];
  const seg = [...s1.map(() => 1), ...s2.map(() => 2), 0, 0, 0];
  const packed = hidden(on, inputs([row], [pos], [seg]));
  const D = CFG.dModel;
  const alone1 = hidden(on, inputs([s1], [s1.map((_, i) => i)]));
  const alone2 = hidden(on, inputs([s2], [s2.map((_, i) => i)]));
  close(packed.subarray(0, s1.length * D), alone1);
  close(packed.subarray(s1.length * D, (s1.length + s2.length) * D), alone2);
  // and the second alone follows the formula with r = 3/15
  close(alone2, hidden(scaledTwin(on, 0.88 / (1 - 3 / 15)), inputs([s2], [s2.map((_, i) => i)])));
});

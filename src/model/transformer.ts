// The trunk both families share: token embedding → pre-LN blocks → final LayerNorm → LM head
// (dense → GELU → LayerNorm → decoder tied to the embedding, plus a bias). ESM-2's layout; the CLM uses the
// same modules with a causal mask, so every weight maps one to one between objectives (transfer).
//
// Parameter names (dotted, as in checkpoints):
//   embed.weight [V, D]                       (tied with the decoder)
//   layers.{i}.ln1.{weight,bias}, layers.{i}.attn.qkv.{weight [3D, D], bias}, layers.{i}.attn.out.{weight,bias}
//   layers.{i}.ln2.{weight,bias}, layers.{i}.ffn.fc1.{weight [F, D], bias}, layers.{i}.ffn.fc2.{weight [D, F], bias}
//   final_norm.{weight,bias}, head.dense.{weight,bias}, head.norm.{weight,bias}, head.bias [V]
//   (cfg.head "linear": no head.* parameters; logits = final hidden · embedᵀ, GPT-NeoX's tied head)
// Init (as Hugging Face EsmPreTrainedModel._init_weights): every matrix and the embedding N(0, 0.02), the
// padding row of the embedding 0, biases 0, LayerNorm weights 1.
import { F, nn, Tensor, tidy, noGrad, normal_, zeros } from "../torch/index.js";
import { tokenDropout } from "./token-dropout.js";
import { Block, type AttentionLayout } from "./block.js";
import { rotaryTables, type RotaryTables } from "./rotary.js";
import type { ModelConfig } from "./config.js";
import { blockShapeOf, makeNorm, unitOf, type Norm } from "./families.js";
import { blockOf } from "../scaling/families.js";

export const PAD_ID = 1;

export interface ModelInputs {
  input: Tensor; // [B, T] int64 token ids
  position: Tensor; // [B, T] int64 positions within each sequence
  /** [B, 1, T, T] bool mask, segment spans of packed rows (CPU: attention within each sequence, no mask), or
   *  null for rows that hold one sequence each */
  mask: AttentionLayout;
  /** int64 [n]: the flat positions (of B·T) that have a target, when few do (MLM: ~15%); the loss then runs
   *  the head on those rows only (lossSumFromHidden). Absent: every position goes through the head. */
  targetRows?: Tensor | null;
}

class LmHead extends nn.Module {
  readonly dense: nn.Linear;
  readonly norm: nn.LayerNorm;
  readonly bias: Tensor;
  constructor(d: number, vocab: number, device: string) {
    super();
    this.dense = this.registerModule("dense", new nn.Linear(d, d, true, { device }));
    this.norm = this.registerModule("norm", new nn.LayerNorm(d, 1e-5, true, true, { device }));
    this.bias = this.registerParameter("bias", zeros([vocab], { device }));
  }
  /** h [B, T, D] → logits [B, T, V] */
  forward(h: Tensor, embedWeight: Tensor): Tensor {
    return tidy(() => F.linear(this.norm.forward(F.gelu(this.dense.forward(h))), embedWeight, this.bias));
  }
}

export class ProteinLM extends nn.Module {
  readonly embed: nn.Embedding;
  readonly layers: nn.ModuleList<Block>;
  readonly final_norm: Norm;
  /** null for cfg.head "linear" */
  readonly head: LmHead | null;
  /** dtype of the rotary tables: bfloat16 under CUDA autocast so q/k stay in bf16 */
  computeDtype: "float32" | "bfloat16" = "float32";

  constructor(readonly cfg: ModelConfig, readonly causal: boolean, readonly device = "cpu") {
    super();
    const d = cfg.dModel;
    this.embed = this.registerModule("embed", new nn.Embedding(cfg.vocab, d, PAD_ID, { device }));
    const blocks: Block[] = [];
    for (let i = 0; i < cfg.layers; i++) {
      blocks.push(new Block(blockShapeOf(cfg, device)));
    }
    this.layers = this.registerModule("layers", new nn.ModuleList(blocks));
    this.final_norm = this.registerModule("final_norm", makeNorm(blockOf(cfg).norm, d, device));
    this.head = cfg.head === "linear" ? null : this.registerModule("head", new LmHead(d, cfg.vocab, device));
    this.initWeights();
  }

  /** ESM-2 / HF init (see the header). Uses the global RNG: seed with manualSeed first. */
  initWeights(): void {
    noGrad(() =>
      tidy(() => {
        for (const [name, p] of this.namedParameters()) {
          if (p.ndim === 2) normal_(p, 0, 0.02);
          else if (name.endsWith("bias")) p.zero_();
        }
        this.embed.weight.select(0, PAD_ID).zero_();
      }),
    );
  }

  /** Final hidden states after the final LayerNorm: [B, T, D] (embeddings for inference). With an
   *  attentionSink, every layer takes the explicit attention path and pushes its weights [B, H, T, T] (kept:
   *  the caller disposes them), in layer order. */
  hidden(x: ModelInputs, attentionSink?: Tensor[]): Tensor {
    return tidy(() => {
      const rope = this.rotary(x);
      let h = this.embedInputs(x);
      for (const block of this.layers) {
        const next = block.forward(h, rope, x.mask, this.causal, attentionSink);
        h.dispose(); // activations the graph needs stay alive inside libtorch
        h = next;
      }
      return this.final_norm.forward(h);
    });
  }

  /** The rotary tables [B, 1, T, Dh] every block of a forward shares. */
  rotary(x: ModelInputs): RotaryTables {
    return rotaryTables(x.position, this.cfg.dModel / this.cfg.heads, this.computeDtype);
  }

  /** The unit (activation checkpointing, ZeRO-3) a parameter belongs to: its block index, or "root". */
  unitOf(name: string): number | "root" {
    return unitOf(name);
  }

  /** The blocks' input [B, T, D]: token embeddings, ESM-2's token dropout when configured, dropout in training. */
  embedInputs(x: ModelInputs): Tensor {
    return tidy(() => {
      let h = this.embed.forward(x.input); // [B, T, D]
      if (this.cfg.tokenDropout) h = tokenDropout(h, x.input, x.position);
      if (this.training && this.cfg.dropout > 0) h = F.dropout(h, this.cfg.dropout, true);
      return h;
    });
  }

  /** Logits [B, T, V] from final hidden states (after final_norm): the ESM head, or the tied linear one. */
  logits(hidden: Tensor): Tensor {
    return this.head ? this.head.forward(hidden, this.embed.weight) : F.linear(hidden, this.embed.weight);
  }

  /** Logits [B, T, V]. */
  forward(x: ModelInputs): Tensor {
    return tidy(() => this.logits(this.hidden(x)));
  }

  /** Summed cross entropy over positions whose target is not −100 (target [B*T] int64). */
  lossSum(x: ModelInputs, target: Tensor): Tensor {
    return tidy(() => this.lossSumFromHidden(this.hidden(x), target, x.targetRows));
  }

  /**
   * Summed cross entropy from final hidden states [B, T, D] (after final_norm) against target [B*T]. With
   * targetRows only those rows go through the head: the head and the loss act per position, so the sum is
   * the same, but an MLM (15% of positions have a target) skips the head's d×d dense layer, GELU, LayerNorm
   * and vocabulary projection, forward and backward, for the other 85%.
   */
  lossSumFromHidden(hidden: Tensor, target: Tensor, targetRows?: Tensor | null): Tensor {
    return tidy(() => {
      const V = this.cfg.vocab;
      const flat = hidden.reshape(-1, hidden.size(-1)); // [B*T, D]
      const rows = targetRows ? flat.indexSelect(0, targetRows) : flat; // [n, D]
      const wanted = targetRows ? target.indexSelect(0, targetRows) : target; // [n]
      const logits = this.logits(rows); // [n, V]
      return F.crossEntropy(logits.to("float32"), wanted, { reduction: "sum", ignoreIndex: -100 });
    });
  }

  /** Non-embedding parameters N (the paper's convention): all but the tied embedding and the decoder bias.
   *  Construct on the target device (`device` argument): nn.Module.to() swaps tensors behind the typed fields. */
  nonEmbeddingParams(): number {
    return this.numParameters() - this.embed.weight.numel - (this.head ? this.head.bias.numel : 0);
  }
}

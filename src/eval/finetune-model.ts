// A fine-tuned predictor: the pretrained model (frozen), an optional LoRA adapter, and a linear head on the
// final hidden states — pooled (mean over residues, <cls>/<eos>/padding excluded) or per residue. Regression
// targets are learnt standardised and mapped back. Saved as one safetensors file (adapter + head tensors,
// settings in the metadata) that loads onto the same pretrained model.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { PAD_ID } from "../model/transformer.js";
import { attentionMask } from "../model/mask.js";
import { encode } from "../data/tokenizer.js";
import { UserError } from "../core/errors.js";
import { LoraAdapter, type LoraConfig } from "./lora.js";
import type { TaskKind } from "./finetune-data.js";

export interface HeadConfig {
  task: TaskKind;
  perResidue: boolean;
  /** 1 for regression, number of classes otherwise */
  outputs: number;
  classes: string[];
  /** regression: targets are standardised with these */
  targetMean: number;
  targetStd: number;
  lora: LoraConfig | null;
}

/** Padded token batch [B, T]: `<cls> seq <eos> <pad>…`, segment −1 on padding. */
export function tokenBatch(model: ProteinLM, seqs: string[]): { input: torch.Tensor; position: torch.Tensor; mask: torch.Tensor | null; T: number } {
  const T = Math.max(...seqs.map((s) => s.length)) + 2;
  if (T > model.cfg.context) throw new UserError(`a sequence of ${T - 2} residues exceeds the model's context (${model.cfg.context - 2})`);
  const B = seqs.length, ids = new Int32Array(B * T).fill(PAD_ID), pos = new Int32Array(B * T), seg = new Int32Array(B * T).fill(-1);
  seqs.forEach((s, b) => {
    ids.set(encode(s), b * T);
    for (let t = 0; t < s.length + 2; t++) (pos[b * T + t] = t), (seg[b * T + t] = 0);
  });
  const device = model.device;
  return {
    input: torch.tensor(ids, [B, T], { dtype: "int64", device }),
    position: torch.tensor(pos, [B, T], { dtype: "int64", device }),
    mask: attentionMask(seg, B, T, false, device),
    T,
  };
}

export class FinetuneModel {
  readonly head: torch.nn.Linear;
  readonly adapter: LoraAdapter | null;

  constructor(readonly model: ProteinLM, readonly config: HeadConfig) {
    this.head = new torch.nn.Linear(model.cfg.dModel, config.outputs, true, { device: model.device });
    this.adapter = config.lora ? new LoraAdapter(model, config.lora).attach() : null;
  }

  /** Trainable tensors: the head, and the adapter if any. */
  parameters(): torch.Tensor[] {
    return [...this.head.parameters(), ...(this.adapter?.parameters() ?? [])];
  }

  /** Outputs for a batch: pooled [B, outputs], or per residue [Σ L_b, outputs] in row order. */
  forward(seqs: string[]): torch.Tensor {
    return torch.tidy(() => this.head.forward(this.headInputs(seqs)));
  }

  /** What the head sees: mean hidden state over residues [B, D], or every residue's [Σ L_b, D]. */
  headInputs(seqs: string[]): torch.Tensor {
    return torch.tidy(() => {
      const { input, position, mask, T } = tokenBatch(this.model, seqs);
      const h = this.model.hidden({ input, position, mask }).to("float32"); // [B, T, D]
      const B = seqs.length, device = h.device;
      const w = new Float32Array(B * T);
      seqs.forEach((s, b) => w.fill(this.config.perResidue ? 1 : 1 / s.length, b * T + 1, b * T + 1 + s.length));
      if (!this.config.perResidue) return torch.tensor(w, [B, 1, T], { device }).matmul(h).squeeze(1); // [B, D]
      const keep = torch.tensor(Uint8Array.from(w, (v) => (v > 0 ? 1 : 0)), [B * T], { dtype: "bool", device });
      const idx = torch.arange(0, B * T, 1, { device }).index([keep]);
      return h.reshape(B * T, -1).indexSelect(0, idx); // [Σ L, D]
    });
  }

  /** Predictions in target units: regression values, or class ids; pooled: one per sequence, else per residue. */
  predict(seqs: string[], batch = 16): number[][] {
    const out: number[][] = [];
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      for (let i = 0; i < seqs.length; i += batch) {
        const chunk = seqs.slice(i, i + batch);
        const flat = torch.noGrad(() => torch.tidy(() => {
          const y = this.forward(chunk);
          return this.config.task === "regression" ? y.squeeze(-1).mul(this.config.targetStd).add(this.config.targetMean).toArray() : y.argmax(-1).toArray();
        }));
        let at = 0;
        for (const s of chunk) {
          const n = this.config.perResidue ? s.length : 1;
          out.push(flat.slice(at, at + n));
          at += n;
        }
      }
    } finally {
      this.model.train(wasTraining);
    }
    return out;
  }

  /** Copies of the trainable tensors (for keeping the best epoch). */
  snapshot(): Map<string, torch.Tensor> {
    return torch.noGrad(() => torch.keep(torch.tidy(() => new Map([...this.namedTrainable()].map(([k, t]) => [k, t.detach().clone()])))));
  }

  restore(state: Map<string, torch.Tensor>, file = "<state>"): void {
    const head = new Map([...state].filter(([k]) => k.startsWith("head.")).map(([k, t]) => [k.slice(5), t]));
    this.head.loadStateDict(head);
    this.adapter?.loadStateDict(state, file);
  }

  private namedTrainable(): Map<string, torch.Tensor> {
    return new Map([...this.head.namedParameters("head."), ...(this.adapter?.stateDict() ?? [])]);
  }

  save(file: string): void {
    torch.saveSafetensors(file, this.namedTrainable(), { plmscale_finetune: JSON.stringify(this.config) });
  }

  /** A predictor from a saved file, on `model` (the same pretrained weights it was trained on). */
  static load(model: ProteinLM, file: string): FinetuneModel {
    const { tensors, metadata } = torch.loadSafetensors(file, { device: model.device });
    const meta = metadata?.plmscale_finetune;
    if (!meta) throw new UserError(`${file}: not a plmscale fine-tuning file (no plmscale_finetune metadata)`);
    const fm = new FinetuneModel(model, JSON.parse(meta) as HeadConfig);
    try {
      fm.restore(tensors, file);
    } finally {
      for (const t of tensors.values()) t.dispose();
    }
    return fm;
  }

  /** Fold the adapter into the model's weights (adapter-free inference with the same predictions). */
  mergeAdapter(): void {
    this.adapter?.merge();
  }

  dispose(): void {
    this.head.dispose();
    this.adapter?.dispose();
  }
}

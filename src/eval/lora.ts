// LoRA (Hu et al. 2021): a frozen linear map W gains a trainable low-rank update,
//   y = W x + b + (α/r) · B A x,   A [r, in] ~ U(±1/√in) (nn.Linear's init), B [out, r] = 0,
// so the adapted model starts exactly at the pretrained one. Adapters go on the attention (qkv, out) and FFN
// (fc1, fc2) projections of every block — the paper's fine-tuning protocol. The model's files stay untouched:
// attaching wraps the chosen Linear instances' forward; merging folds (α/r)·B·A into W for adapter-free
// inference (identical predictions), and adapters save to / load from safetensors with their settings.
import * as torch from "../torch/index.js";
import type { ProteinLM } from "../model/index.js";
import { UserError } from "../core/errors.js";

export type LoraTarget = "qkv" | "out" | "fc1" | "fc2";
export const ALL_TARGETS: readonly LoraTarget[] = ["qkv", "out", "fc1", "fc2"];

export interface LoraConfig {
  rank: number;
  alpha: number;
  targets: LoraTarget[];
}

/** Linears that carry an attached adapter (one adapter per model at a time). */
const ATTACHED = new WeakSet<torch.nn.Linear>();

interface Slot {
  name: string;
  linear: torch.nn.Linear;
  A: torch.Tensor;
  B: torch.Tensor;
  original: (x: torch.Tensor) => torch.Tensor;
}

/** The Linear modules LoRA adapts, by dotted parameter prefix (layers.{i}.attn.qkv, …). */
function targetLinears(model: ProteinLM, targets: readonly LoraTarget[]): [string, torch.nn.Linear][] {
  const out: [string, torch.nn.Linear][] = [];
  model.layers.items.forEach((block, i) => {
    for (const t of targets) {
      const lin = t === "qkv" || t === "out" ? block.attn[t] : block.ffn[t];
      out.push([`layers.${i}.${t === "qkv" || t === "out" ? "attn" : "ffn"}.${t}`, lin]);
    }
  });
  return out;
}

export class LoraAdapter {
  private readonly slots: Slot[] = [];
  private attached = false;

  /** New adapter (A random, B zero) for `model`'s shapes, on its device; call attach() to use it. */
  constructor(readonly model: ProteinLM, readonly config: LoraConfig) {
    if (!Number.isInteger(config.rank) || config.rank < 1) throw new UserError(`--lora-rank must be a positive integer (got ${config.rank})`);
    const device = model.device;
    for (const [name, linear] of targetLinears(model, config.targets)) {
      const [outF, inF] = linear.weight.shape as [number, number];
      const bound = 1 / Math.sqrt(inF);
      const A = torch.keep(torch.noGrad(() => torch.uniform_(torch.empty([config.rank, inF], { device }), -bound, bound))).requiresGrad_(true);
      const B = torch.keep(torch.zeros([outF, config.rank], { device })).requiresGrad_(true);
      this.slots.push({ name, linear, A, B, original: torch.nn.Linear.prototype.forward.bind(linear) });
    }
  }

  get scale(): number {
    return this.config.alpha / this.config.rank;
  }

  /** Trainable tensors (A and B of every slot). */
  parameters(): torch.Tensor[] {
    return this.slots.flatMap((s) => [s.A, s.B]);
  }

  /** Route the adapted Linears through W x + b + scale·B(A x). */
  attach(): this {
    if (this.attached) return this;
    if (this.slots.some((s) => ATTACHED.has(s.linear))) throw new Error("another LoRA adapter is attached to this model; detach it first");
    const scale = this.scale;
    for (const s of this.slots) {
      ATTACHED.add(s.linear);
      s.linear.forward = (x: torch.Tensor) => torch.tidy(() => s.original(x).add(torch.F.linear(torch.F.linear(x, s.A), s.B).mul(scale)));
    }
    this.attached = true;
    return this;
  }

  /** Restore the plain Linears. */
  detach(): this {
    if (!this.attached) return this;
    for (const s of this.slots) (s.linear.forward = s.original), ATTACHED.delete(s.linear);
    this.attached = false;
    return this;
  }

  /** W ← W + scale·B·A in the model's own weights, then detach (the model now predicts like the adapter path). */
  merge(): void {
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const s of this.slots) s.linear.weight.add_(s.B.mm(s.A).mul(this.scale));
      }),
    );
    this.detach();
  }

  /** Named tensors for saving: `{slot}.lora_A`, `{slot}.lora_B`. */
  stateDict(): Map<string, torch.Tensor> {
    return new Map(this.slots.flatMap((s) => [[`${s.name}.lora_A`, s.A], [`${s.name}.lora_B`, s.B]] as [string, torch.Tensor][]));
  }

  /** Copy tensors by name (shapes must match; every slot must be present). */
  loadStateDict(state: Map<string, torch.Tensor>, file = "<adapter>"): void {
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const s of this.slots) {
          for (const [key, dst] of [[`${s.name}.lora_A`, s.A], [`${s.name}.lora_B`, s.B]] as [string, torch.Tensor][]) {
            const src = state.get(key);
            if (!src) throw new UserError(`${file}: adapter tensor ${key} is missing`);
            if (src.shape.join(",") !== dst.shape.join(",")) throw new UserError(`${file}: ${key} has shape [${src.shape}], the model needs [${dst.shape}]`);
            dst.copy_(src);
          }
        }
      }),
    );
  }

  dispose(): void {
    this.detach();
    for (const s of this.slots) s.A.dispose(), s.B.dispose();
  }
}

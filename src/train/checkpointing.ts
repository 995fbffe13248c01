// Activation checkpointing per transformer block (Chen et al. 2016, "Training Deep Nets with Sublinear Memory
// Cost"), without autograd hooks: the forward runs every block under no-grad and keeps only each block's
// input; the head's loss is backpropagated to the last hidden state; then, for blocks last → first, the block
// is recomputed with grad from its saved input, backpropagated with the incoming gradient, and its graph
// freed. Memory: L block inputs + one block's activations instead of L blocks' activations; compute: one more
// forward of the blocks (~1/3 more per step). The gradients are those of the ordinary backward up to float
// summation order. Dropout inside blocks would draw different masks when recomputed, so it is refused.
//
// The same walk over the model's units (blocks 0..L−1 and the "root": embedding, final norm, head) is what
// fully sharded training needs (ZeRO-3, src/train/fsdp.ts): `UnitHooks` are called where a unit's parameters
// must be present (gather), may go (release), where its gradients start accumulating (prepareGrads) and where
// they are complete for this micro-batch (gradsReady: reduce-scatter, then free). Without hooks this is plain
// activation checkpointing. With `x` null the walk makes only the hook calls (an idle micro-batch: a rank
// with fewer rows must take part in the same collectives as the others).
import * as torch from "../torch/index.js";
import type { ProteinLM, ModelInputs } from "../model/index.js";

/** A block index, or the rest of the model (embedding, final norm, head). */
export type Unit = number | "root";

export interface UnitHooks {
  /** the unit's parameters must be present (before its forward or its recomputation) */
  gather(u: Unit): void;
  /** after a forward under no-grad: the unit's parameters may go */
  release(u: Unit): void;
  /** before the unit's backward: where its parameters' gradients accumulate */
  prepareGrads(u: Unit): void;
  /** after the unit's backward in this micro-batch: its gradients are complete (and its parameters may go) */
  gradsReady(u: Unit): void;
}

const NO_HOOKS: UnitHooks = { gather() {}, release() {}, prepareGrads() {}, gradsReady() {} };

function refuseDropout(model: ProteinLM): void {
  if (model.training && model.cfg.dropout > 0) throw new Error("activation checkpointing (and --shard full) with dropout > 0 is not supported (the recomputed masks would differ)");
}

/** Summed loss of a micro-batch; its gradient, scaled by 1/denom, is accumulated into the parameters (or, with
 * hooks, wherever prepareGrads points them). x null: an idle micro-batch (hook calls only), returns 0. */
export function checkpointedLossBackward(
  model: ProteinLM, x: ModelInputs | null, target: torch.Tensor | null, denom: number, autocast: boolean, hooks: UnitHooks = NO_HOOKS,
): number {
  refuseDropout(model);
  const L = model.layers.length;
  const run = <T>(fn: () => T): T => (autocast ? torch.autocast(fn, "bfloat16") : fn());
  return torch.tidy(() => {
    hooks.gather("root");
    hooks.prepareGrads("root");
    const rope = x ? model.rotary(x) : null;
    const embedded = x ? run(() => model.embedInputs(x)) : null; // keeps its (small) graph to the embedding
    const inputs: torch.Tensor[] = embedded ? [embedded.detach()] : [];
    torch.noGrad(() => {
      for (let i = 0; i < L; i++) {
        hooks.gather(i);
        if (x) inputs.push(run(() => model.layers.at(i).forward(inputs.at(-1)!, rope!, x.mask, model.causal)));
        hooks.release(i);
      }
    });
    let value = 0;
    let grad: torch.Tensor | null = null;
    if (x) {
      // the head and the loss with grad, from the last hidden state as a leaf
      const last = inputs.pop()!.detach().requiresGrad_(true);
      const loss = run(() => model.lossSumFromHidden(model.final_norm.forward(last), target!, x.targetRows));
      value = loss.item();
      loss.div(denom).backward();
      grad = last.grad!;
    }
    for (let i = L - 1; i >= 0; i--) {
      hooks.gather(i);
      hooks.prepareGrads(i);
      if (x) {
        grad = torch.tidy(() => {
          const xin = inputs[i]!.detach().requiresGrad_(true);
          const y = run(() => model.layers.at(i).forward(xin, rope!, x.mask, model.causal));
          y.backward(grad!);
          return xin.grad!; // returned from the tidy: it stays alive until the outer scope ends (keep() would leak it)
        });
        inputs[i]!.dispose();
      }
      hooks.gradsReady(i);
    }
    embedded?.backward(grad!);
    hooks.gradsReady("root");
    return value;
  });
}

/** Summed loss of a micro-batch without gradients, block by block (hooks gather and release each unit around
 * its use). x null: an idle micro-batch (hook calls only), returns 0. */
export function blockwiseLossSum(model: ProteinLM, x: ModelInputs | null, target: torch.Tensor | null, autocast: boolean, hooks: UnitHooks = NO_HOOKS): number {
  const run = <T>(fn: () => T): T => (autocast ? torch.autocast(fn, "bfloat16") : fn());
  return torch.noGrad(() =>
    torch.tidy(() => {
      hooks.gather("root");
      const rope = x ? model.rotary(x) : null;
      let h = x ? run(() => model.embedInputs(x)) : null;
      for (let i = 0; i < model.layers.length; i++) {
        hooks.gather(i);
        if (x) {
          const next = run(() => model.layers.at(i).forward(h!, rope!, x.mask, model.causal));
          h!.dispose();
          h = next;
        }
        hooks.release(i);
      }
      let value = 0;
      if (x) {
        value = run(() => model.lossSumFromHidden(model.final_norm.forward(h!), target!, x.targetRows)).item();
      }
      hooks.release("root");
      return value;
    }),
  );
}

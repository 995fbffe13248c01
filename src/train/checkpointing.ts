// Activation checkpointing per transformer block (Chen et al. 2016, "Training Deep Nets with Sublinear Memory
// Cost"), without autograd hooks: the forward runs every block under no-grad and keeps only each block's
// input; the head's loss is backpropagated to the last hidden state; then, for blocks last → first, the block
// is recomputed with grad from its saved input, backpropagated with the incoming gradient, and its graph
// freed. Memory: L block inputs + one block's activations instead of L blocks' activations; compute: one more
// forward of the blocks (~1/3 more per step). The gradients are those of the ordinary backward up to float
// summation order. Dropout inside blocks would draw different masks when recomputed, so it is refused.
import * as torch from "../torch/index.js";
import type { ProteinLM, ModelInputs } from "../model/index.js";
import { rotaryTables } from "../model/rotary.js";

/** Summed loss of a micro-batch; its gradient, scaled by 1/denom, is accumulated into the parameters. */
export function checkpointedLossBackward(model: ProteinLM, x: ModelInputs, target: torch.Tensor, denom: number, cuda: boolean): number {
  if (model.training && model.cfg.dropout > 0) throw new Error("activation checkpointing with dropout > 0 is not supported (the recomputed masks would differ)");
  const run = <T>(fn: () => T): T => (cuda ? torch.autocast(fn, "bfloat16") : fn());
  return torch.tidy(() => {
    const Dh = model.cfg.dModel / model.cfg.heads;
    const rope = rotaryTables(x.position, Dh, model.computeDtype);
    const embedded = run(() => model.embedInputs(x)); // keeps its (small) graph to the embedding
    const inputs: torch.Tensor[] = [embedded.detach()];
    torch.noGrad(() => {
      for (const block of model.layers) inputs.push(run(() => block.forward(inputs.at(-1)!, rope, x.mask, model.causal)));
    });
    // the head and the loss with grad, from the last hidden state as a leaf
    const last = inputs.pop()!.detach().requiresGrad_(true);
    const loss = run(() => {
      const logits = model.logits(model.final_norm.forward(last));
      return torch.F.crossEntropy(logits.reshape(-1, model.cfg.vocab).to("float32"), target, { reduction: "sum", ignoreIndex: -100 });
    });
    const value = loss.item();
    loss.div(denom).backward();
    let grad = last.grad!;
    const blocks = [...model.layers];
    for (let i = blocks.length - 1; i >= 0; i--) {
      grad = torch.tidy(() => {
        const xin = inputs[i]!.detach().requiresGrad_(true);
        const y = run(() => blocks[i]!.forward(xin, rope, x.mask, model.causal));
        y.backward(grad);
        return torch.keep(xin.grad!);
      });
      inputs[i]!.dispose();
    }
    embedded.backward(grad);
    return value;
  });
}

// nn basics: Module (named parameters, buffers, children; stateDict / loadStateDict with dotted names),
// Linear, Embedding, LayerNorm, Dropout, ModuleList. Parameters are kept tensors owned by their module:
// module.dispose() releases them. Initialisation follows PyTorch's defaults.
import { Tensor } from "./tensor.js";
import { empty, normal_, ones, uniform_, zeros } from "./create.js";
import { keep, tidy } from "./scope.js";
import { noGrad } from "./autograd.js";
import * as F from "./functional.js";
import type { DType } from "./dtype.js";

export interface ParamOptions {
  dtype?: DType;
  device?: string;
}

export class Module {
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _children = new Map<string, Module>();

  /** Register a trainable tensor (marked requires_grad and kept out of scopes). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    if (name.includes(".")) throw new Error(`parameter name '${name}' must not contain '.'`);
    keep(t);
    t.requiresGrad_(true);
    this._params.set(name, t);
    return t;
  }
  /** Register a non-trainable tensor that is saved in the state dict (e.g. rotary tables). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    keep(t);
    this._buffers.set(name, t);
    return t;
  }
  protected registerModule<M extends Module>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  /** [dotted name, parameter] in registration order, children depth-first. */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this._params) out.push([prefix + n, p]);
    for (const [n, c] of this._children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  namedBuffers(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this._buffers) out.push([prefix + n, b]);
    for (const [n, c] of this._children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }
  children(): [string, Module][] {
    return [...this._children];
  }
  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.numel, 0);
  }

  train(on = true): this {
    this.training = on;
    for (const c of this._children.values()) c.train(on);
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by dotted name (the module's own tensors, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copy values into this module's tensors by dotted name (dtype converted, shapes must match).
   * strict: every name must be present on both sides.
   */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, strict = true): { missing: string[]; unexpected: string[] } {
    const src = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !src.has(k));
    const unexpected = [...src.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(`loadStateDict: missing [${missing.join(", ")}], unexpected [${unexpected.join(", ")}]`);
    }
    noGrad(() =>
      tidy(() => {
        for (const [k, dst] of own) {
          const s = src.get(k);
          if (!s) continue;
          if (s.shape.join(",") !== dst.shape.join(",")) {
            throw new Error(`loadStateDict: '${k}' has shape [${s.shape}] but the module expects [${dst.shape}]`);
          }
          dst.copy_(s);
        }
      }),
    );
    return { missing, unexpected };
  }

  /** Drop every parameter's gradient (set_to_none). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Move parameters and buffers to a device/dtype in place of the old tensors. */
  to(deviceOrDtype: string): this {
    const move = (m: Map<string, Tensor>, param: boolean) => {
      for (const [n, t] of m) {
        const moved = noGrad(() => {
          const a = t.to(deviceOrDtype);
          const d = a.detach();
          a.dispose();
          return d;
        });
        keep(moved);
        if (param) moved.requiresGrad_(true);
        t.dispose();
        m.set(n, moved);
        // typed fields (Linear.weight, …) hold the old wrapper: point them at the moved tensor
        for (const k of Object.keys(this)) {
          if ((this as Record<string, unknown>)[k] === t) (this as Record<string, unknown>)[k] = moved;
        }
      }
    };
    move(this._params, true);
    move(this._buffers, false);
    for (const c of this._children.values()) c.to(deviceOrDtype);
    return this;
  }

  /** Release all parameters and buffers (the module is unusable afterwards). */
  dispose(): void {
    for (const p of this._params.values()) p.dispose();
    for (const b of this._buffers.values()) b.dispose();
    for (const c of this._children.values()) c.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** y = x Wᵀ + b, weight [out, in]; init U(-1/√in, 1/√in) as torch.nn.Linear. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, bias = true, opts: ParamOptions = {}) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter("weight", uniform_(empty([outFeatures, inFeatures], opts), -bound, bound));
    this.bias = bias ? this.registerParameter("bias", uniform_(empty([outFeatures], opts), -bound, bound)) : null;
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias); // [..., out]
  }
}

/** Lookup table [num, dim]; init N(0, 1) as torch.nn.Embedding (padding row zeroed). */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly numEmbeddings: number, readonly dim: number, readonly paddingIdx = -1, opts: ParamOptions = {}) {
    super();
    const w = normal_(empty([numEmbeddings, dim], opts), 0, 1);
    if (paddingIdx >= 0) tidy(() => { w.select(0, paddingIdx).zero_(); });
    this.weight = this.registerParameter("weight", w);
  }
  forward(ids: Tensor): Tensor {
    return F.embedding(this.weight, ids, this.paddingIdx); // [..., dim]
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  constructor(readonly dim: number, readonly eps = 1e-5, affine = true, bias = true, opts: ParamOptions = {}) {
    super();
    this.weight = affine ? this.registerParameter("weight", ones([dim], opts)) : null;
    this.bias = affine && bias ? this.registerParameter("bias", zeros([dim], opts)) : null;
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, [this.dim], this.weight, this.bias, this.eps);
  }
}

/** RMSNorm with a learned weight (ones at init) and no bias: F.rmsNorm. */
export class RMSNorm extends Module {
  readonly weight: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-6, opts: ParamOptions = {}) {
    super();
    this.weight = this.registerParameter("weight", ones([dim], opts));
  }
  forward(x: Tensor): Tensor {
    return F.rmsNorm(x, this.weight, this.eps);
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

/** An indexed list of modules; names "0", "1", … in the state dict. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[] = [];
  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.push(m);
  }
  push(m: M): void {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
  }
  get length(): number {
    return this.items.length;
  }
  at(i: number): M {
    return this.items[i]!;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

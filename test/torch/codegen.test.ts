// The generated op wrappers are current, the schema parser is right, and the checked-in schemas agree with
// the linked libtorch's argument order (so positional calls stay valid across libtorch versions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generate, parseSchema, readSchemaList, wrapperName } from "../../src/torch/codegen.js";
import * as torch from "../../src/torch/index.js";
import * as ops from "../../src/torch/generated/ops.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const schemaText = readFileSync(`${root}src/torch/schemas.txt`, "utf8");

test("src/torch/generated/ops.ts is current (run `node dist/scripts/gen-ops.js` after editing schemas.txt)", () => {
  const onDisk = readFileSync(`${root}src/torch/generated/ops.ts`, "utf8");
  assert.ok(onDisk.startsWith("// generated — do not edit."));
  assert.equal(onDisk, generate(schemaText), "generated/ops.ts is stale");
});

test("every generated wrapper is called by the engine (schemas.txt lists only ops in use)", () => {
  const dir = `${root}src/torch/`;
  const sources = readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(dir + f, "utf8")).join("\n");
  const wrappers = readSchemaList(schemaText).map(wrapperName);
  assert.ok(wrappers.length > 50, `expected the engine's op list, got ${wrappers.length} schemas`);
  const unused = wrappers.filter((w) => !new RegExp(`\\bA\\.${w}\\b`).test(sources));
  assert.deepEqual(unused, [], "schemas in src/torch/schemas.txt that no engine file calls: drop them and regenerate");
});

test("the engine calls ops only through the typed wrappers (no raw op() tables)", () => {
  const dir = `${root}src/torch/`;
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".ts") && !["ops.ts", "codegen.ts"].includes(x))) {
    const text = readFileSync(dir + f, "utf8");
    assert.doesNotMatch(text, /\bop\(\s*"|native\.callOp\(/, `${f} calls an operator without its typed wrapper`);
  }
});

test("schema parser: alias annotations, defaults with brackets and strings, keyword-only, tuple returns", () => {
  const s = parseSchema('aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)');
  assert.equal(s.name, "aten::max");
  assert.equal(s.overload, "dim");
  assert.deepEqual(s.returns, [{ type: "Tensor", mutable: false }, { type: "Tensor", mutable: false }]);
  assert.equal(wrapperName(s), "maxDim");
  const g = parseSchema('aten::gelu(Tensor self, *, str approximate="none") -> Tensor');
  assert.deepEqual(g.args[1], { name: "approximate", type: "str", mutable: false, default: '"none"', kwOnly: true });
  const a = parseSchema("aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)");
  assert.equal(a.args[0]!.mutable, true);
  assert.equal(a.returns[0]!.mutable, true);
  assert.equal(wrapperName(a), "add_Tensor");
  const c = parseSchema("aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, int[2] dilation=1, int groups=1) -> Tensor");
  assert.deepEqual(c.args.map((x) => x.default), [undefined, undefined, "None", "1", "0", "1", "1"]);
  assert.equal(wrapperName(parseSchema("aten::_foreach_mul_.Scalar(Tensor(a!)[] self, Scalar scalar) -> ()")), "_foreachMul_Scalar");
  assert.throws(() => parseSchema("not a schema"), /cannot parse/);
});

test("listed schemas match the linked libtorch's argument names and order (ops it lacks are skipped)", () => {
  const missing: string[] = [];
  for (const s of readSchemaList(schemaText)) {
    const live = torch.schemaOf(s.name, s.overload);
    if (!live) {
      missing.push(`${s.name}.${s.overload}`);
      continue;
    }
    const liveArgs = parseSchema(live).args.map((a) => a.name);
    assert.deepEqual(liveArgs.slice(0, s.args.length), s.args.map((a) => a.name), `${s.name}.${s.overload}`);
  }
  // Only PyTorch 2.x-only ops may be missing (on 1.13) and only 1.13-only ops on 2.x.
  for (const m of missing) assert.match(m, /scaled_dot_product_attention|_fused_adamw_/, `unexpected missing op ${m}`);
});

test("generated wrappers compute (in-place returns self; tuples; lists; dtype arguments)", () => torch.tidy(() => {
  const x = torch.tensor([[1, 5, 3], [4, 2, 6]]);
  assert.deepEqual(ops.addTensor(x, x, 2).toArray(), [3, 15, 9, 12, 6, 18]);
  const y = torch.zeros([2]);
  assert.equal(ops.add_Scalar(y, 1), y);
  assert.deepEqual(y.toArray(), [1, 1]);
  const [v, i] = ops.maxDim(x, 1);
  assert.deepEqual([v.toArray(), i.toArray()], [[5, 6], [1, 2]]);
  assert.deepEqual(ops.chunk(x, 2, 0).map((t) => t.toArray()), [[1, 5, 3], [4, 2, 6]]);
  assert.equal(ops.sum(x, "float64").dtype, "float64");
  assert.deepEqual(ops.sumDimIntList(x, [1], true).shape, [2, 1]);
}));

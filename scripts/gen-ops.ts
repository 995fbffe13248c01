// Generates src/torch/generated/ops.ts from src/torch/schemas.txt (the checked-in schema list).
//   node dist/scripts/gen-ops.js                 regenerate the wrappers
//   node dist/scripts/gen-ops.js --add NAME[.OVERLOAD]...   append schemas as the linked libtorch registers them
//   node dist/scripts/gen-ops.js --refresh       rewrite each listed schema from the linked libtorch (keeps
//                                                lines this libtorch lacks, e.g. PyTorch 2.x-only ops on 1.13)
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generate, parseSchema } from "../src/torch/codegen.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const listPath = `${root}src/torch/schemas.txt`;
const outPath = `${root}src/torch/generated/ops.ts`;

async function main(argv: string[]): Promise<void> {
  let text = readFileSync(listPath, "utf8");
  if (argv[0] === "--add" || argv[0] === "--refresh") {
    const { schemaOf } = await import("../src/torch/ops.js");
    if (argv[0] === "--add") {
      for (const spec of argv.slice(1)) {
        const [name, overload = ""] = spec.split(".");
        const s = schemaOf(name!, overload);
        if (!s) throw new Error(`${spec}: not registered in the linked libtorch`);
        text = text.trimEnd() + "\n" + s + "\n";
      }
    } else {
      text = text
        .split("\n")
        .map((line) => {
          if (!line.trim() || line.startsWith("#")) return line;
          const s = parseSchema(line);
          return schemaOf(s.name, s.overload) ?? line;
        })
        .join("\n");
    }
    writeFileSync(listPath, text);
  }
  writeFileSync(outPath, generate(text));
  console.log(`gen-ops: wrote ${outPath}`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`gen-ops: ${(e as Error).message}`);
  process.exit(1);
});

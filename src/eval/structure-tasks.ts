// `plmscale eval --tasks contacts,ss`: the structure-based tasks (contacts.ts, ss.ts) as entries of the task
// registry. Structures come from --structures DIR (PDB / mmCIF files) or the two bundled with the project.
// contacts resumes per structure (the fitted regression and the structures done are kept in OUT/contacts.json);
// ss refits its probe on every run (a probe on frozen embeddings takes seconds), so it does not resume.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../core/errors.js";
import { runContactsTask, type ContactItem, type ContactRegression } from "./contacts.js";
import { runSsTask } from "./ss.js";
import { writeAtomic } from "./items.js";
import type { EvalContext, EvalTask } from "./tasks.js";

/** The structures committed with the project (2 of ../shared/data/structures; see test/fixtures/README.md). */
export const BUNDLED_STRUCTURES = fileURLToPath(new URL("../../../test/fixtures/structures/", import.meta.url));

/** PDB / mmCIF files of a folder (or one file), sorted; a clear error when there are none. */
export function structureFiles(path: string): string[] {
  if (!existsSync(path)) throw new UserError(`--structures: ${path} not found`, 2);
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path).filter((f) => /\.(pdb|ent|cif|mmcif)(\.gz)?$/i.test(f)).sort().map((f) => join(path, f));
  if (files.length === 0) throw new UserError(`--structures: no .pdb/.ent/.cif files in ${path}`, 2);
  return files;
}

function structuresOf(ctx: EvalContext): string[] {
  return structureFiles(ctx.options.structures ?? BUNDLED_STRUCTURES);
}

export const contactsTask: EvalTask = {
  name: "contacts",
  summary: "unsupervised contact precision (P@L, L/2, L/5 by range) from attention maps + L1 logistic regression",
  objectives: ["mlm", "clm"],
  async run(ctx) {
    const state = join(ctx.out, "contacts.json");
    type Saved = { checkpoint: string; structures: string[]; regression: ContactRegression; items: ContactItem[] };
    const files = structuresOf(ctx);
    let previous: Saved | undefined;
    if (existsSync(state)) {
      const s = JSON.parse(readFileSync(state, "utf8")) as Saved;
      // resume only the same evaluation: same checkpoint and structures
      if (s.checkpoint === ctx.checkpoint && JSON.stringify(s.structures) === JSON.stringify(files)) previous = s;
    }
    const items: ContactItem[] = [...(previous?.items ?? [])];
    const r = await runContactsTask({
      model: ctx.model, structures: files, seed: ctx.options.seed, signal: ctx.signal,
      progress: (l) => ctx.log(l), ...(previous ? { previous: { regression: previous.regression, items: previous.items } } : {}),
      onItem: (item, regression) => {
        items.push(item);
        writeAtomic(state, JSON.stringify({ checkpoint: ctx.checkpoint, structures: files, regression, items } satisfies Saved));
        ctx.progress("contacts", items.length, files.length);
      },
    });
    return { ...r, interrupted: ctx.signal.aborted };
  },
};

export const ssTask: EvalTask = {
  name: "ss",
  summary: "secondary structure (DSSP, 3 and 8 states): linear probe on frozen embeddings, Q3/Q8 on held-out clusters",
  objectives: ["mlm", "clm"],
  async run(ctx) {
    const r = await runSsTask({ model: ctx.model, structures: structuresOf(ctx), seed: ctx.options.seed, signal: ctx.signal, progress: (l) => ctx.log(l) });
    return { ...r, interrupted: ctx.signal.aborted };
  },
};

// The version of this plmscale installation: package.json's, read once. Recorded in corpus manifests, run
// results and exported models, and printed by `plmscale version`.
import { readFileSync } from "node:fs";

let cached: string | undefined;

/** package.json's version (the repository root is three levels above dist/src/core/); "unknown" when unreadable. */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      cached = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
    } catch {
      cached = "unknown";
    }
  }
  return cached;
}
